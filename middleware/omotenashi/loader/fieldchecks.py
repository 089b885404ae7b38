"""``omotenashi check``: a rule's words and names shown or switched by visitors, at the field.

What ``why:`` and ``text:`` show as written (``whychecks``), a ``why:`` its conditions
contradict, a category that is likely a misspelling of another (each category is a switch on
the preferences page: ``browsing_history`` next to ``browsing-history`` makes two, with one
label), a ``viewed:``, ``bought:`` or ``in_cart:`` item id close to a catalogue item's, and an
event name nothing here knows (``eventchecks``).
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING

from omotenashi.engine.explain import kind_label
from omotenashi.engine.ruleset import CompiledRule
from omotenashi.loader.near import CLOSE, Near, series
from omotenashi.loader.whens import walk_whens
from omotenashi.loader.whychecks import text_problems, why_contradictions, why_problems
from omotenashi.recommend.catalog import Catalog
from omotenashi.rules.model import Rule, When
from omotenashi.rules.yamlsource import Loc

if TYPE_CHECKING:
    from omotenashi.loader.eventchecks import EventNames

Add = Callable[[Loc, str, str, str], None]  # (field, level, problem, hint)
LIKELY_USED = 200  # the categories a rarer one is compared with (the most used)


def _label(category: str) -> str:
    return kind_label({}, category)  # (as the preferences page names it, without a label:)


def _alike(a: str, b: str) -> bool:
    """``a`` looks like a typo of ``b`` (one of :meth:`Near.candidates`, or of one label)."""
    if _label(a).lower() == _label(b).lower():
        return True  # browsing_history, browsing-history, Browsing-History: one label
    if series(a, b):
        return False  # tier1 and tier2: a series, not a typo
    return difflib.SequenceMatcher(None, a, b).ratio() >= CLOSE


class FieldChecks:
    """The checks of one rule set: categories counted once, catalogue ids indexed once."""

    def __init__(self, rules: list[CompiledRule], catalog: Catalog | None, history: str) -> None:
        used = Counter(r.rule.category for r in rules)
        first = {c: i for i, c in reversed(list(enumerate(r.rule.category for r in rules)))}
        rank = {c: (c == history, used[c], -first.get(c, -1)) for c in {*used, history}}
        self.history = history
        self.used = used
        self.meant: dict[str, str] = {}  # category: the one it likely misspells
        # compared with the most used only, through an index: a pair at a time was quadratic
        # (2,000 categories took 29 s)
        likely = sorted(rank, key=lambda c: rank[c], reverse=True)[:LIKELY_USED]
        near = Near(likely)
        by_label: dict[str, list[str]] = {}
        for category in rank:
            by_label.setdefault(_label(category).lower(), []).append(category)
        for category in used:
            maybe = {*near.candidates(category, CLOSE), *by_label[_label(category).lower()]}
            better = [o for o in maybe if o != category and rank[o] > rank[category]]
            alike = [o for o in better if _alike(category, o)]
            if alike:
                self.meant[category] = max(alike, key=lambda o: rank[o])
        self.items = {item.id for item in catalog.items} if catalog is not None else set()
        self._near: dict[str, str | None] = {}
        self._ids: Near | None = None  # the catalogue's ids, indexed once, when needed
        self.events: EventNames | None = None  # event names nothing knows (eventchecks)

    def check(self, add: Add, rule: Rule, loc: Loc) -> None:
        """Each finding about ``rule`` (at ``loc`` in its file), through ``add``."""
        for level, problem, hint in why_problems(rule.why):
            add((*loc, "why"), level, problem, hint)
        for said in why_contradictions(rule):
            add((*loc, "why"), "warning", said, "")
        for level, problem, hint in text_problems(rule.text or ""):
            add((*loc, "text"), level, problem, hint)
        meant = self.meant.get(rule.category)
        if meant is not None:
            hint = f"did you mean {meant!r}?"
            add((*loc, "category"), "warning", self._category(rule.category, meant), hint)
        for sub, at in walk_whens(rule.when, (*loc, "when")):
            self._viewed(add, sub, at)
        if self.events is not None:
            self.events.check(add, rule, loc)

    def _category(self, category: str, meant: str) -> str:
        others = self.used[meant]
        which = ", the browsing-history switch's category" if meant == self.history else ""
        if others:
            which += f", which {others} other rule"
            which += f"{'s use' if others != 1 else ' uses'}"
        shown = _label(category), _label(meant)
        labels = f"{shown[0]!r} and {shown[1]!r}" if shown[0] != shown[1] else f"both {shown[0]!r}"
        return (
            f"the category {category!r} is close to {meant!r}{which}: the preferences page "
            f"would show visitors two switches, {labels}"
        )

    def _viewed(self, add: Add, when: When, loc: Loc) -> None:
        """An item id close to a catalogue item's (the site may track others: a warning), or
        with capitals, in ``viewed:``, ``bought:`` or ``in_cart:``."""
        for field, index, item in [
            *(("viewed", i, item) for i, item in enumerate(when.viewed or ())),
            *(("bought", i, item) for i, item in enumerate(when.bought or ())),
            *(("in_cart", i, item) for i, item in enumerate(when.in_cart or ())),
        ]:
            if item != item.lower() and item.lower() in self.items:  # (the catalogue's: eye54)
                add(
                    (*loc, field, index),
                    "warning",
                    f"{item!r} has capitals: the catalogue's id is {item.lower()!r}, and the "
                    "item ids pages name are lower-cased, so it matches only an id your app or "
                    "the beacon sends as written",
                    f"write {item.lower()!r}",
                )
                continue
            if not self.items or item in self.items:
                continue
            if item not in self._near:
                self._ids = Near(self.items) if self._ids is None else self._ids
                self._near[item] = self._ids.close(item, CLOSE)
            meant = self._near[item]
            if meant is not None and not series(meant, item):
                add(
                    (*loc, field, index),
                    "warning",
                    f"{item!r} is not an item of the catalogue",
                    f"did you mean {meant!r}?",
                )
