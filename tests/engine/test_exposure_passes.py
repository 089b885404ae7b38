"""Deciding a page again for its control exposures: one pass per held-out rule, with only that
rule's holdout ignored (sharing passes is not exact: intents, the name limit and blocks that
render nothing tie one rule's outcome to another's), and at most ``CHECKS_PER_VIEW`` passes on a
page view, in turns, so a page with many measured rules is not decided again for each on every
view."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from omotenashi.engine.exposure import CHECKS_PER_VIEW, CONTROL, exposures
from omotenashi.engine.profile import Profile
from omotenashi.engine.restraint import Prefs, Restraint
from omotenashi.settings import RespectSettings


def held_out(*rules: str, views: int = 0) -> Restraint:
    profile = Profile(views=views)
    restraint = Restraint(RespectSettings(), Prefs(), profile, 1.0, behavioural=True)
    restraint.held.extend(rules)
    return restraint


def recorder(shown_alone: set[str]) -> tuple[list[frozenset[str]], Any]:
    calls: list[frozenset[str]] = []

    def rerun(without: Restraint) -> list[Any]:
        calls.append(without.unheld)
        return [SimpleNamespace(id=rule) for rule in sorted(without.unheld & shown_alone)]

    return calls, rerun


@pytest.mark.parametrize(
    ("held", "shown_alone"),
    [(["a"], {"a"}), (["a", "b", "c"], {"b"}), (["a", "b"], set())],
    ids=["one", "one-of-three", "none"],
)
def test_each_held_rule_is_decided_again_with_only_its_own_holdout_ignored(
    held: list[str], shown_alone: set[str]
) -> None:
    calls, rerun = recorder(shown_alone)
    out = exposures([], held_out(*held), frozenset(), rerun)
    assert sorted(calls) == sorted(frozenset({rule}) for rule in held)
    assert out == {rule: CONTROL for rule in shown_alone}


def test_many_held_rules_are_checked_in_turns_each_once_over_the_views() -> None:
    held = [f"r{i:02d}" for i in range(5 * CHECKS_PER_VIEW)]
    checked: list[frozenset[str]] = []
    for views in range(5):
        calls, rerun = recorder(set())
        exposures([], held_out(*held, views=views), frozenset(), rerun)
        assert len(calls) == CHECKS_PER_VIEW  # bounded on every view
        checked += calls
    assert sorted(checked) == sorted(frozenset({rule}) for rule in held)  # each had its turn


def test_rules_already_counted_are_not_decided_again() -> None:
    calls, rerun = recorder({"a", "b"})
    assert exposures([], held_out("a", "b"), frozenset({"a", "b"}), rerun) == {}
    assert calls == []
