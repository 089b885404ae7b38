"""The compiled journey: stages run awareness → interest → consideration → purchase → loyalty.

A visitor moves forward by a transition (``on:`` an event, or as soon as ``when:`` holds) and
moves back only by a decay rule, which is checked when a new visit begins.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

from omotenashi.engine.conditions import Condition, all_hold
from omotenashi.engine.facts import Facts, evolve
from omotenashi.engine.globs import matcher
from omotenashi.engine.profile import STAGE_ORDER
from omotenashi.rules.journey import JourneyFile

_PARAMS = re.compile(r";[^/]*")  # a path segment's parameters (``;jsessionid=...``)
_RANK = {stage: rank for rank, stage in enumerate(STAGE_ORDER)}  # STAGE_ORDER.index, by lookup


@dataclass(frozen=True)
class CompiledTransition:
    to: str
    on: frozenset[str] | None
    conditions: list[Condition]


@dataclass
class Journey:
    """The compiled journey, with the editors' lists (``rules/data/*.yaml``)."""

    spec: JourneyFile = field(default_factory=JourneyFile)
    transitions: list[CompiledTransition] = field(default_factory=list)
    decay: list[tuple[frozenset[str], str, list[Condition]]] = field(default_factory=list)
    segments: dict[str, list[Condition]] = field(default_factory=dict)
    lists: dict[str, frozenset[str]] = field(default_factory=dict)
    _tags: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _matchers: list[Callable[[str], bool]] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    @property
    def half_life(self) -> float:
        return self.spec.interests.half_life_days * 86400

    @cached_property
    def stage_words(self) -> Mapping[str, str]:
        """What each stage means on this site, in its words (the journey file's ``stages:``):
        what a visitor is told of their stage, where the site gave words for it."""
        return {str(stage): said for stage, said in self.spec.stages.items()}

    @cached_property
    def segment_words(self) -> Mapping[str, str]:
        """How each segment is named to visitors (the journey file's ``segment_words:``)."""
        return dict(self.spec.segment_words)

    @property
    def abandon_after(self) -> int:
        """Seconds after the last cart change before a cart counts as abandoned."""
        return self.spec.triggers.cart_abandoned_after_minutes * 60

    def page_tags(self, path: str) -> tuple[list[str], list[str]]:
        """(topics, items) a page view of ``path`` counts towards (worked out once per path;
        the lists are the caller's to change)."""
        known = self._tags.get(path)
        if known is None:
            known = self._page_tags(path)
            if len(path) <= 512:  # bounded: paths come from outside (a long one is not kept)
                if len(self._tags) >= 4096:
                    self._tags.clear()
                self._tags[path] = known
        return list(known[0]), list(known[1])

    def _page_tags(self, path: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        if self._matchers is None:
            self._matchers = [matcher(rule.path) for rule in self.spec.topics]
        topics: list[str] = []
        items: list[str] = []
        seen: set[str] = set()  # (not the list's `in`: quadratic in a long list)
        for rule, on_path in zip(self.spec.topics, self._matchers, strict=True):
            if on_path(path):
                fresh = [t for t in dict.fromkeys(rule.topics) if t not in seen]
                seen.update(fresh)
                topics.extend(fresh)
                # (a path parameter is no part of it: ``;jsessionid=...``, as Java servers
                # serve the same page: recs60, the page's own item was suggested there)
                plain = _PARAMS.sub("", path) if ";" in path else path
                last = plain.rstrip("/").rsplit("/", 1)[-1]
                if rule.item and last and last not in items:
                    items.append(last)
        return tuple(topics), tuple(items)

    @cached_property
    def moved_on(self) -> frozenset[str]:
        """The events a transition moves on (``on:``)."""
        return frozenset(name for t in self.transitions if t.on for name in t.on)

    def derive_segments(self, facts: Facts) -> frozenset[str]:
        return frozenset([n for n, conds in self.segments.items() if all_hold(conds, facts)])

    def next_stage(
        self, current: str, facts: Facts, events: frozenset[str], new_visit: bool
    ) -> tuple[str, bool]:
        """(stage, moved back?) after this request: decay first, then the furthest move forward."""
        stage, back = current, False
        if new_visit:
            for sources, to, conditions in self.decay:
                if stage in sources and all_hold(conditions, facts):
                    stage, back = to, True
                    break
        rank = _RANK.get(stage, 0)
        for t in self.transitions:
            target = _RANK.get(t.to)
            if target is None:
                target = STAGE_ORDER.index(t.to)  # (not a stage: its ValueError, as ever)
            if target <= rank or (t.on is not None and t.on.isdisjoint(events)):
                continue
            if all_hold(t.conditions, facts):
                stage, rank = t.to, target
        return stage, back

    def reached(self, facts: Facts, events: frozenset[str]) -> str:
        """The furthest stage the transitions take a visitor to from awareness, given these
        ``facts`` (their ``stage`` aside) and that ``events`` happened: what a sign-in with the
        browsing history off may carry (store/merging.py), its facts without what was browsed."""
        stage = "awareness"
        for _ in STAGE_ORDER:  # (a transition may read the stage another one reached)
            after, _back = self.next_stage(stage, evolve(facts, stage=stage), events, False)
            if after == stage:
                break
            stage = after
        return stage
