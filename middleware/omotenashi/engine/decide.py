"""Decide: for each slot on the page, the best rule whose conditions hold.

Order is deterministic: higher ``priority`` first; on a tie, the rule that comes first
(files by name, rules top to bottom) wins. One rule per slot or selector.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import datetime

from omotenashi.engine.facts import Facts
from omotenashi.engine.ruleindex import NOTHING, Candidate, Want
from omotenashi.engine.ruleset import CompiledRule, RuleSet


@dataclass(frozen=True)
class Decision:
    rule: CompiledRule
    target: str  # slot name, or the CSS selector after SELECTED (CompiledRule.target)
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
        for condition in rule.conditions:  # (all_hold inlined: a call less per candidate)
            if not condition.check(facts):
                break
        else:
            if allowed(rule):  # allowed last: it may count what it lets through (the name cap)
                return rule
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

    ``forced`` rules (a QA preview) win their slot or selector whatever their conditions; they
    are placed before any other rule is tried (``allowed`` sees them first, so that what it
    counts, the visitor's name, counts them first) and every other slot or selector is
    decided as without them.
    ``selectors``: the selectors that match on this page (None: consider every one).
    """
    decisions: list[Decision] = []
    index = ruleset.index  # only the rules this stage, device and path could satisfy
    present = index.present(facts)  # the query keys, interests and attributes rules need here
    names = dict.fromkeys(slot_names)
    by_selector: dict[str, list[Candidate]] = {}
    for candidate in (
        [(r, NOTHING, True) for r in ruleset.selector_rules]
        if forced
        else index.for_selectors(facts)
    ):
        selector = candidate[0].rule.selector or ""
        if selectors is None or selector in selectors:
            by_selector.setdefault(selector, []).append(candidate)
    # a forced rule wins whatever its conditions: every rule of the slot or selector is looked at
    pinned = _forced(ruleset, names, by_selector, forced, allowed) if forced else _NO_PINS
    for name in names:
        winner = pinned[0].get(name) or first_match(
            index.for_slot(name, facts), facts, allowed, present
        )
        if winner is not None:
            decisions.append(new_decision(winner, name))
    for selector, candidates in by_selector.items():
        winner = pinned[1].get(selector) or first_match(candidates, facts, allowed, present)
        if winner is not None:  # (its target named apart from slots: ruleset.SELECTED)
            decisions.append(new_decision(winner, winner.target))
    return decisions


_NO_PINS: tuple[dict[str, CompiledRule], dict[str, CompiledRule]] = ({}, {})  # never written


def _forced(
    ruleset: RuleSet,
    names: Iterable[str],
    by_selector: dict[str, list[Candidate]],
    forced: frozenset[str],
    allowed: Callable[[CompiledRule], bool],
) -> tuple[dict[str, CompiledRule], dict[str, CompiledRule]]:
    """The forced rule of each slot, and of each selector, that ``allowed`` lets through."""
    slots: dict[str, Sequence[CompiledRule]] = {n: ruleset.by_slot.get(n, ()) for n in names}
    texts: dict[str, Sequence[CompiledRule]] = {
        text: [c[0] for c in candidates] for text, candidates in by_selector.items()
    }
    out: tuple[dict[str, CompiledRule], dict[str, CompiledRule]] = ({}, {})
    for rules_of, pinned in ((slots, out[0]), (texts, out[1])):
        for target, rules in rules_of.items():
            rule = next((r for r in rules if r.id in forced), None)
            if rule is not None and allowed(rule):
                pinned[target] = rule
    return out
