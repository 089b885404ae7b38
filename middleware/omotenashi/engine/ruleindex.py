"""The rule index: decide looks only at the rules that could apply to this page and visitor.

Rules are bucketed by target (slot, or the selector rules), then filtered by what is cheap to
know and rules commonly say: the journey stage and the device kind (lists built once per
target, stage and device, and kept), the page's path for targets with rules that name paths
(lists kept per path too, for paths of up to MAX_PATH characters), then the query keys, the
interests and the profile attributes a rule needs at all.
With 10,000 rules over 1,000 slots a page with five slots looks at a few dozen rules, not
10,000. The index only leaves out rules whose conditions could not hold: every rule it keeps
is still tested in full, in priority order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, KeysView, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from omotenashi.engine.facts import Facts
from omotenashi.engine.globs import matcher
from omotenashi.rules.model import Compare, When

if TYPE_CHECKING:
    from omotenashi.engine.ruleset import CompiledRule

MAX_LISTS = 50_000  # (target, stage, device[, path]) lists kept; past it the cache starts again
# Rules those lists hold in all (a pointer or two each): paths come from outside, and each
# path's list holds most of its target's rules; past it the cache starts again too.
MAX_HELD = 1_000_000
MAX_PATH = 512  # longer paths are filtered for each request, never kept
PACE_RULES = 16  # a set being built calls its ``pace`` after this many rules


def no_pace() -> None:
    """The default ``pace``: carry straight on."""


@dataclass(frozen=True, slots=True)
class Gate:
    """What a rule needs of the request, in cheap terms (None: anything)."""

    stages: frozenset[str] | None = None
    devices: frozenset[str] | None = None
    query_keys: frozenset[str] = frozenset()
    topics: frozenset[str] = frozenset()  # interests that must be there at all
    attr_keys: frozenset[str] = frozenset()  # profile attributes that must be there at all
    paths: tuple[Callable[[str], bool], ...] = ()  # each must match the page's path

    def needs(self, query: KeysView[str], interests: KeysView[str], attrs: KeysView[str]) -> bool:
        """Whether the request has the query keys and the visitor the interests and attributes
        it needs."""
        return self.query_keys <= query and self.topics <= interests and self.attr_keys <= attrs

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


def gate_of(when: When) -> Gate:
    """The gate of a ``when``: its own fields and those of its ``all`` (never ``any``/``not``)."""
    stages: frozenset[str] | None = None if when.stage is None else frozenset(when.stage)
    devices: frozenset[str] | None = None if when.device is None else frozenset(when.device)
    keys = frozenset(k for k, cmp in (when.query or {}).items() if _needs_value(cmp))
    topics = frozenset(t for t, cmp in (when.interest or {}).items() if _needs_interest(cmp))
    attrs = frozenset(k for k, cmp in (when.attr or {}).items() if _needs_value(cmp))
    paths: tuple[Callable[[str], bool], ...] = () if when.path is None else (matcher(when.path),)
    for sub in when.all or []:
        inner = gate_of(sub)
        stages, devices = _meet(stages, inner.stages), _meet(devices, inner.devices)
        keys, topics = keys | inner.query_keys, topics | inner.topics
        attrs, paths = attrs | inner.attr_keys, paths + inner.paths
    return Gate(stages, devices, keys, topics, attrs, paths)


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
        self.gates: dict[int, Gate] = {}
        self._keyed: set[int] = set()
        self._lists: dict[tuple[str | None, ...], tuple[tuple[CompiledRule, ...], Any, bool]] = {}
        self._held = 0  # rules in the kept lists (MAX_HELD)
        n = 0
        for rules in (*by_slot.values(), selector_rules):
            for r in rules:
                when = r.rule.when
                g = by_when.get(id(when))
                if g is None:
                    g = by_when[id(when)] = gate_of(when)
                self.gates[id(r)] = g
                if g.query_keys or g.topics or g.attr_keys:
                    self._keyed.add(id(r))
                n += 1
                if n % PACE_RULES == 0:
                    pace()

    def contents(self) -> Iterator[object]:
        """Every key and value of the index's tables: held while a retired index is dropped,
        then dropped one by one (its cache alone can have tens of thousands of lists)."""
        for table in (self.gates, self._lists):
            for key, value in table.items():
                yield key
                yield value
        yield from self._keyed

    def for_slot(self, slot: str, facts: Facts) -> Sequence[CompiledRule]:
        """The slot's rules (best first) that this stage, device and query could satisfy."""
        rules = self.by_slot.get(slot)
        if not rules:
            return ()
        return self._filtered(slot, rules, facts)

    def for_selectors(self, facts: Facts) -> Sequence[CompiledRule]:
        """The selector rules (best first) that could apply; all targets together."""
        if not self.selector_rules:
            return ()
        return self._filtered(None, self.selector_rules, facts)

    def _filtered(
        self, target: str | None, rules: list[CompiledRule], facts: Facts
    ) -> Sequence[CompiledRule]:
        stage, device = facts.stage, facts.device.kind
        key: tuple[str | None, ...] = (target, stage, device)
        known = self._lists.get(key)
        if known is None:
            gates = self.gates
            known = self._keep(key, tuple(r for r in rules if gates[id(r)].admits(stage, device)))
        kept, checks, pathed = known
        if pathed:  # some of these rules name paths: the list for this page's path
            path = facts.path
            on_path = self._lists.get((*key, path)) if len(path) <= MAX_PATH else None
            if on_path is None:
                on_path = self._on_path(key, path, kept, checks)
            kept, checks, _ = on_path
        if checks is None:
            return kept
        query, interests, attrs = facts.query.keys(), facts.interests.keys(), facts.attrs.keys()
        return [r for r, g in checks if g is None or g.needs(query, interests, attrs)]

    def _keep(
        self, key: tuple[str | None, ...], kept: tuple[CompiledRule, ...], *, paths: bool = True
    ) -> tuple[tuple[CompiledRule, ...], Any, bool]:
        """The list ``kept`` for ``key``, with its per-request checks, remembered (bounded)."""
        return self._remember(key, (kept, self._checks(kept), paths and self._pathed(kept)))

    def _pathed(self, kept: tuple[CompiledRule, ...]) -> bool:
        gates = self.gates
        return any(gates[id(r)].paths for r in kept)

    def _remember(
        self, key: tuple[str | None, ...], known: tuple[tuple[CompiledRule, ...], Any, bool]
    ) -> tuple[tuple[CompiledRule, ...], Any, bool]:
        """``known`` kept for ``key``: at most MAX_LISTS lists holding MAX_HELD rules in all."""
        if len(self._lists) >= MAX_LISTS or self._held + len(known[0]) > MAX_HELD:
            self._lists.clear()
            self._held = 0
        self._lists[key] = known
        self._held += len(known[0])
        return known

    def _on_path(
        self, key: tuple[str | None, ...], path: str, kept: tuple[CompiledRule, ...], checks: Any
    ) -> tuple[tuple[CompiledRule, ...], Any, bool]:
        """The list of ``key`` for this page's ``path`` (kept for a path of up to MAX_PATH
        characters); its checks are the target list's own pairs, not copies."""
        gates = self.gates
        if checks is None:
            here = tuple(r for r in kept if gates[id(r)].on(path))
            here_checks = None
        else:
            pairs = tuple(p for p in checks if gates[id(p[0])].on(path))
            here = tuple(r for r, _ in pairs)
            here_checks = pairs if any(g for _, g in pairs) else None
        known = (here, here_checks, False)
        return known if len(path) > MAX_PATH else self._remember((*key, path), known)

    def _checks(self, kept: tuple[CompiledRule, ...]) -> Any:
        """Each rule with the gate it needs checked per request (query keys, interests,
        attributes; None: no check), or None when no rule needs one."""
        gates, keyed = self.gates, self._keyed
        checks = tuple((r, gates[id(r)] if id(r) in keyed else None) for r in kept)
        return checks if any(g for _, g in checks) else None
