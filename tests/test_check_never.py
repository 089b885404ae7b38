"""``omotenashi check`` names a rule whose own conditions and those of its ``all:`` can never
hold together, and never one that might fire."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omotenashi.cli.main import main
from omotenashi.engine.compare import equal
from omotenashi.loader.never import _same, contradictions
from omotenashi.rules.model import When

from .test_tooling import write_site

NEVER = [
    (
        {"stage": ["interest"], "all": [{"stage": ["purchase", "loyalty"]}]},
        "stage: ['interest'] and ['purchase', 'loyalty'] have none in common",
    ),
    (
        {
            "all": [
                {"device": ["mobile", "tablet"]},
                {"device": ["tablet"]},
                {"device": ["desktop"]},
            ]
        },
        "device: ['tablet'] and ['desktop'] have none in common",
    ),
    ({"new": True, "all": [{"new": False}]}, "new: true and false cannot both hold"),
    (
        {"all": [{"attr": {"tier": "gold"}}, {"attr": {"tier": {"ne": "gold"}}}]},
        "attr.tier: it must both equal and not equal 'gold'",
    ),
    (
        {"query": {"utm": "spring"}, "all": [{"query": {"utm": "autumn"}}]},
        "query.utm: it must equal both 'spring' and 'autumn'",
    ),
    (  # text ignores case: whatever equals Gold equals gold
        {"all": [{"attr": {"tier": "Gold"}}, {"attr": {"tier": {"ne": "gold"}}}]},
        "attr.tier: it must equal 'Gold' and not equal 'gold', which rules compare as one value",
    ),
    (
        {"attr": {"size": {"eq": "3", "ne": 3.0}}},
        "attr.size: it must equal '3' and not equal 3.0, which rules compare as one value",
    ),
    (
        {"all": [{"query": {"x": "TRUE"}}, {"query": {"x": {"ne": True}}}]},
        "query.x: it must equal 'TRUE' and not equal True, which rules compare as one value",
    ),
    ({"new": True, "all": [{"returning": True}]}, "new: true and returning: true cannot both hold"),
    (
        {"all": [{"returning": False}, {"device": ["mobile"]}, {"new": False}]},
        "new: false and returning: false cannot both hold",
    ),
    (
        {"all": [{"stage": ["interest"]}, {"not": {"stage": ["interest", "purchase"]}}]},
        "stage: it must be one of ['interest'] and none of ['interest', 'purchase'] (its not:)",
    ),
    (
        {"device": ["mobile"], "not": {"device": ["mobile", "tablet"]}, "all": [{"new": True}]},
        "device: it must be one of ['mobile'] and none of ['mobile', 'tablet'] (its not:)",
    ),
]
MIGHT = [  # (and an empty stage list is said once: "matches nothing")
    {"stage": ["interest", "purchase"], "all": [{"not": {"stage": ["interest"]}}]},
    {"device": ["mobile"], "all": [{"not": {"device": ["mobile"], "stage": ["interest"]}}]},
    {"stage": ["interest", "purchase"], "all": [{"stage": ["purchase"]}]},
    {"all": [{"attr": {"tier": "gold"}}, {"attr": {"tier": {"ne": "silver"}}}]},
    {"all": [{"attr": {"tier": True}}, {"attr": {"tier": {"ne": 1}}}]},
    {"attr": {"size": {"eq": "3", "ne": "3a"}}},
    {"all": [{"query": {"utm": "Spring"}}, {"query": {"utm": "spring"}}]},
    {"new": True, "all": [{"returning": False}, {"device": ["mobile"]}]},
    {"all": [{"attr": {"tier": 1}}, {"attr": {"tier": {"ne": True}}}]},
]


@pytest.mark.parametrize(("when", "said"), NEVER)
def test_conditions_that_all_must_hold_and_cannot(when: dict[str, object], said: str) -> None:
    assert said in contradictions(When.model_validate(when))


@pytest.mark.parametrize("when", MIGHT)
def test_conditions_that_might_hold_together_are_not_called_impossible(
    when: dict[str, object],
) -> None:
    assert contradictions(When.model_validate(when)) == []


@pytest.mark.parametrize(
    ("when", "said"),
    [
        (
            "{all: [{attr: {tier: gold}}, {attr: {tier: {ne: gold}}}]}",
            "rules/site.yaml:2: error: rule 'gold-only' can never fire: attr.tier: it must both "
            "equal and not equal 'gold'",
        ),
        (  # one value written two ways: it fires
            "{attr: {tier: {eq: Gold, in: [gold, platinum]}}, all: [{attr: {tier: gold}},"
            " {query: {page: '1'}}, {query: {page: '1.0'}}]}",
            None,
        ),
    ],
)
def test_check_on_a_rule_and_its_all(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    when: str,
    said: str | None,
) -> None:
    rule = f'rules:\n  - {{id: gold-only, slot: hero, text: G, why: "for gold", when: {when}}}\n'
    write_site(tmp_path, rule)
    monkeypatch.chdir(tmp_path)
    code = main(["check", "rules", "--templates", "templates"])
    out = capsys.readouterr().out.splitlines()
    if said is None:
        assert code == 0 and not any("can never fire" in line for line in out)
    else:
        assert code == 1 and said in out


def test_a_long_all_is_checked_in_one_pass() -> None:
    """10,000 parts, said once (one pass: pair by pair, this would take minutes)."""
    parts = [
        {"stage": ["interest", "purchase"], "attr": {f"k{n}": {"ne": "x"}}} for n in range(10_000)
    ]
    when = When.model_validate({"all": [*parts, {"stage": ["loyalty"]}]})
    said = contradictions(when)
    assert said == ["stage: ['interest', 'purchase'] and ['loyalty'] have none in common"]


SCALARS = st.one_of(
    st.booleans(),
    st.integers(-5, 5),
    st.sampled_from([0.0, -0.0, 1.0, 3.0, 1e3, 2.5]),
    st.sampled_from(["3", "3.0", "1e3", "Gold", "gold", "GOLD", "TRUE", "true", "ß", "ss"]),
    st.text(max_size=3),
)


@given(SCALARS, SCALARS, SCALARS)
def test_a_value_equal_to_one_of_two_values_said_to_be_one_equals_the_other(
    a: object, b: object, value: object
) -> None:
    """Only what is certain: when check says ``eq: a`` and ``ne: b`` cannot both hold, no value
    the engine holds equal to ``a`` is unequal to ``b``."""
    if _same(a, b) and equal(value, a):  # type: ignore[arg-type]
        assert equal(value, b)


def test_an_empty_list_in_an_all_part_is_said_once() -> None:
    """(A list of names, stage: [], is refused where it is written: editor49.)"""
    when = When.model_validate({"weekday": ["mon"], "all": [{"weekday": []}]})
    assert contradictions(when) == ["weekday: [] matches nothing"]
