"""The visitor's download holds every field the store keeps, readably: the fields are read from
the code that parses the profile (store/replies.py), not copied here, so a field added there
and left out of the export fails this test. Each field is varied one part at a time (a count,
then its time, then its reason ...): every variant must give a different export."""

from __future__ import annotations

import ast
import dataclasses
import inspect
import json
from typing import Any

import pytest

from omotenashi.engine.profile import Profile
from omotenashi.respect.yourdata import measured_lines
from omotenashi.store import replies

BASE = {"F": "1000000"}  # the first visit, which the other times count from
# Per field the store parses: variants of the hash's fields, each differing from the one
# before in one part only. "" is the field itself (a plain field, or the prefix of a family).
VARIANTS: dict[str, list[dict[str, str]]] = {
    "s": [
        {"shero": "3"},
        {"shero": "4"},
        {"shero": "4 5 \x1fyou came from our link"},
        {"shero": "4 9 \x1fyou came from our link"},
        {"shero": "4 9 \x1fyou like Nara"},
        {"shero": "4 9 1", "1": "you like tours"},  # a reason kept in a numbered field
        {"shero": "4 9 1", "1": "you like Kyoto"},
    ],
    "i": [{"ikyoto": "1 5"}, {"ikyoto": "2 5"}, {"ikyoto": "2 9000"}],
    "w": [{"wkyoto": "5"}, {"wkyoto": "9000"}, {"wnara": "9000"}, {"wnara": "9000?"}],
    "k": [{"khero": "d11:2"}, {"khero": "d11:3"}, {"khero": "d12:3"}, {"khero": "w2:3"}],
    "e": [{"eplay": "1"}, {"eplay": "2"}, {"ebuy": "2"}],
    "c": [{"ckyoto": "1"}, {"ckyoto": "2"}, {"cnara": "2"}],
    "a": [{"aname": '"Aiko"'}, {"aname": '"Mei"'}, {"atier": '"Mei"'}],
    "m": [
        {"mr|hero": "t:1000100"},
        {"mr|hero": "c:1000100"},
        {"mr|hero": "c:1000200"},
        {"mr|hero": "c:1000200", "mg|hero|signup": "1"},
        {"mr|hero": "c:1000200", "mg|hero|buy": "1"},
    ],
    "f": [{"futm_source": "news"}, {"futm_source": "mail"}, {"futm_campaign": "mail"}],
    "b": [{"bkyoto": "1"}, {"bkyoto": "9000"}, {"bnara": "9000"}],  # when: its last purchase
    "x": [
        {"x" + "a" * 32: "5"},
        {"x" + "a" * 32: "9000"},
        {"x" + "b" * 32: "9000"},
        {"x" + "b" * 32: "9000 vs"},  # what the merge joined (engine/joined.py)
        {"x" + "b" * 32: "9000 vsh"},  # ... and what it erased
    ],
    "N": [{"N": "1"}, {"N": "2"}],
    "V": [{"V": "1"}, {"V": "2"}],
    "L": [{"L": "5"}, {"L": "9000"}],
    "VS": [{"VS": "5"}, {"VS": "9000"}],
    "G": [{"G": "2"}, {"G": "3"}],
    "P": [{"P": "1"}, {"P": "2"}],
    "PA": [{"PA": "5"}, {"PA": "9000"}],
    "CA": [{"CA": "5"}, {"CA": "9000"}],
    "AD": [{"AD": "1.5"}, {"AD": "2.5"}],
    "SG": [{"SG": "club"}, {"SG": "club,vip"}],
    "F": [{"F": "1000000"}, {"F": "2000000"}],
    "revoked": [{"revoked": "1830738972"}],
    "WX": [{"WX": "1"}],
    "HO": [{"HO": "1"}, {"HO": "2"}, {"HO": "3"}],  # (bits: 1 history off, 2 nothing)
    "R": [{"R": "purchase"}, {"R": "join_club,purchase"}],  # (journey58)
}
# The reply's other parts: the also pairs (reply[1]) and an old deny marker (reply[2]).
ALSO = [["kyoto>nara", "1.5"], ["kyoto>nara", "2.5"], ["kyoto>osaka", "2.5"]]


def parsed_fields() -> set[str]:
    """What store/replies.py reads from the profile hash: the families it compares a field's
    first letter with, the plain fields it gets by name, and the markers it looks for."""
    tree = ast.parse(inspect.getsource(replies.profile_from_reply))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and isinstance(node.ops[0], ast.Eq | ast.In):
            left, right = node.left, node.comparators[0]
            if isinstance(left, ast.Name) and left.id == "kind":
                if isinstance(right, ast.Constant) and isinstance(right.value, str):
                    found.add(right.value)
            if isinstance(left, ast.Constant) and isinstance(left.value, str):
                if isinstance(right, ast.Name) and right.id == "fields":
                    found.add(left.value)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "get":
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.add(arg.value)
    return found


def reply_parts() -> set[int]:
    """The parts of the load script's reply the parser reads (``reply[n]``)."""
    tree = ast.parse(inspect.getsource(replies.profile_from_reply))
    return {
        node.slice.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Subscript)
        and isinstance(node.value, ast.Name)
        and node.value.id == "reply"
        and isinstance(node.slice, ast.Constant)
        and isinstance(node.slice.value, int)
    }


def exported(fields: dict[str, str], also: list[str] | None = None, marker: Any = None) -> str:
    flat = [x for pair in {**BASE, **fields}.items() for x in pair]
    profile = replies.profile_from_reply([flat, also or [], marker])
    return json.dumps(profile.to_export(), sort_keys=True)


def test_the_fields_are_found_in_the_parser() -> None:
    found = parsed_fields()
    assert {"s", "i", "m", "VS", "AD", "revoked"} <= found  # the reading above still works
    assert found - VARIANTS.keys() == set(), "a field the store parses has no variants here"
    assert reply_parts() == {0, 1, 2}, "a part of the reply is read that this test does not vary"


@pytest.mark.parametrize("field", sorted(VARIANTS))
def test_every_part_of_every_stored_field_is_in_the_export(field: str) -> None:
    variants = VARIANTS[field]
    exports = [exported(v) for v in variants]
    if field != "F":  # the base itself: every profile has one
        exports.append(exported({}))
    assert len(set(exports)) == len(exports), f"{field}: a stored difference is not exported"


def test_the_also_pairs_and_their_scores_are_exported() -> None:
    exports = [exported({}, pair) for pair in ALSO] + [exported({})]
    assert len(set(exports)) == len(exports)


def test_a_revoked_marker_is_exported() -> None:
    assert exported({}, marker="1830738972") != exported({})


@pytest.mark.parametrize("name", [f.name for f in dataclasses.fields(Profile)])
def test_every_profile_field_reaches_the_export(name: str) -> None:
    default = Profile().to_export()
    value: Any = {
        "visits": 2,
        "views": 2,
        "first_seen": 5.0,
        "last_seen": 5.0,
        "visit_start": 5.0,
        "absent_days": 3.0,
        "stage": "loyalty",
        "segments": frozenset({"club"}),
        "attrs": {"a": 1},
        "interests": {"t": (1.0, 5.0)},
        "shown": {"r": 1},
        "shown_why": {"r": (5.0, ["why"])},
        "events": {"e": 1},
        "purchases": 1,
        "purchase_at": 5.0,
        "cart": {"i": 1},
        "cart_at": 5.0,
        "viewed": {"i": 5.0},
        "viewed_full": True,
        "unrecorded": True,
        "unrecorded_nothing": True,
        "rejudge": frozenset({"purchase"}),
        "uncounted": frozenset({"i"}),
        "first_touch": {"utm_source": "x"},
        "caps": {"r": ("ever", 1)},
        "merged": {"a" * 32: 5.0},
        "joined": {"a" * 32: "vh"},
        "revoked": True,
        "measured": {"r|r": "t:5"},
        "purchased": frozenset({"i"}),
        "bought_at": {"i": 5.0},
        "also": {"a>b": 1.0},
    }[name]
    assert Profile(**{name: value}).to_export() != default


def test_measurement_is_exported_in_words() -> None:
    profile = Profile(measured={"r|hero": "c:1796269409", "g|hero|signup": "1"})
    assert profile.to_export()["measured"] == {
        "hero": {
            "arm": "control",
            "first_exposed": "2026-12-03T03:43:29Z",
            "goals_reached": ["signup"],
        }
    }


def test_caps_are_exported_with_their_period_in_words() -> None:
    caps = {"a": ("d20789", 2), "b": ("w2969", 1), "c": ("v1796179029", 1), "d": ("ever", 3)}
    assert Profile(caps=caps).to_export()["caps"] == {
        "a": {"period": "day", "since": "2026-12-02T00:00:00Z", "count": 2},  # the site's day
        "b": {"period": "week", "since": "2026-11-23T00:00:00Z", "count": 1},  # a Monday
        "c": {"period": "visit", "since": "2026-12-02T02:37:09Z", "count": 1},
        "d": {"period": "ever", "since": None, "count": 3},
    }


AT = 1_796_150_224.0  # every time of the profile below: none may reach the export as a number


def numbers(value: Any) -> list[float]:
    if isinstance(value, dict):
        return [n for v in value.values() for n in numbers(v)]
    if isinstance(value, list | tuple):
        return [n for v in value for n in numbers(v)]
    return [value] if isinstance(value, int | float) and not isinstance(value, bool) else []


def test_every_time_in_the_export_is_iso_8601() -> None:
    profile = Profile(
        first_seen=AT,
        last_seen=AT,
        visit_start=AT,
        interests={"t": (1.0, AT)},
        shown={"r": 1},
        shown_why={"r": (AT, ["why"])},
        purchase_at=AT,
        cart={"i": 1},
        cart_at=AT,
        viewed={"i": AT},
        merged={"a" * 32: AT},
        measured={"r|r": f"t:{int(AT)}"},
    )
    data = profile.to_export()
    assert not [n for n in numbers(data) if n >= 10**9], "a Unix time in the export"
    when = "2026-12-01T"
    for name in ("first_seen", "last_seen"):
        assert data[name].startswith(when)
    assert data["shown_why"]["r"]["at"].startswith(when)


def test_a_return_while_the_test_was_off_is_exported_and_said_in_words() -> None:
    measured = {"r|hero": "t:1796269409", "o|hero": "1796355809"}  # (measure45's gap mark)
    assert Profile(measured=measured).to_export()["measured"] == {
        "hero": {
            "arm": "treatment",
            "first_exposed": "2026-12-03T03:43:29Z",
            "goals_reached": [],
            "back_while_test_off": "2026-12-04T03:43:29Z",
        }
    }
    (line,) = measured_lines(Profile(measured=measured), {"hero": "A hero for you."})
    assert line.startswith("A hero for you: ") and "other measurement record" not in line
    assert "on 04 December 2026, 03:43 UTC you came back while it was not being measured" in line


@pytest.mark.parametrize(
    ("value", "history", "nothing"),
    [
        ("1", True, False),
        ("2", False, True),
        ("3", True, True),
        # (review70b) a value with neither bit, as a damaged profile may hold: the history's,
        # as older writers' "1" (a caveat that may be needless, never a count said whole)
        ("0", True, False),
        ("4", True, False),
        ("6", False, True),
        ("x", True, False),
        ("", True, False),
        ("99999", True, False),
    ],
)
def test_pages_not_counted_are_read_by_their_bits(value: str, history: bool, nothing: bool) -> None:
    profile = replies.profile_from_reply([["F", "1000000", "HO", value], [], None])
    assert (profile.unrecorded, profile.unrecorded_nothing) == (history, nothing)
