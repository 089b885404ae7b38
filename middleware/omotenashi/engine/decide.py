"""Decide: for each slot on the page, the best rule whose conditions hold.

Order is deterministic: higher ``priority`` first; on a tie, the rule that comes first
(files by name, rules top to bottom) wins. One rule per slot or selector.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import datetime

from omotenashi.engine.conditions import all_hold
from omotenashi.engine.facts import Facts
from omotenashi.engine.ruleindex import NOTHING, Candidate, Want
from omotenashi.engine.ruleset import CompiledRule, RuleSet


@dataclass(frozen=True)
class Decision:
    rule: CompiledRule
    target: str  # slot name, or the CSS selector
    reasons: tuple[str, ...] = ()  # true of the visitor now (filled in by disclosure)
    id: str = field(init=False, repr=False, compare=False)  # the rule's id (read very often)

    def __post_init__(self) -> None:
        object.__setattr__(self, "id", self.rule.rule.id)


_new = object.__new__


def new_decision(rule: CompiledRule, target: str, reasons: tuple[str, ...] = ()) -> Decision:
    """``Decision(rule, target, reasons)``, its fields filled in directly (as ``quick`` does,
    without its keyword arguments: a page makes one per slot it fills);
    tests/engine/test_quick_builds.py holds it to what ``__init__`` builds."""
    new = _new(Decision)
    fields = new.__dict__
    fields["rule"], fields["target"], fields["reasons"] = rule, target, reasons
    fields["id"] = rule.rule.id
    return new


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
    candidates: Iterable[Candidate],
    facts: Facts,
    allowed: Callable[[CompiledRule], bool],
    present: AbstractSet[Want],
) -> CompiledRule | None:
    """The first candidate that holds: it has what it needs (``present``, the index's), it is
    on (enabled, in its schedule) and its conditions hold, tested in full."""
    now = facts.now
    for rule, wants, can_be_off in candidates:
        if not wants <= present or (can_be_off and not eligible(rule, now)):
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
    index = ruleset.index  # only the rules this stage, device and path could satisfy
    present = index.present(facts)  # the query keys, interests and attributes rules need here
    for name in dict.fromkeys(slot_names):
        winner = None
        if forced:  # a forced rule wins whatever its conditions: look at every rule
            winner = next((r for r in ruleset.by_slot.get(name, ()) if r.id in forced), None)
        winner = winner or first_match(index.for_slot(name, facts), facts, allowed, present)
        if winner is not None:
            decisions.append(new_decision(winner, name))
    by_selector: dict[str, list[Candidate]] = {}
    for candidate in (
        [(r, NOTHING, True) for r in ruleset.selector_rules]
        if forced
        else index.for_selectors(facts)
    ):
        selector = candidate[0].rule.selector or ""
        if selectors is None or selector in selectors:
            by_selector.setdefault(selector, []).append(candidate)
    for selector, candidates in by_selector.items():
        winner = next((c[0] for c in candidates if c[0].id in forced), None)
        winner = winner or first_match(candidates, facts, allowed, present)
        if winner is not None:
            decisions.append(new_decision(winner, selector))
    return decisions
