"""Decide: for each slot on the page, the best rule whose conditions hold.

Order is deterministic: higher ``priority`` first; on a tie, the rule that comes first
(files by name, rules top to bottom) wins. One rule per slot or selector.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from omotenashi.engine.conditions import all_hold
from omotenashi.engine.facts import Facts
from omotenashi.engine.quick import quick
from omotenashi.engine.ruleset import CompiledRule, RuleSet


@dataclass(frozen=True)
class Decision:
    rule: CompiledRule
    target: str  # slot name, or the CSS selector
    reasons: tuple[str, ...] = ()  # true of the visitor now (filled in by disclosure)
    id: str = field(init=False, repr=False, compare=False)  # the rule's id (read very often)

    def __post_init__(self) -> None:
        object.__setattr__(self, "id", self.rule.rule.id)


def new_decision(rule: CompiledRule, target: str, reasons: tuple[str, ...] = ()) -> Decision:
    """``Decision(rule, target, reasons)``, built in one step (``quick``)."""
    return quick(Decision, rule=rule, target=target, reasons=reasons, id=rule.rule.id)


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
    now = facts.now
    for rule in candidates:
        if not rule.rule.enabled or (rule.rule.schedule is not None and not eligible(rule, now)):
            continue
        if all_hold(rule.conditions, facts) and allowed(rule):  # allowed last: it may count
            return rule  # what it lets through (the name cap)
    return None


def decide(
    ruleset: RuleSet,
    facts: Facts,
    slot_names: Iterable[str],
    allowed: Callable[[CompiledRule], bool] = lambda rule: True,
    forced: frozenset[str] = frozenset(),
    selectors: Container[str] | None = None,
) -> list[Decision]:
    """The decisions for one page: slots in page order, then selector rules.

    ``forced`` rules (a QA preview) win their slot or selector whatever their conditions.
    ``selectors``: the selectors that match on this page (None: consider every one).
    """
    decisions: list[Decision] = []
    index = ruleset.index  # only the rules this stage, device and query could satisfy
    for name in dict.fromkeys(slot_names):
        winner = None
        if forced:  # a forced rule wins whatever its conditions: look at every rule
            winner = next((r for r in ruleset.by_slot.get(name, ()) if r.id in forced), None)
        winner = winner or first_match(index.for_slot(name, facts), facts, allowed)
        if winner is not None:
            decisions.append(new_decision(winner, name))
    by_selector: dict[str, list[CompiledRule]] = {}
    for rule in ruleset.selector_rules if forced else index.for_selectors(facts):
        selector = rule.rule.selector or ""
        if selectors is None or selector in selectors:
            by_selector.setdefault(selector, []).append(rule)
    for selector, candidates in by_selector.items():
        winner = next((r for r in candidates if r.id in forced), None)
        winner = winner or first_match(candidates, facts, allowed)
        if winner is not None:
            decisions.append(new_decision(winner, selector))
    return decisions
