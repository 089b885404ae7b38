"""Deciding a page again for its control exposures: once, plus once per exposure it finds;
never once per held-out rule on every page view (a page with many measured rules)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from omotenashi.engine.exposure import CONTROL, exposures
from omotenashi.engine.profile import Profile
from omotenashi.engine.restraint import Prefs, Restraint
from omotenashi.settings import RespectSettings


def held_out(*rules: str) -> Restraint:
    restraint = Restraint(RespectSettings(), Prefs(), Profile(), 1.0, behavioural=True)
    restraint.held.extend(rules)
    return restraint


@pytest.mark.parametrize(
    ("held", "winners", "passes", "control"),
    [
        ([f"r{i}" for i in range(40)], [], 1, set()),  # none could be shown: one pass only
        (["a", "b", "c"], [{"a"}, {"b"}], 3, {"a", "b"}),  # a beat b for one slot: b next
        (["a", "b", "c"], [{"a", "b", "c"}], 1, {"a", "b", "c"}),
    ],
    ids=["none-shown", "one-slot", "all-at-once"],
)
def test_a_page_is_decided_again_once_plus_once_per_exposure_found(
    held: list[str], winners: list[set[str]], passes: int, control: set[str]
) -> None:
    calls: list[frozenset[str]] = []

    def rerun(without: Restraint) -> list[Any]:
        calls.append(without.unheld)
        shown = winners[len(calls) - 1] if len(calls) <= len(winners) else set()
        return [SimpleNamespace(id=rule) for rule in sorted(shown & without.unheld)]

    out = exposures([], held_out(*held), frozenset(), rerun)
    assert len(calls) == passes
    assert out == {rule: CONTROL for rule in control}
    assert calls[0] == frozenset(held)  # the first pass ignores every pending holdout


def test_rules_already_counted_are_not_decided_again() -> None:
    calls: list[frozenset[str]] = []

    def rerun(without: Restraint) -> list[Any]:
        calls.append(without.unheld)
        return []

    assert exposures([], held_out("a", "b"), frozenset({"a", "b"}), rerun) == {}
    assert calls == []
