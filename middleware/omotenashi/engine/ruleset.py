"""The compiled rule set: every rule with its conditions and snippet, best first, by slot."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import InitVar, dataclass, field
from operator import attrgetter
from typing import TYPE_CHECKING

from jinja2 import Template

from omotenashi.engine.conditions import Condition
from omotenashi.engine.renames import NO_RENAMES, Renames
from omotenashi.engine.ruleindex import PACE_RULES, RuleIndex, no_pace
from omotenashi.rules.goals import Goal
from omotenashi.rules.model import Rule

if TYPE_CHECKING:  # (parsed by engine/personalise.py)
    from omotenashi.engine.html.selectors import Selector


def entry_key(rule: Rule) -> tuple[str, str]:
    """The one grouping of rules into a visitor's entries (one switch each): the same category
    and the same reason. The preferences page lists them so, "Don't show me this" on any block
    switches off its whole entry, and restraint holds a rule off when any rule of its entry is."""
    return rule.category, rule.why.strip()


# A selector's targets are named apart from slots' (html64: rule "promo", slot "footer", filled
# the page's own <footer>, which another page's "selector: footer" rule matched): by this mark,
# which no slot name holds (rules/text.py refuses unseen characters), and the selector's text.
SELECTED = "\x1f"


@dataclass(frozen=True, slots=True)  # 10,000 of them: no dict each
class CompiledRule:
    rule: Rule
    file: str
    line: int
    order: int  # position across all files; breaks priority ties
    conditions: list[Condition]
    template: Template | None  # snippet or copy
    static: str | None = None  # the snippet's output when it cannot depend on the visitor
    behavioural: bool = True  # tests the visitor's history (off under GPC, consent, freshness)
    uses_name: bool = False  # can print the visitor's name (counted against the name cap)
    reads_visitor: bool = False  # can print what is known of the visitor (its "i" says so)
    # the ids of its entry (its own included; empty when it is alone in it): what a visitor
    # switches off as one, see entry_key
    entry: tuple[str, ...] = field(default=(), compare=False, repr=False)
    entry_set: frozenset[str] = field(default=frozenset(), compare=False, repr=False)  # the same
    entry_places: bool = field(default=False, compare=False, repr=False)  # its rules fill 2+

    @property
    def id(self) -> str:
        return self.rule.id

    @property
    def target(self) -> str:
        """What it changes on a page: its slot's name, or :data:`SELECTED` and its selector."""
        slot = self.rule.slot
        return slot if slot is not None else SELECTED + (self.rule.selector or "")

    @property
    def fills(self) -> bool:
        """It puts content into its target (a snippet, text or recommendations), which an
        element that holds none (``<img>``, ``<input>`` ...) cannot take."""
        return not self.rule.hide and self.rule.attrs is None


_order = attrgetter("order")


@dataclass
class RuleSet:
    """``pace``: called every few hundred rules while the set is arranged and indexed (a load in
    a worker thread rests there, ``loader/pacing.py``)."""

    rules: list[CompiledRule] = field(default_factory=list)  # best first
    by_slot: dict[str, list[CompiledRule]] = field(default_factory=dict)
    selector_rules: list[CompiledRule] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    goals: list[Goal] = field(default_factory=list)  # the site's conversion goals
    goal_places: dict[str, tuple[str, int]] = field(default_factory=dict)  # id: (file, line)
    empty_files: list[str] = field(default_factory=list)  # rule files with no rules, no goals
    renames: Renames = NO_RENAMES  # former rule ids and categories (``formerly:``)
    category_labels: dict[str, str] = field(default_factory=dict)  # (``categories: {x: {label:}}``)

    recommends: bool = False  # any recommend rule (then the store reads what it needs)
    recommending: list[CompiledRule] = field(default_factory=list)  # those rules
    # Per intent, the periods its capped rules count in: the only intent counts ever read
    # (engine/restraint.py), so the only ones a page view writes.
    intent_periods: dict[str, frozenset[str]] = field(default_factory=dict)
    index: RuleIndex = field(init=False, repr=False)  # what decide looks at (ruleindex.py)
    # The selector rules' selectors, parsed once, and the problems of those that are not
    # (filled by engine/personalise.py selectors_of on first use)
    parsed_selectors: tuple[list[Selector], list[str]] | None = field(
        default=None, init=False, repr=False, compare=False
    )
    # Each measured rule's holdout by id: what a first exposure is counted with, looked up,
    # not found by a walk over every rule on each page view (measure/counting.phase)
    holdouts: dict[str, float] = field(init=False, repr=False)
    # The ids of the set's rules without one: a visitor counted for one came back while its
    # test was off (asgi/measuring.py ``ended``; not an id this set does not know: a rolling
    # deploy's other release may know it)
    unmeasured: frozenset[str] = field(init=False, repr=False)
    pace: InitVar[Callable[[], None]] = no_pace

    def __post_init__(self, pace: Callable[[], None]) -> None:
        # Best first: by priority, then by order. Bucketed by priority (ties kept in order, a
        # loader's list being in order already), so no single step holds the interpreter long.
        buckets: dict[int, list[CompiledRule]] = {}
        for n, r in enumerate(self.rules, 1):
            buckets.setdefault(r.rule.priority, []).append(r)
            if n % PACE_RULES == 0:
                pace()
        ordered: list[CompiledRule] = []
        for priority in sorted(buckets, reverse=True):
            bucket = buckets[priority]
            bucket.sort(key=_order)
            ordered += bucket
            pace()
        self.rules[:] = ordered
        del buckets, ordered
        recommends, periods = False, dict[str, set[str]]()
        self.holdouts, unmeasured = {}, []
        for n, r in enumerate(self.rules, 1):
            if r.rule.recommend is not None:
                recommends = True
                self.recommending.append(r)
            if r.rule.holdout:
                self.holdouts[r.id] = r.rule.holdout
            else:
                unmeasured.append(r.id)
            if r.rule.intent is not None and r.rule.cap is not None:
                periods.setdefault(r.rule.intent, set()).add(r.rule.cap.per)
            if r.rule.slot:
                self.by_slot.setdefault(r.rule.slot, []).append(r)
            else:
                self.selector_rules.append(r)
            if n % PACE_RULES == 0:
                pace()
        self.recommends, self.unmeasured = recommends, frozenset(unmeasured)
        self.intent_periods = {intent: frozenset(pers) for intent, pers in periods.items()}
        groups: dict[tuple[str, str], list[CompiledRule]] = {}
        for n, r in enumerate(self.rules, 1):
            groups.setdefault(entry_key(r.rule), []).append(r)
            if n % PACE_RULES == 0:
                pace()
        for n, members in enumerate(groups.values(), 1):
            if len(members) > 1:  # a rule alone in its entry keeps the empty defaults: no memory
                members.sort(key=_order)  # an entry's rules in file order
                ids = tuple(m.id for m in members)  # one tuple and set shared by its rules
                same = frozenset(ids)
                places = len({m.target for m in members}) > 1
                for m in members:
                    object.__setattr__(m, "entry", ids)
                    object.__setattr__(m, "entry_set", same)
                    object.__setattr__(m, "entry_places", places)
            if n % PACE_RULES == 0:
                pace()
        del groups
        self.index = RuleIndex(self.by_slot, self.selector_rules, pace)
