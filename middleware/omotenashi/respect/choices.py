"""What the preferences page and its form need of the rules in force, indexed once per rule
set: a visitor's save, dismiss or page then costs what they sent and what they were shown,
however many rules the site has. Built in a worker thread for a big rule set (the first
request after a reload waits for it; the event loop does not)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from omotenashi.engine.restraint import Prefs
from omotenashi.engine.ruleset import CompiledRule, RuleSet, entry_key
from omotenashi.recommend.reasons import explain
from omotenashi.respect import shown

IN_A_THREAD = 1000  # rules from which the index is built off the event loop


@dataclass(frozen=True)
class Choices:
    by_id: dict[str, CompiledRule]
    categories: dict[str, str]  # rule id → its category (what the cookie's fit needs)
    names: frozenset[str]  # every category
    form_limit: int  # the most a returning visitor's form may send: twice what the page sends
    kinds: tuple[dict[str, Any], ...]  # shown.categories with nothing off and nothing shown
    listing: tuple[dict[str, Any], ...]  # every category's entries (a site template's)
    always: frozenset[str] = frozenset()  # kinds listed with or without rules (the history)
    labels: Mapping[str, str] = field(default_factory=dict)  # kinds' own labels (japan53)

    @classmethod
    def of(cls, ruleset: RuleSet, always: frozenset[str] = frozenset()) -> Choices:
        rules = ruleset.rules
        return cls(
            always=always,
            by_id={r.id: r for r in rules},
            categories={r.id: r.rule.category for r in rules},
            names=frozenset(r.rule.category for r in rules),
            form_limit=sum(6 * len(r.id + r.rule.category) + 64 for r in rules),
            kinds=tuple(shown.categories(ruleset, Prefs(), [])),
            listing=tuple(_listing(ruleset)),
            labels=ruleset.category_labels,
        )

    def entry(self, rule_id: str) -> tuple[str, ...]:
        """The ids of every rule of the known rule ``rule_id``'s entry (:func:`shown.entries`)."""
        compiled = self.by_id[rule_id]
        return compiled.entry or (compiled.id,)

    def kinds_for(
        self, prefs: Prefs, recent: list[dict[str, Any]], now: float | None = None
    ) -> list[dict[str, Any]]:
        """:func:`shown.categories` for these choices and what was shown; ``now``: kinds whose
        schedules have all ended by then are not counted (they show no more)."""
        counts: dict[str, int] = {}
        for item in recent:
            counts[item["category_name"]] = counts.get(item["category_name"], 0) + 1
        kinds = []
        for k in self.kinds:
            ended = [c for c, _ in shown.ended(k, now)]
            kinds.append(
                {
                    **k,
                    "on": k["name"] not in prefs.off_categories,
                    "shown": counts.get(k["name"], 0),
                    "kinds": k["kinds"] - len(ended),
                    "contextual": k["contextual"] - sum(ended),
                }
            )
        # a kind switched off that no rule has now (between seasons, renamed): its switch, so
        # that the visitor can switch it back on; the browsing history's always (it holds
        # every rule back, whatever their kinds): on or off
        lacking = (prefs.off_categories | self.always) - self.names
        return kinds + [
            {
                "name": name,
                "label": shown.kind_label(self.labels, name),
                "on": name not in prefs.off_categories,
                "kinds": 0,
                "shown": 0,
                "contextual": 0,
            }
            for name in sorted(lacking)
        ]

    def switched_off(
        self, prefs: Prefs, listed: Iterable[str] = ()
    ) -> tuple[list[dict[str, Any]], int]:
        """(entries, gone): every entry the visitor switched off that the page does not list
        already (``listed``: the switches' values it shows, e.g. what they were shown), each
        with its switch, in rule order; and how many switched-off rules the rule set no longer
        has. Costs what the cookie holds, not the rule set: after a reset, an erase, the
        profile's expiry, or under GPC (no record of what was shown), the page can still
        switch back on whatever the visitor switched off."""
        seen = {i for key in listed for i in key.split(",")}
        off: set[tuple[str, ...]] = set()
        gone = 0
        for rule_id in prefs.off_rules:
            if rule_id not in self.by_id:
                gone += 1
            elif rule_id not in seen:
                off.add(self.entry(rule_id))
        entries = []
        for ids in sorted(off, key=lambda ids: self.by_id[ids[0]].order):
            rule = self.by_id[ids[0]].rule
            entries.append(
                {
                    "key": ",".join(ids),
                    "why": rule.why,
                    "category": shown.kind_label(self.labels, rule.category),
                    "category_on": rule.category not in prefs.off_categories,
                    # held back while the browsing history is off (as shown_recently says)
                    "behavioural": all(self.by_id[i].behavioural for i in ids),
                }
            )
        shown.unique_labels(entries)
        return entries, gone

    def adapts(self, prefs: Prefs, now: float | None = None) -> bool:
        """Whether a block that needs nothing kept (the page, the time, the device, the link
        followed) may still be shown under these choices: its kind on, its entry not switched
        off, nor (``now``) its schedules all ended. Costs the kinds and what the cookie holds,
        not the rule set."""
        if prefs.nothing:
            return False
        off: dict[str, set[object]] = {}  # contextual entries switched off, by kind
        for rule_id in prefs.off_rules:
            if rule_id in self.by_id:
                first = self.by_id[self.entry(rule_id)[0]]  # what shown.categories counts by
                if not first.behavioural:
                    off.setdefault(first.rule.category, set()).add(entry_key(first.rule))
        for k in self.kinds:
            if k["name"] in prefs.off_categories:
                continue
            ended = {key for c, key in shown.ended(k, now) if c}
            if k["contextual"] - len(ended) > len(off.get(k["name"], set()) - ended):
                return True
        return False

    def kinds_off(self, prefs: Prefs, form: dict[str, list[str]]) -> frozenset[str]:
        """The kinds switched off once ``form`` (a save) is applied: the kinds it listed and
        left unticked go off, those ticked come on, the rest stay as they were. A form that
        lists its kinds (``listed_kind``, as ours does: one field or more, each of one kind or
        several joined with ",") changes only those: a kind added to the rules after the page
        was made stays as it is. One without (a page served before that marker, a site's own
        template) lists every kind the rules have, and the browsing history when it says so
        (``listed_category``: a kind without rules)."""
        ticked = set(form.get("category", []))
        listed: set[str] | frozenset[str]
        if "listed_kind" in form:  # only kinds the rules have, the history, or off already
            known = self.names | self.always | prefs.off_categories
            sent = {kind for value in form["listed_kind"] for kind in value.split(",")}
            listed = (sent | ticked) & known
        else:
            listed = self.names | (set(form.get("listed_category", [])) & self.always)
        on = ticked & (listed | prefs.off_categories)
        return frozenset((prefs.off_categories | listed) - on)

    def listing_for(self, prefs: Prefs) -> list[dict[str, Any]]:
        """Every category with its entries and whether each is on, for these choices."""
        return [
            {
                "name": cat["name"],
                "label": cat["label"],
                "on": cat["name"] not in prefs.off_categories,
                "rules": [{**e, "on": shown.entry_on(e["ids"], prefs)} for e in cat["rules"]],
            }
            for cat in self.listing
        ]


def _listing(ruleset: RuleSet) -> list[dict[str, Any]]:
    """Categories with their entries: rules giving the same reason share one switch
    (:func:`shown.entries`, the grouping the dismiss uses too)."""
    out: dict[str, dict[str, Any]] = {}
    by_id = {r.id: r.rule for r in ruleset.rules}
    for compiled in sorted(ruleset.rules, key=lambda r: r.order):
        rule = compiled.rule
        cat = out.setdefault(
            rule.category,
            {
                "name": rule.category,
                "label": shown.kind_label(ruleset.category_labels, rule.category),
                "rules": [],
            },
        )
        ids = compiled.entry or (compiled.id,)
        if ids[0] != compiled.id:  # listed once, at its first rule
            continue
        how = (by_id[i].recommend for i in ids)
        why = " ".join([rule.why, *dict.fromkeys(explain(r) for r in how if r is not None)])
        cat["rules"].append({"ids": list(ids), "id": ",".join(ids), "why": why})
    return list(out.values())


class ChoicesCache:
    """The index of the rule set in force, rebuilt when another replaces it."""

    def __init__(self, always: frozenset[str] = frozenset()) -> None:
        self.always = always  # (Choices.always)
        self._for: tuple[RuleSet, Choices] | None = None
        # the build under way in a thread: requests that come meanwhile wait for that one
        self._building: tuple[RuleSet, asyncio.Future[Choices]] | None = None

    async def get(self, ruleset: RuleSet) -> Choices:
        held = self._for
        if held is not None and held[0] is ruleset:
            return held[1]
        if len(ruleset.rules) < IN_A_THREAD:
            choices = Choices.of(ruleset, self.always)
            self._for = (ruleset, choices)
            return choices
        building = self._building
        if (
            building is None
            or building[0] is not ruleset
            or building[1].get_loop() is not asyncio.get_running_loop()
            or (building[1].done() and (building[1].cancelled() or building[1].exception()))
        ):  # none under way for this rule set on this loop (a failed one is tried again)
            future = asyncio.ensure_future(asyncio.to_thread(Choices.of, ruleset, self.always))
            building = self._building = (ruleset, future)
        choices = await asyncio.shield(building[1])
        if self._building is building:
            self._for, self._building = (ruleset, choices), None
        return choices
