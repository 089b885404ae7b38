"""Conditions compiled once per distinct field test say and decide what compile_when's do."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from omotenashi.engine.conditions import compile_when
from omotenashi.engine.facts import Device, Facts
from omotenashi.loader.whens import ORDER, SharedWhens
from omotenashi.rules.model import Rule, When

EVERY_FIELD: dict[str, Any] = {
    "stage": ["interest", "purchase"],
    "segment": ["family"],
    "attr": {"tier": "gold"},
    "interest": {"kyoto": {"at_least": 2}},
    "visits": {"at_least": 2},
    "new": False,
    "returning": True,
    "device": ["desktop"],
    "browser": ["Chrome"],
    "os": ["Linux"],
    "path": ["/tours/*"],
    "query": {"utm_campaign": "spring"},
    "referrer": ["*example.com*"],
    "language": ["ja"],
    "country": ["JP"],
    "time": "18:00-23:00",
    "weekday": ["sat", "sun"],
    "timezone": "Asia/Tokyo",
    "views": {"at_least": 3},
    "purchases": {"exists": True},
    "cart_items": {"gt": 0},
    "event": {"join_club": {"at_least": 1}},
    "absent_days": {"at_most": 30},
    "cart_abandoned": True,
    "viewed": ["kyoto-walk"],
    "viewed_in_list": "sale",
    "first_utm": {"utm_source": "newsletter"},
    "first_referrer": ["*search*"],
    "all": [{"stage": "interest"}, {"time": "09:00-17:00"}],
    "any": [{"device": "mobile"}, {"interest": {"hawaii": 1}}],
    "not": {"segment": ["staff"]},
}

FACTS = [
    Facts(),
    Facts(
        stage="interest",
        segments=frozenset({"family"}),
        attrs={"tier": "gold"},
        interests={"kyoto": 3.0},
        visits=4,
        is_new=False,
        device=Device("desktop", "Chrome", "Linux", False),
        path="/tours/kyoto",
        query={"utm_campaign": "spring"},
        referrer="https://www.example.com/",
        languages=("ja",),
        country="JP",
        now=datetime(2026, 6, 6, 11, tzinfo=UTC),  # Saturday, 20:00 in Tokyo
        views=5,
        purchases=1,
        cart_items=2,
        events={"join_club": 1},
        absent_days=3.0,
        cart_abandoned=True,
        viewed=frozenset({"kyoto-walk"}),
        lists={"sale": frozenset({"kyoto-walk"})},
        first_touch={"utm_source": "newsletter", "referrer": "https://search.example/"},
    ),
]


def test_the_order_names_every_condition_field_of_a_when() -> None:
    assert len(ORDER) == len(set(ORDER))
    assert set(ORDER) == set(When.model_fields) - {"timezone"}


@pytest.mark.parametrize("name", [n for n in EVERY_FIELD if n != "timezone"])
def test_one_field_compiles_as_compile_when_compiles_it(name: str) -> None:
    when = When.model_validate({name: EVERY_FIELD[name], "timezone": "Asia/Tokyo"})
    shared = SharedWhens("UTC").conditions(when)
    alone = compile_when(when, "UTC")
    assert [c.text for c in shared] == [c.text for c in alone]
    for facts in FACTS:
        assert [c.check(facts) for c in shared] == [c.check(facts) for c in alone]
        assert [c.reasons(facts) for c in shared] == [c.reasons(facts) for c in alone]
        assert [c.denials(facts) for c in shared] == [c.denials(facts) for c in alone]


def test_every_field_together_keeps_compile_whens_order() -> None:
    when = When.model_validate(EVERY_FIELD)
    shared = SharedWhens("Europe/Paris").conditions(when)
    alone = compile_when(when, "Europe/Paris")
    assert len(alone) > len(ORDER)  # every field said something
    assert [c.text for c in shared] == [c.text for c in alone]


def test_rules_written_alike_share_their_when_and_conditions() -> None:
    whens = SharedWhens("UTC")
    raw = [
        {"id": "a", "slot": "s", "text": "x", "why": "why a", "when": {"stage": ["interest"]}},
        {"id": "b", "slot": "s", "text": "x", "why": "why b", "when": {"stage": ["interest"]}},
        {
            "id": "c",
            "slot": "s",
            "text": "x",
            "why": "why c",
            "when": {"stage": ["interest"], "device": ["mobile"]},
        },
    ]
    rules = [Rule.model_validate(r) for r in raw]
    (a, _), (b, _), (c, _) = (whens.compile(rule, r) for rule, r in zip(rules, raw, strict=True))
    assert a is b and rules[0].when is rules[1].when
    assert c is not a and c[0] is a[0]  # the stage test, compiled once
    assert [x.text for x in c] == [x.text for x in compile_when(rules[2].when, "UTC")]
