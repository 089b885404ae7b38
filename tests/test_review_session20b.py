"""Review of today's commits (session 20b): what a sceptical maintainer found, held by tests."""

from __future__ import annotations

from datetime import UTC, datetime

from omotenashi.engine import ruleindex
from omotenashi.engine.conditions import compile_when
from omotenashi.engine.facts import Facts
from omotenashi.engine.ruleset import CompiledRule, RuleSet
from omotenashi.rules.model import Rule

NOW = datetime(2026, 1, 1, tzinfo=UTC)
MAX_HELD = getattr(ruleindex, "MAX_HELD", 1_000_000)  # rules the kept lists hold in all


def _slot_of(n: int, every: int) -> RuleSet:
    """One slot with ``n`` rules, every ``every``-th of them only on /sale pages."""
    rules = []
    for i in range(n):
        when = {"path": ["/sale*"]} if i % every == 0 else {}
        rule = Rule.model_validate(
            {"id": f"r{i}", "slot": "hero", "text": "x", "why": "why", "when": when}
        )
        rules.append(CompiledRule(rule, "f", 1, i, compile_when(rule.when, "UTC"), None, "x"))
    return RuleSet(rules=rules)


def _held(index: ruleindex.RuleIndex) -> int:
    return sum(len(kept) for kept, _ in index._lists.values())


def test_the_path_lists_hold_a_bounded_number_of_rules_whatever_paths_visitors_ask_for() -> None:
    # Paths come from outside: a crawler (or anyone) can ask for a new one with every request.
    # Each path's list holds most of the target's rules; counting lists alone (MAX_LISTS) let
    # 49,000 paths over a 2,000-rule target keep 720 MB.
    ruleset = _slot_of(1000, 10)
    for n in range(2 * MAX_HELD // 900 + 2):
        facts = Facts(stage="interest", path=f"/item/{n}", now=NOW)
        got = ruleset.index.for_slot("hero", facts)
        assert len(got) == 900  # the /sale rules left out, every other one kept
        assert _held(ruleset.index) <= MAX_HELD
