"""What one request's change does to a profile in memory (``apply``), field by field: the same
update Redis makes after the response (tests/test_profile_drift.py checks the two agree), so
the page being served already sees its own view, events, cart and stage."""

from __future__ import annotations

from typing import Any

import pytest

from omotenashi.engine.change import Change, apply
from omotenashi.engine.profile import Profile

NOW = 1_000_000.0
DAY = 86400.0


def before() -> Profile:
    return Profile(
        visits=2,
        views=7,
        first_seen=NOW - 30 * DAY,
        last_seen=NOW - DAY,
        visit_start=NOW - DAY,
        absent_days=3.0,
        stage="interest",
        attrs={"plan": "gold", "age": 41},
        interests={"hawaii": (2.0, NOW - DAY), "kyoto": (1.0, NOW - DAY)},
        shown={"r1": 2},
        events={"join_club": 1},
        purchases=1,
        purchase_at=NOW - 10 * DAY,
        cart={"kona": 1, "maui": 2},
        cart_at=NOW - 2 * DAY,
        viewed={"kona": NOW - DAY},
        first_touch={"utm_source": "news"},
        caps={"r1": ("d20000", 1)},
        purchased=frozenset({"bali"}),
    )


@pytest.mark.parametrize(
    ("change", "page", "expected"),
    [
        (
            Change(now=NOW),
            True,
            {"views": 7, "visits": 2, "last_seen": NOW, "cart_at": NOW - 2 * DAY},
        ),
        (Change(now=NOW, view=True), True, {"views": 8, "visit_start": NOW - DAY}),
        (Change(now=NOW, view=True), False, {"views": 7}),
        (
            Change(now=NOW, new_visit=True, absent_days=12.5),
            True,
            {"visits": 3, "visit_start": NOW, "absent_days": 12.5, "first_seen": NOW - 30 * DAY},
        ),
        (Change(now=NOW, new_visit=True), True, {"visits": 3, "absent_days": 3.0}),
        (
            Change(now=NOW, topics=["hawaii", "fiji"]),
            True,
            {
                "interests": {
                    "hawaii": (2.0 * 0.5 + 1.0, NOW),
                    "kyoto": (1.0, NOW - DAY),
                    "fiji": (1.0, NOW),
                }
            },
        ),
        (
            Change(now=NOW, topics=["hawaii"]),
            False,
            {"interests": {"hawaii": (2.0, NOW - DAY), "kyoto": (1.0, NOW - DAY)}},
        ),
        (Change(now=NOW, items=["maui"]), True, {"viewed": {"kona": NOW - DAY, "maui": NOW}}),
        (Change(now=NOW, items=["maui"]), False, {"viewed": {"kona": NOW - DAY}}),
        (
            Change(now=NOW, first={"utm_source": "ad", "referrer": "https://t.co/"}),
            True,
            {"first_touch": {"utm_source": "news", "referrer": "https://t.co/"}},
        ),
        (
            Change(now=NOW, events={"join_club": 2, "share": 1}),
            False,
            {"events": {"join_club": 3, "share": 1}},
        ),
        (
            Change(now=NOW, cart_add={"kona": 2, "fiji": 1}, cart_remove=["maui"]),
            True,
            {"cart": {"kona": 3, "fiji": 1}, "cart_at": NOW},
        ),
        (
            Change(now=NOW, cart_remove=["nothing"]),
            True,
            {"cart": {"kona": 1, "maui": 2}, "cart_at": NOW},
        ),
        (
            Change(now=NOW, cart_clear=True, purchases=1, bought=["kona", "maui"]),
            True,
            {
                "cart": {},
                "cart_at": NOW - 2 * DAY,
                "purchases": 2,
                "purchase_at": NOW,
                "purchased": frozenset({"bali", "kona", "maui"}),
            },
        ),
        (
            Change(now=NOW, attrs={"age": 42, "city": "Kyoto"}),
            True,
            {"attrs": {"plan": "gold", "age": 42, "city": "Kyoto"}},
        ),
        (Change(now=NOW, shown=["r1", "r2"]), True, {"shown": {"r1": 3, "r2": 1}}),
        (
            Change(now=NOW, caps={"r2": ["w2857", "3"], "r1": ["d20001", 1]}),
            True,
            {"caps": {"r1": ("d20001", 1), "r2": ("w2857", 3)}},
        ),
        (Change(now=NOW, stage="consideration"), True, {"stage": "consideration"}),
        (Change(now=NOW, stage="interest"), True, {"stage": "interest"}),
        (Change(now=NOW, stage="awareness"), True, {"stage": "interest"}),
        (Change(now=NOW, stage="awareness", stage_back=True), True, {"stage": "awareness"}),
    ],
)
def test_what_a_change_does_to_the_profile(
    change: Change, page: bool, expected: dict[str, Any]
) -> None:
    old = before()
    after = apply(old, change, half_life=DAY, page=page)
    for field, value in expected.items():
        assert getattr(after, field) == value, field
    assert old == before()  # the profile read from Redis is left as it was


def test_the_first_request_of_a_visitor_starts_the_profile() -> None:
    after = apply(Profile(), Change(now=NOW, view=True, new_visit=True), half_life=DAY)
    assert (after.visits, after.views, after.first_seen, after.last_seen) == (1, 1, NOW, NOW)
    assert after.absent_days is None  # a first visit has no earlier one


@pytest.mark.parametrize(
    ("change", "empty"),
    [
        (Change(now=NOW), True),
        (Change(now=NOW, topics=["x"]), True),  # a page's topics without a view
        # a visit begun on a page shown with the browsing history off: its start is recorded
        (Change(now=NOW, new_visit=True, topics=["x"]), False),
        # a page shown with the browsing history off: no view, its blocks still recorded
        (Change(now=NOW, shown=["r1"]), False),
        (Change(now=NOW, caps={"r1": ["d1", 1]}), False),
        (Change(now=NOW, exposed={"r1": "c"}), False),
        (Change(now=NOW, view=True), False),
        (Change(now=NOW, events={"a": 1}), False),
        (Change(now=NOW, items=["kona"]), False),
        (Change(now=NOW, attrs={"a": 1}), False),
        (Change(now=NOW, stage="interest"), False),
    ],
)
def test_an_empty_change_writes_nothing(change: Change, empty: bool) -> None:
    assert change.empty == empty


def test_the_payload_carries_every_part_of_the_change_to_redis() -> None:
    change = Change(now=NOW, view=True, stage=None, absent_days=2.0, since=NOW - DAY)
    change.add_event("add_to_cart", {"item": "kona", "qty": 2})
    payload = change.payload(ttl=3600, half_life=DAY)
    assert payload == {
        "now": NOW,
        "since": NOW - DAY,
        "ttl": 3600,
        "half_life": DAY,
        "view": True,
        "new_visit": False,
        "absent_days": 2.0,
        "topics": [],
        "items": [],
        "shown": [],
        "shown_why": {},
        "events": {"add_to_cart": 1},
        "cart_add": {"kona": 2},
        "cart_remove": [],
        "cart_less": {},
        "cart_clear": False,
        "purchases": 0,
        "stage": "",
        "stage_back": False,
        "first": {},
        "attrs": {},
        "caps": {},
        "bought": [],
        "measure": {},
    }
