"""``omotenashi check`` calls a rule one that can never fire only when the engine agrees: values
the engine's ``eq`` and ``in`` read as one (3 and "3.0", ``Gold`` and ``gold``, ``straße`` and
``STRASSE``, ``true`` and "true", ``café`` composed or not) are not "two different things", and
each rule here fires for the visitor beside it."""

from __future__ import annotations

from typing import Any

import pytest

from omotenashi.engine.conditions import all_hold, compile_when
from omotenashi.engine.facts import Facts
from omotenashi.loader.never import contradictions
from omotenashi.rules.model import When

# (the when, a visitor it holds for)
FIRES: list[tuple[dict[str, Any], dict[str, Any]]] = [
    ({"all": [{"attr": {"n": 1}}, {"attr": {"n": 1.0}}]}, {"attrs": {"n": "1"}}),
    ({"all": [{"attr": {"n": 1}}, {"attr": {"n": "1.0"}}]}, {"attrs": {"n": 1}}),
    ({"query": {"page": "10"}, "all": [{"query": {"page": "010"}}]}, {"query": {"page": "10"}}),
    ({"all": [{"attr": {"c": "straße"}}, {"attr": {"c": "STRASSE"}}]}, {"attrs": {"c": "Strasse"}}),
    (
        {"all": [{"attr": {"c": "caf\u00e9"}}, {"attr": {"c": "cafe\u0301"}}]},
        {"attrs": {"c": "CAFÉ"}},
    ),
    ({"all": [{"attr": {"vip": True}}, {"attr": {"vip": "TRUE"}}]}, {"attrs": {"vip": True}}),
    ({"attr": {"tier": {"eq": "Gold", "in": ["gold", "silver"]}}}, {"attrs": {"tier": "gold"}}),
    ({"attr": {"n": {"eq": 1, "in": ["1", "2"]}}}, {"attrs": {"n": "1"}}),
    ({"attr": {"vip": {"eq": True, "in": ["true"]}}}, {"attrs": {"vip": True}}),
    ({"attr": {"code": {"exists": False, "eq": ""}}}, {"attrs": {"code": ""}}),
]
NEVER: list[tuple[dict[str, Any], str]] = [
    ({"all": [{"attr": {"n": 1}}, {"attr": {"n": 2}}]}, "attr.n: it must equal both 1 and 2"),
    (
        {"all": [{"attr": {"vip": True}}, {"attr": {"vip": "yes"}}]},
        "attr.vip: it must equal both True and 'yes'",
    ),
    ({"all": [{"attr": {"n": True}}, {"attr": {"n": 1}}]}, "attr.n: it must equal both True and 1"),
    (
        {"attr": {"tier": {"eq": "Gold", "in": ["silver"]}}},
        "attr.tier: 'Gold' is not in ['silver']",
    ),
    (
        {"attr": {"code": {"exists": False, "eq": "x"}}},
        "attr.code: it must not exist yet have a value",
    ),
]


@pytest.mark.parametrize(("when", "visitor"), FIRES)
def test_a_rule_that_fires_for_someone_is_not_called_one_that_never_can(
    when: dict[str, Any], visitor: dict[str, Any]
) -> None:
    model = When.model_validate(when)
    assert all_hold(compile_when(model, "UTC"), Facts(**visitor))  # the engine: it fires
    assert contradictions(model) == []


@pytest.mark.parametrize(("when", "said"), NEVER)
def test_values_no_visitor_can_have_are_still_said(when: dict[str, Any], said: str) -> None:
    assert said in contradictions(When.model_validate(when))
