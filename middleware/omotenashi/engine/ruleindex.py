"""The rule index: decide looks only at the rules that could apply to this page and visitor.

Rules are bucketed by target (slot, or the selector rules), then filtered by what is cheap to
know and rules commonly say: the journey stage and the device kind (lists built once per
target, stage and device, and kept), the page's path for targets with rules that name paths
(lists kept per path too, for paths of up to MAX_PATH characters). Each rule in those lists
comes with the query keys, interests and profile attributes it needs at all, as one set: decide
works out once per page which of everything rules need the request and visitor have
(:meth:`RuleIndex.present`) and passes over a rule whose set is not all there with one subset
test, without building a list per slot and request.
With 10,000 rules over 1,000 slots a page with five slots looks at a few dozen rules, not
10,000. The index only leaves out rules whose conditions could not hold: every rule it keeps
is still tested in full, in priority order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from omotenashi.engine.facts import Facts
from omotenashi.engine.globs import matcher
from omotenashi.rules.model import Compare, When

if TYPE_CHECKING:
    from omotenashi.engine.ruleset import CompiledRule

MAX_LISTS = 50_000  # (target, stage, device[, path]) lists kept; past it the cache starts again
# Rules those lists hold in all (a pointer each: a path's list holds its target list's own
# candidates): paths come from outside, and each path's list holds most of its target's
# rules; past it the cache starts again too.
MAX_HELD = 1_000_000
MAX_PATH = 512  # longer paths are filtered for each request, never kept
# Characters of the paths the lists are kept for, in all (a path is up to 4 bytes a
# character: ~8 MB); past it the cache starts again too.
MAX_PATH_CHARS = 2_000_000
PACE_RULES = 16  # a set being built calls its ``pace`` after this many rules


def no_pace() -> None:
    """The default ``pace``: carry straight on."""


Want = tuple[str, str]  # ("query" | "interest" | "attr", key): one thing a rule needs there
NOTHING: frozenset[Want] = frozenset()
# A rule as decide looks at it: the rule, what it needs of the request (its gate's needs, to be
# within RuleIndex.present) and whether it can be off (disabled, or on a schedule).
Candidate = tuple["CompiledRule", frozenset[Want], bool]


@dataclass(frozen=True, slots=True)
class Gate:
    """What a rule needs of the request, in cheap terms (None: anything)."""

    stages: frozenset[str] | None = None
    devices: frozenset[str] | None = None
    query_keys: frozenset[str] = frozenset()
    topics: frozenset[str] = frozenset()  # interests that must be there at all
    attr_keys: frozenset[str] = frozenset()  # profile attributes that must be there at all
    paths: tuple[Callable[[str], bool], ...] = ()  # each must match the page's path

    def needs(self) -> Iterator[Want]:
        """The query keys, interests and attributes it needs: it can hold only when they are
        all in the request's :meth:`RuleIndex.present`."""
        needed = (("query", self.query_keys), ("interest", self.topics), ("attr", self.attr_keys))
        for where, keys in needed:
            for key in keys:
                yield where, key

    def admits(self, stage: str, device: str) -> bool:
        return (self.stages is None or stage in self.stages) and (
            self.devices is None or device in self.devices
        )

    def on(self, path: str) -> bool:
        """Whether the page's path is one the rule names (always, when it names none)."""
        for on_path in self.paths:
            if not on_path(path):
                return False
        return True


_WHERE = {"query": 0, "interest": 1, "attr": 2}  # RuleIndex._wanted's order


def _needs_value(cmp: Compare) -> bool:
    """Whether the comparison fails when the value is missing."""
    if cmp.exists is False:
        return False
    tests = (cmp.eq, cmp.in_, cmp.contains, cmp.lt, cmp.at_most, cmp.gt, cmp.at_least)
    return bool(cmp.exists) or any(t is not None for t in tests)


def _needs_interest(cmp: Compare) -> bool:
    """Whether an interest of 0 (the visitor has none in the topic) fails the comparison."""
    return (cmp.at_least is not None and cmp.at_least > 0) or (cmp.gt is not None and cmp.gt >= 0)


def _meet(a: frozenset[str] | None, b: frozenset[str] | None) -> frozenset[str] | None:
    if a is None:
        return b
    return a if b is None else a & b


Matchers = dict[tuple[str, ...], Callable[[str], bool]]  # path tests by their globs
Keys = frozenset[str]
# A Gate's fields, before it is made: stages, devices, query keys, topics, attributes, paths
Parts = tuple[Keys | None, Keys | None, Keys, Keys, Keys, tuple[Callable[[str], bool], ...]]
_NO_KEYS: frozenset[str] = frozenset()


def gate_of(when: When, matchers: Matchers | None = None) -> Gate:
    """The gate of a ``when``: its own fields and those of its ``all`` (never ``any``/``not``).
    ``matchers``: the path tests made so far (rules name a few paths between them)."""
    return Gate(*_parts(when, {} if matchers is None else matchers))


def _parts(when: When, matchers: Matchers) -> Parts:
    """A Gate's fields for ``when`` (one Gate is made, when they are shared: ``_shared``)."""
    stage, device = when.stage, when.device
    query, interest, attr = when.query, when.interest, when.attr
    stages: frozenset[str] | None = None if stage is None else frozenset(stage)
    devices: frozenset[str] | None = None if device is None else frozenset(device)
    keys = frozenset([k for k, c in query.items() if _needs_value(c)]) if query else _NO_KEYS
    topics = (
        frozenset([t for t, c in interest.items() if _needs_interest(c)]) if interest else _NO_KEYS
    )
    attrs = frozenset([k for k, c in attr.items() if _needs_value(c)]) if attr else _NO_KEYS
    paths: tuple[Callable[[str], bool], ...] = ()
    if when.path is not None:
        globs = tuple(when.path)
        test = matchers.get(globs)
        if test is None:
            test = matchers[globs] = matcher(globs)
        paths = (test,)
    for sub in when.all or ():
        in_stages, in_devices, in_keys, in_topics, in_attrs, in_paths = _parts(sub, matchers)
        stages, devices = _meet(stages, in_stages), _meet(devices, in_devices)
        keys, topics, attrs = keys | in_keys, topics | in_topics, attrs | in_attrs
        paths += in_paths
    return stages, devices, keys, topics, attrs, paths


def _shared(when: When, sets: dict[frozenset[str], frozenset[str]], matchers: Matchers) -> Gate:
    """The gate of ``when``, made of the sets in ``sets`` equal to its own (adding those not
    yet there): the gates of 10,000 rules hold a few hundred different sets."""
    stages, devices, keys, topics, attrs, paths = _parts(when, matchers)
    one = sets.setdefault
    return Gate(
        None if stages is None else one(stages, stages),
        None if devices is None else one(devices, devices),
        one(keys, keys),
        one(topics, topics),
        one(attrs, attrs),
        paths,
    )


class RuleIndex:
    def __init__(
        self,
        by_slot: Mapping[str, list[CompiledRule]],
        selector_rules: list[CompiledRule],
        pace: Callable[[], None] = no_pace,
    ) -> None:
        """``pace`` is called every PACE_RULES rules (a load in a worker thread rests there)."""
        self.by_slot = by_slot
        self.selector_rules = selector_rules
        by_when: dict[int, Gate] = {}  # rules that share one When (the loader's) share its Gate
        sets: dict[frozenset[str], frozenset[str]] = {}  # and gates share equal sets
        matchers: Matchers = {}  # and path tests
        self.gates: dict[int, Gate] = {}
        # Everything some rule needs, by where it is looked for (query, interests, attributes):
        # key -> its Want.
        self._wanted: tuple[dict[str, Want], dict[str, Want], dict[str, Want]] = ({}, {}, {})
        self._wants: dict[int, frozenset[Want]] = {}  # a gate's needs, as one set (when asked)
        self._lists: dict[tuple[str | None, ...], tuple[tuple[Candidate, ...], bool]] = {}
        self._held = 0  # rules in the kept lists (MAX_HELD)
        self._chars = 0  # characters of the paths they are kept for (MAX_PATH_CHARS)
        n = 0
        for rules in (*by_slot.values(), selector_rules):
            for r in rules:
                when = r.rule.when
                g = by_when.get(id(when))
                if g is None:
                    g = by_when[id(when)] = _shared(when, sets, matchers)
                    for want in g.needs():
                        self._wanted[_WHERE[want[0]]].setdefault(want[1], want)
                self.gates[id(r)] = g
                n += 1
                if n % PACE_RULES == 0:
                    pace()

    def contents(self) -> Iterator[object]:
        """Every key and value of the index's tables: held while a retired index is dropped,
        then dropped one by one (its cache alone can have tens of thousands of lists)."""
        for table in (self.gates, self._lists, self._wants, *self._wanted):
            for key, value in table.items():
                yield key
                yield value

    def present(self, facts: Facts) -> AbstractSet[Want]:
        """What of all that rules need (query keys, interests, attributes) this request and
        visitor have: a candidate can hold only if its wants are all there (worked out once
        per page)."""
        query, interests, attrs = self._wanted
        found: set[Want | None] = set()
        if query and facts.query:
            found.update(map(query.get, facts.query))
        if interests and facts.interests:
            found.update(map(interests.get, facts.interests))
        if attrs and facts.attrs:
            found.update(map(attrs.get, facts.attrs))
        found.discard(None)  # what no rule needs
        return cast("set[Want]", found)

    def for_slot(self, slot: str, facts: Facts) -> Sequence[Candidate]:
        """The slot's candidates (best first) that this stage, device and path could satisfy."""
        rules = self.by_slot.get(slot)
        if not rules:
            return ()
        return self._filtered(slot, rules, facts)

    def for_selectors(self, facts: Facts) -> Sequence[Candidate]:
        """The selector rules' candidates (best first) that could apply; all targets together."""
        if not self.selector_rules:
            return ()
        return self._filtered(None, self.selector_rules, facts)

    def _filtered(
        self, target: str | None, rules: list[CompiledRule], facts: Facts
    ) -> tuple[Candidate, ...]:
        stage, device = facts.stage, facts.device.kind
        key: tuple[str | None, ...] = (target, stage, device)
        known = self._lists.get(key)
        if known is None:
            gates = self.gates
            kept = [r for r in rules if gates[id(r)].admits(stage, device)]
            known = self._keep(key, tuple(map(self._candidate, kept)))
        candidates, pathed = known
        if pathed:  # some of these rules name paths: the list for this page's path
            path = facts.path
            on_path = (
                self._lists.get((target, stage, device, path)) if len(path) <= MAX_PATH else None
            )
            if on_path is None:
                on_path = self._on_path(key, path, candidates)
            candidates = on_path[0]
        return candidates

    def _candidate(self, rule: CompiledRule) -> Candidate:
        gate, r = self.gates[id(rule)], rule.rule
        wants = self._wants.get(id(gate))
        if wants is None:  # one set per gate, made of the index's own Wants
            wanted = self._wanted
            wants = frozenset(wanted[_WHERE[where]][key] for where, key in gate.needs())
            wants = self._wants[id(gate)] = wants or NOTHING
        return (rule, wants, not r.enabled or r.schedule is not None)

    def _keep(
        self, key: tuple[str | None, ...], candidates: tuple[Candidate, ...]
    ) -> tuple[tuple[Candidate, ...], bool]:
        """The list ``candidates`` for ``key``, remembered (bounded), with whether some of its
        rules name paths."""
        gates = self.gates
        pathed = any(gates[id(c[0])].paths for c in candidates)
        return self._remember(key, (candidates, pathed))

    def _remember(
        self, key: tuple[str | None, ...], known: tuple[tuple[Candidate, ...], bool], chars: int = 0
    ) -> tuple[tuple[Candidate, ...], bool]:
        """``known`` kept for ``key`` (with a path of ``chars`` characters): at most MAX_LISTS
        lists holding MAX_HELD rules in all, kept for paths of MAX_PATH_CHARS in all."""
        held = self._held + len(known[0])
        if len(self._lists) >= MAX_LISTS or held > MAX_HELD or self._chars + chars > MAX_PATH_CHARS:
            self._lists.clear()
            self._held = self._chars = 0
        self._lists[key] = known
        self._held += len(known[0])
        self._chars += chars
        return known

    def _on_path(
        self, key: tuple[str | None, ...], path: str, candidates: tuple[Candidate, ...]
    ) -> tuple[tuple[Candidate, ...], bool]:
        """The list of ``key`` for this page's ``path`` (kept for a path of up to MAX_PATH
        characters): the target list's own candidates, not copies."""
        gates = self.gates
        known = (tuple(c for c in candidates if gates[id(c[0])].on(path)), False)
        if len(path) > MAX_PATH:
            return known
        return self._remember((*key, path), known, len(path))
