"""Decide: for each slot on the page, the best rule whose conditions hold.

Order is deterministic: higher ``priority`` first; on a tie, the rule that comes first
(files by name, rules top to bottom) wins. One rule per slot or selector.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from omotenashi.engine.conditions import all_hold
from omotenashi.engine.facts import Facts
from omotenashi.engine.ruleset import CompiledRule, RuleSet


@dataclass(frozen=True)
class Decision:
    rule: CompiledRule
    target: str  # slot name, or the CSS selector

    @property
    def id(self) -> str:
        return self.rule.id


def eligible(rule: CompiledRule, now: datetime) -> bool:
    r = rule.rule
    if not r.enabled:
        return False
    if r.schedule is not None:
        if r.schedule.start is not None and now < _aware(r.schedule.start, now):
            return False
        if r.schedule.end is not None and now >= _aware(r.schedule.end, now):
            return False
    return True


def _aware(moment: datetime, now: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=now.tzinfo)


def first_match(
    candidates: Iterable[CompiledRule], facts: Facts, allowed: Callable[[CompiledRule], bool]
) -> CompiledRule | None:
    for rule in candidates:
        # allowed() last: it may count what it lets through (the name cap).
        if eligible(rule, facts.now) and all_hold(rule.conditions, facts) and allowed(rule):
            return rule
    return None


def decide(
    ruleset: RuleSet,
    facts: Facts,
    slot_names: Iterable[str],
    allowed: Callable[[CompiledRule], bool] = lambda rule: True,
    forced: frozenset[str] = frozenset(),
) -> list[Decision]:
    """The decisions for one page: slots in page order, then selector rules.

    ``forced`` rules (a QA preview) win their slot whatever their conditions.
    """
    decisions: list[Decision] = []
    for name in dict.fromkeys(slot_names):
        candidates = ruleset.by_slot.get(name, ())
        winner = next((r for r in candidates if r.id in forced), None)
        winner = winner or first_match(candidates, facts, allowed)
        if winner is not None:
            decisions.append(Decision(winner, name))
    taken: set[str] = set()
    for rule in ruleset.selector_rules:
        selector = rule.rule.selector or ""
        if selector not in taken and first_match((rule,), facts, allowed):
            taken.add(selector)
            decisions.append(Decision(rule, selector))
    return decisions
