"""``bought: [items]``: whether the visitor bought any of these items (the items of the
purchases the site tracked), said to the visitor by the items' titles; checked by
``omotenashi check`` like ``viewed:`` (an id close to a catalogue item's) and read by the
why check (a rule that needs a booking cannot say "not booked yet")."""

from __future__ import annotations

from pathlib import Path

import pytest

from omotenashi.cli.main import main
from omotenashi.engine.conditions import all_hold, compile_when, deny, explain
from omotenashi.engine.facts import Facts
from omotenashi.rules.model import When

TITLES = {"kyoto-autumn": "Kyoto in autumn", "hawaii-family": "Hawaii for families"}


@pytest.mark.parametrize(
    ("when", "bought", "holds", "said"),
    [
        (
            {"bought": ["kyoto-autumn"]},
            {"kyoto-autumn"},
            True,
            ["you bought “Kyoto in autumn”"],
        ),
        (
            {"bought": "kyoto-autumn"},  # one item, written bare
            {"kyoto-autumn", "bali-retreat"},
            True,
            ["you bought “Kyoto in autumn”"],
        ),
        (
            {"bought": ["kyoto-autumn", "hawaii-family", "tokyo-lights"]},
            {"hawaii-family", "kyoto-autumn"},
            True,
            ["you bought “Hawaii for families” and “Kyoto in autumn”"],
        ),
        (
            {"bought": ["kyoto-autumn", "hawaii-family"]},
            {"bali-retreat"},
            False,
            ["we have no record of you buying “Hawaii for families” or “Kyoto in autumn”"],
        ),
        (
            {"bought": ["kyoto-autumn"]},
            set(),
            False,
            ["we have no record of you buying “Kyoto in autumn”"],
        ),
        (
            {"not": {"bought": ["kyoto-autumn"]}},
            {"bali-retreat"},
            True,
            ["we have no record of you buying “Kyoto in autumn”"],
        ),
        (
            {"not": {"bought": ["kyoto-autumn"]}},
            {"kyoto-autumn"},
            False,
            ["you bought “Kyoto in autumn”"],
        ),
        (  # an id no catalogue names is said in words
            {"bought": ["spa-day"]},
            set(),
            False,
            ["we have no record of you buying “spa day”"],
        ),
    ],
    ids=["one", "bare", "two-of-three", "none", "nothing", "not", "not-bought", "unnamed"],
)
def test_bought_holds_on_the_items_bought_and_says_which(
    when: dict[str, object], bought: set[str], holds: bool, said: list[str]
) -> None:
    conditions = compile_when(When.model_validate(when), "UTC")
    facts = Facts(bought=frozenset(bought), purchases=len(bought), titles=TITLES)
    assert all_hold(conditions, facts) is holds
    assert (explain if holds else deny)(conditions, facts) == said


def check_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rules: str) -> int:
    """``omotenashi check rules`` over ``rules`` and a catalogue of one item."""
    (tmp_path / "rules").mkdir()
    (tmp_path / "snippets").mkdir()
    (tmp_path / "rules" / "site.yaml").write_text(rules)
    (tmp_path / "rules" / "catalog.yaml").write_text(
        "items:\n  - {id: kyoto-autumn, title: Kyoto, url: /tours/kyoto, tags: [kyoto]}\n"
    )
    monkeypatch.chdir(tmp_path)
    return main(["check", "rules"])


def check_says(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    when: str,
    why: str,
    said: list[str],
) -> int:
    """``omotenashi check`` of one rule with ``when`` and ``why``: its lines start as ``said``
    does, one for one; its exit code."""
    rules = f'rules:\n  - {{id: r, slot: s, text: X, why: "{why}", when: {when}}}\n'
    code = check_rules(tmp_path, monkeypatch, rules)
    out = [line for line in capsys.readouterr().out.splitlines() if ": " in line]
    assert len(out) == len(said), out
    for line, part in zip(out, said, strict=True):
        assert line.startswith(part), line
    return code


@pytest.mark.parametrize(
    ("when", "why", "said"),
    [
        ("{bought: [kyoto-autumn]}", "You booked our Kyoto tour.", []),
        ("{not: {bought: [kyoto-autumn]}}", "You have not booked yet.", []),
        (
            "{bought: [kyoto-autum]}",
            "You booked a tour.",
            [
                "rules/site.yaml:2: warning: rules[0].when.bought[0]: 'kyoto-autum' is not an "
                "item of the catalogue (did you mean 'kyoto-autumn'?)"
            ],
        ),
        (
            "{bought: [kyoto-autumn]}",
            "You have not booked with us yet.",
            ["rules/site.yaml:2: warning: rules[0].why: rule 'r' explains itself as"],
        ),
        (
            "{bught: [kyoto-autumn]}",
            "Because.",
            [
                "rules/site.yaml:2: error: rules[0].when.bught: unknown field 'bught' "
                "(did you mean 'bought'?)"
            ],
        ),
    ],
    ids=["booked", "not-booked", "near-id", "why-contradicts", "misspelt"],
)
def test_check_reads_bought_like_viewed(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    when: str,
    why: str,
    said: list[str],
) -> None:
    code = check_says(tmp_path, monkeypatch, capsys, when, why, said)
    assert code == (1 if any("unknown field" in part for part in said) else 0)
