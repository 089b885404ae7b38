"""Frozen records built without their ``__init__`` (once or a few times per request) are the
records ``__init__`` builds: equal, the same fields and values, still frozen."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omotenashi.engine.decide import Decision, new_decision
from omotenashi.engine.facts import (
    Device,
    Facts,
    Forced,
    RequestInfo,
)
from omotenashi.engine.html import Edit, scan
from omotenashi.engine.html.splice import new_edit
from omotenashi.engine.personalise import _element_id
from omotenashi.engine.profile import Profile
from omotenashi.engine.restraint import Prefs
from omotenashi.engine.ruleset import CompiledRule
from omotenashi.engine.understand import Visit
from omotenashi.quick import quick as build
from omotenashi.recommend.signals import Shared
from omotenashi.rules.model import Rule

TEXT = st.text(max_size=12)
NAMES = st.frozensets(st.sampled_from(["a", "b", "sale", "vip"]))
COUNTS = st.dictionaries(TEXT, st.integers(0, 9), max_size=3)
DEVICES = st.builds(Device, st.sampled_from(["mobile", "desktop"]), TEXT, TEXT, st.booleans())
MOMENTS = st.datetimes(timezones=st.just(UTC))

FACTS = st.fixed_dictionaries(
    {
        "stage": TEXT,
        "segments": NAMES,
        "attrs": st.dictionaries(TEXT, TEXT, max_size=3),
        "interests": st.dictionaries(TEXT, st.floats(0, 9), max_size=3),
        "visits": st.integers(0, 99),
        "is_new": st.booleans(),
        "device": DEVICES,
        "path": TEXT,
        "query": st.dictionaries(TEXT, TEXT, max_size=3),
        "referrer": TEXT,
        "languages": st.tuples(TEXT),
        "country": TEXT,
        "now": MOMENTS,
        "views": st.integers(0, 99),
        "purchases": st.integers(0, 9),
        "cart_items": st.integers(0, 9),
        "events": COUNTS,
        "absent_days": st.none() | st.floats(0, 99),
        "cart_abandoned": st.booleans(),
        "viewed": NAMES,
        "lists": st.dictionaries(TEXT, NAMES, max_size=2),
        "first_touch": st.dictionaries(TEXT, TEXT, max_size=2),
        "titles": st.dictionaries(TEXT, TEXT, max_size=2),
        "labels": st.dictionaries(TEXT, TEXT, max_size=2),
    }
)


def same_record(quick: Any, plain: Any) -> None:
    assert quick == plain
    assert repr(quick) == repr(plain)
    assert vars(quick) == vars(plain)  # evolve copies __dict__
    with pytest.raises(dataclasses.FrozenInstanceError):
        quick.path = "/elsewhere"


@given(FACTS)
def test_facts_built_quickly_are_the_facts_init_builds(values: dict[str, Any]) -> None:
    same_record(build(Facts, **values), Facts(**values))


@pytest.mark.parametrize(
    "values",
    [{}, {"stage": "consideration"}, {"stage": "x", "now": datetime(2025, 1, 1, tzinfo=UTC)}],
)
def test_facts_with_fields_left_out_get_the_defaults(values: dict[str, Any]) -> None:
    quick, plain = build(Facts, **values), Facts(**values)
    assert dataclasses.replace(quick, now=plain.now) == plain


def test_facts_with_an_unknown_field_are_refused_as_init_refuses_them() -> None:
    with pytest.raises(TypeError, match="unexpected keyword argument 'mood'"):
        build(Facts, stage="x", mood="happy")


@given(TEXT, st.text(max_size=40), st.dictionaries(TEXT, TEXT, max_size=4), TEXT, st.booleans())
def test_request_info_from_parts_is_the_one_init_builds(
    path: str, query: str, headers: dict[str, str], country_header: str, secure: bool
) -> None:
    headers = {k.lower(): v for k, v in headers.items()}
    quick = RequestInfo.from_parts(
        path, query, headers, country_header=country_header, secure=secure
    )
    plain = RequestInfo(**vars(quick))  # the same values, through __init__
    assert (quick.path, quick.secure) == (path, secure)
    same_record(quick, plain)


SHARED = Shared()
VISITS = st.fixed_dictionaries(
    {
        "visitor_id": TEXT,
        "profile": st.builds(Profile, stage=TEXT, visits=st.integers(0, 9)),
        "now": st.floats(0, 2e9),
        "request": st.builds(RequestInfo, path=TEXT),
        "device": DEVICES,
        "is_new": st.booleans(),
        "choices": st.builds(Prefs, off_rules=NAMES, nothing=st.booleans()),
        "private": st.booleans(),
        "events": st.lists(st.tuples(TEXT, st.just({})), max_size=2).map(tuple),
        "attrs": st.dictionaries(TEXT, TEXT, max_size=2),
        "forced": st.none() | st.builds(Forced, rules=NAMES),
        "csrf": TEXT,
        "shared": st.just(SHARED),  # (compared by identity)
        "measured_arms": st.dictionaries(TEXT, st.sampled_from(["t", "c"]), max_size=2),
    }
)


@given(VISITS)
def test_visits_built_quickly_are_the_visits_init_builds(values: dict[str, Any]) -> None:
    quick, plain = build(Visit, **values), Visit(**values)
    assert quick == plain
    assert vars(quick) == vars(plain)
    with pytest.raises(dataclasses.FrozenInstanceError):
        quick.now = 0.0  # type: ignore[misc]


def test_a_visit_with_fields_left_out_gets_the_defaults() -> None:
    quick, plain = (
        build(Visit, visitor_id="v", profile=Profile(), now=1.0),
        Visit("v", Profile(), 1.0),
    )
    assert dataclasses.replace(quick, shared=SHARED) == dataclasses.replace(plain, shared=SHARED)
    assert quick.shared is not plain.shared  # each its own default


RULE = CompiledRule(
    Rule(id="hero-1", slot="hero", text="hi", why="A greeting"), "f", 1, 0, [], None, "hi"
)


@pytest.mark.parametrize("reasons", [(), ("you are new here",), ("a", "b")])
def test_decisions_built_quickly_are_the_decisions_init_builds(reasons: tuple[str, ...]) -> None:
    quick, plain = new_decision(RULE, "hero", reasons), Decision(RULE, "hero", reasons)
    assert quick == plain
    assert repr(quick) == repr(plain)
    assert vars(quick) == vars(plain)
    assert quick.id == "hero-1"
    with pytest.raises(dataclasses.FrozenInstanceError):
        quick.target = "other"  # type: ignore[misc]


@given(
    st.none() | TEXT,
    st.dictionaries(st.sampled_from(["class", "data-omo-rule", "hidden"]), TEXT, max_size=2),
    TEXT,
)
def test_edits_built_quickly_are_the_edits_init_builds(
    inner: str | None, attrs: dict[str, str], after: str
) -> None:
    target = scan('<div data-omo-slot="hero">x</div>').slots[0]
    quick, plain = new_edit(target, inner, attrs, after), Edit(target, inner, attrs, after)
    assert quick == plain
    assert repr(quick) == repr(plain)
    assert vars(quick) == vars(plain)
    assert new_edit(target, inner, attrs) == Edit(target, inner, attrs)
    with pytest.raises(dataclasses.FrozenInstanceError):
        quick.after = "x"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("tag", "back"),
    [
        ('<div data-omo-slot="s">x</div>', ""),
        ('<div id="top" data-omo-slot="s">x</div>', "top"),
        ('<div data-omo-slot="s" id="a&amp;b">x</div>', "a&b"),
        ('<div id="" data-omo-slot="s">x</div>', ""),
        ('<div id="first" ID="second" data-omo-slot="s">x</div>', "first"),
    ],
)
def test_the_note_returns_to_the_elements_first_id(tag: str, back: str) -> None:
    target = scan(tag).slots[0]
    assert _element_id(target) == back
    assert _element_id(target) == next((a.value for a in target.attrs if a.name == "id"), "")


def test_a_dataclass_with_slots_is_built_through_its_init() -> None:
    @dataclasses.dataclass(frozen=True, slots=True)
    class Slotted:
        a: int
        b: str = "x"

    assert build(Slotted, a=1, b="y") == Slotted(1, "y")
    assert build(Slotted, a=1) == Slotted(1)


def test_given_every_field_the_record_is_built_without_its_init() -> None:
    """The point of ``quick``: no ``__init__`` (nor ``__post_init__``) runs, every time."""
    calls: list[int] = []

    @dataclasses.dataclass(frozen=True)
    class Counted:
        a: int
        b: str = "x"

        def __post_init__(self) -> None:
            calls.append(self.a)

    assert build(Counted, a=1, b="y") == Counted(1, "y") and calls == [1]  # (the second)
    assert build(Counted, a=2, b="z").b == "z" and calls == [1]  # remembered fields, no init
    assert build(Counted, a=3).b == "x" and calls == [1, 3]  # a field left out: __init__
