"""The load script's reply read into a Profile: every family of fields, times from the first
visit, values that do not parse, reasons in the value or numbered (a missing one left out), and
the reasons kept once per distinct text: each profile its own, a fresh list every time."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omotenashi.store import replies
from omotenashi.store.replies import profile_from_reply

F = 1_700_000_000.0
HASH = [
    *("V", "12", "F", "1700000000", "N", "3", "L", "5000", "VS", "4000", "AD", "2.5"),
    *("G", "3", "P", "1", "PA", "4500", "CA", "4600", "SG", "a,b,,c"),
    *("ftour", "not first-touch", "futm_source", "news", "eview", "4", "eodd", "2.0"),
    *("bitem1", "", "xanon", "12", "aname", '"Ann"', "araw", "not json"),
    *("ihawaii", "2.5 100", "ibad", "x y", "wtour1", "200", "wtour2", "oops"),
    *("kr1", "visit:3", "ccart1", "2", "ccart2", "0", "mr1", "t 123", "zunknown", "1"),
    *("sr1", "3", "sr2", "1 100 \x1f\x01a\x1fb", "sr3", "2 200 0.1.9.V", "sbad", "x 5 0"),
    *("0", "zero\x02", "1", "one", "V2", "not a reason"),
]


def test_every_family_of_fields_reads_back() -> None:
    p = profile_from_reply([HASH, ["a>b", "1.5", "c>d", "bad"], None])
    assert (p.views, p.visits, p.purchases, p.stage) == (12, 3, 1, "consideration")
    assert (p.first_seen, p.last_seen, p.visit_start) == (F, F + 5000, F + 4000)
    assert (p.purchase_at, p.cart_at, p.absent_days) == (F + 4500, F + 4600, 2.5)
    assert p.segments == {"a", "b", "c"}
    assert p.first_touch == {"utm_source": "news"}
    assert p.events == {"view": 4, "odd": 2}
    assert p.purchased == {"item1"} and p.merged == {"anon": F + 12}
    assert p.attrs == {"name": "Ann", "raw": "not json"}
    assert p.interests == {"hawaii": (2.5, F + 100), "bad": (0.0, F)}
    assert p.viewed == {"tour1": F + 200, "tour2": F}
    assert p.caps == {"r1": ("visit", 3)} and p.cart == {"cart1": 2}
    assert p.measured == {"r1": "t 123"}
    assert p.shown == {"r1": 3, "r2": 1, "r3": 2, "bad": 0}
    assert p.shown_why == {
        "r2": (F + 100, ["you have looked at pages about a", "b"]),
        "r3": (F + 200, ["zero or more times", "one"]),  # 9 is missing, V is no reason
        "bad": (F + 5, ["zero or more times"]),
    }
    assert p.also == {"a>b": 1.5, "c>d": 0.0}
    assert not p.revoked


@pytest.mark.parametrize(
    ("flat", "third", "stage", "revoked"),
    [
        ([], None, "awareness", False),
        (["G", "9"], None, "awareness", False),
        (["G", "0"], None, "awareness", False),
        (["G", " 2"], None, "interest", False),
        (["G", "5", "revoked", "1"], None, "loyalty", True),
        (["G", "1"], "1", "awareness", True),  # the first layout's deny marker
    ],
)
def test_the_stage_and_the_deny_marker(
    flat: list[str], third: str | None, stage: str, revoked: bool
) -> None:
    p = profile_from_reply([flat, [], third])
    assert (p.stage, p.revoked) == (stage, revoked)


def test_without_a_first_visit_times_are_as_stored() -> None:
    p = profile_from_reply([["L", "30", "ix", "1 5", "wy", "7", "N", "1"], [], None])
    assert (p.first_seen, p.last_seen, p.visit_start) == (None, 30.0, None)
    assert (p.interests, p.viewed) == ({"x": (1.0, 5.0)}, {"y": 7.0})


def test_reasons_are_each_profiles_own_and_a_fresh_list_each_time() -> None:
    mine = ["F", "100", "sr", "1 5 \x1f\x01hawaii"]
    theirs = ["F", "100", "sr", "1 5 \x1f\x01bali"]
    first = profile_from_reply([mine, [], None])
    first.shown_why["r"][1].append("changed by the engine")
    assert profile_from_reply([theirs, [], None]).shown_why["r"][1] == [
        "you have looked at pages about bali"
    ]
    assert profile_from_reply([mine, [], None]).shown_why["r"][1] == [
        "you have looked at pages about hawaii"
    ]
    assert replies._inline.cache_info().maxsize == 4096


NUMBERS = st.one_of(
    st.sampled_from(["", " ", "0", "-0", "-0.0", "7", " 3", "2.5", "1e3", "nan", "inf", "x"]),
    st.text(alphabet="0123456789.-+e _x", max_size=6),
)


def as_float(value: str) -> float:
    """What a stored number reads as: itself when it parses, else 0 (and -0 as 0)."""
    try:
        return float(value) or 0.0
    except ValueError:
        return 0.0


@settings(max_examples=300, deadline=None)
@given(first=st.sampled_from(["100", "0", "x"]), a=NUMBERS, b=NUMBERS)
def test_a_number_reads_as_itself_or_its_fallback(first: str, a: str, b: str) -> None:
    """Each number parsed directly reads exactly as through the fallback (signs of zero too)."""
    x, y = a.replace(" ", ""), b.replace(" ", "")  # one word each where spaces separate
    # (a merge's time is one word too: letters after a space say what it joined, joined.py)
    flat = ["F", first, "ir", f"{x} {y}", "wr", a, "sr", f"7 {y} \x1fz", "xr", y]
    p = profile_from_reply([flat, [], None])
    base = as_float(first)
    want = {
        "interests": {"r": (as_float(x), base + as_float(y))},
        "viewed": {"r": base + as_float(a)},
        "merged": {"r": base + as_float(y)},
        "shown_why": {"r": (base + as_float(y), ["z"])},
    }
    got = {name: getattr(p, name) for name in want}
    assert repr(got) == repr(want)  # repr: NaN equals itself, -0.0 is not 0.0


@pytest.mark.parametrize("number", ["inf", "-inf", "3e3301", "nan"])
def test_a_count_no_integer_can_hold_reads_as_zero(number: str) -> None:
    p = profile_from_reply(
        [["N", number, "V", number, "eview", number, "kr1", f"day:{number}"], [], None]
    )
    assert (p.visits, p.views, p.events, p.caps) == (0, 0, {"view": 0}, {"r1": ("day", 0)})
