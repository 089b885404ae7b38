"""``omotenashi check`` names a rule whose own conditions and those of its ``all:`` can never
hold together, and never one that might fire."""

from __future__ import annotations

from pathlib import Path

import pytest

from omotenashi.cli.main import main
from omotenashi.loader.never import contradictions
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
]
MIGHT = [  # (eq Gold with ne gold is not said: only the same text is, for certain)
    {"stage": ["interest", "purchase"], "all": [{"stage": ["purchase"]}]},
    {"all": [{"attr": {"tier": "gold"}}, {"attr": {"tier": {"ne": "silver"}}}]},
    {"all": [{"attr": {"tier": "Gold"}}, {"attr": {"tier": {"ne": "gold"}}}]},
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
