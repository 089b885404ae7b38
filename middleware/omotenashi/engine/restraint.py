"""Restraint: what this visitor has asked for, and what good manners allow on this page.

Opt-outs (a rule, a category, everything), frequency caps, the budget of personalised slots per
page, the cap on using the visitor's name, fresh page views, browsing history switched off,
Global Privacy Control and consent.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, tzinfo
from typing import Any

from omotenashi.engine.decide import Decision
from omotenashi.engine.periods import next_key, period_key, within
from omotenashi.engine.profile import Profile
from omotenashi.engine.renames import draw_id
from omotenashi.engine.ruleset import CompiledRule
from omotenashi.settings import RespectSettings

MAX_NAMES, MAX_NAME = 200, 64  # the most switched-off names of each kind the cookie holds
NAME_CAP = "~name"  # the caps entry that counts uses of the visitor's name


def intent_cap(intent: str, per: str) -> str:
    """The caps entry counting blocks about ``intent`` in one kind of period, across rules."""
    return f"~intent:{intent}:{per}"


@dataclass(frozen=True)
class Prefs:
    """The visitor's own choices, kept in the signed cookie so erasing the profile keeps them."""

    off_rules: frozenset[str] = frozenset()
    off_categories: frozenset[str] = frozenset()
    nothing: bool = False
    consent: bool = False
    withdrawn: bool = False  # consent withdrawn through the app: holds until given again

    @classmethod
    def from_cookie(cls, data: Mapping[str, Any], *, exact: bool = False) -> Prefs:
        """The choices in a cookie's payload, within its bounds (``exact``: every name whole,
        for choices just made that are still to be fitted to the cookie)."""
        if not data:  # most visitors chose nothing: one shared, immutable answer
            return _NO_CHOICES
        most, longest = (None, None) if exact else (MAX_NAMES, MAX_NAME)

        def names(key: str) -> frozenset[str]:
            value = data.get(key)
            return (
                frozenset(str(v)[:longest] for v in value[:most])
                if isinstance(value, list)
                else frozenset()
            )

        return cls(
            names("r"),
            names("c"),
            data.get("n") is True,
            data.get("k") is True,
            data.get("w") is True,
        )

    def to_cookie(self) -> dict[str, object]:
        out: dict[str, object] = {}
        if self.off_rules:
            out["r"] = sorted(self.off_rules)
        if self.off_categories:
            out["c"] = sorted(self.off_categories)
        if self.nothing:
            out["n"] = True
        if self.consent:
            out["k"] = True
        if self.withdrawn:
            out["w"] = True
        return out

    def representable(self) -> bool:
        """Whether :meth:`from_cookie` reads these choices back exactly (its bounds hold)."""
        return all(
            len(names) <= MAX_NAMES and all(len(n) <= MAX_NAME for n in names)
            for names in (self.off_rules, self.off_categories)
        )


@dataclass(frozen=True)
class Kept:
    """How choices too many for the cookie were kept: always erring toward less
    personalisation, so that nothing the visitor switched off can come back."""

    forgotten: frozenset[str] = frozenset()  # switched-off blocks the rule set no longer has
    grouped: frozenset[str] = frozenset()  # kinds off whole that now stand for their blocks
    widened: frozenset[str] = frozenset()  # kinds off whole although some blocks were left on
    everything: bool = False  # personalisation off altogether

    @property
    def notice(self) -> str:
        """The preferences page's notice for this (empty when everything was kept as given)."""
        if self.everything:
            return "alloff"
        if self.widened:
            return "widened"
        if self.grouped:
            return "grouped"
        return "forgot" if self.forgotten else ""


def fit(
    prefs: Prefs, categories: Mapping[str, str], fits: Callable[[Prefs], bool]
) -> tuple[Prefs, Kept]:
    """Choices that ``fits`` accepts and :meth:`Prefs.from_cookie` reads back, given the rule
    set's ``{rule id: category}``: as given when they fit; else forgetting blocks the rule set
    no longer has, then keeping by kind where every block of a kind is off, then switching off
    whole kinds (the most switched-off text first), then personalisation altogether."""

    def ok(candidate: Prefs) -> bool:
        return candidate.representable() and fits(candidate)

    if ok(prefs):
        return prefs, Kept()
    stale = frozenset(r for r in prefs.off_rules if r not in categories)
    prefs = replace(prefs, off_rules=prefs.off_rules - stale)
    kept = Kept(forgotten=stale)
    if ok(prefs):
        return prefs, kept
    members: dict[str, set[str]] = {}
    for rule_id, category in categories.items():
        members.setdefault(category, set()).add(rule_id)
    whole = frozenset(
        c for c, ids in members.items() if ids <= prefs.off_rules and c not in prefs.off_categories
    )
    off = prefs.off_categories | whole
    folded = {categories[r] for r in prefs.off_rules if categories[r] in off}
    prefs = replace(
        prefs,
        off_categories=off,
        off_rules=frozenset(r for r in prefs.off_rules if categories[r] not in off),
    )
    kept = replace(kept, grouped=frozenset(folded))
    if ok(prefs):
        return prefs, kept

    def saving(category: str) -> int:
        return sum(len(r) + 3 for r in members[category] & prefs.off_rules) - len(category) - 3

    widenable = (c for c in members.keys() - off if saving(c) > 0)
    ranked = sorted(widenable, key=lambda c: (-saving(c), c))  # the most text saved first

    def widen(count: int) -> Prefs:
        more = frozenset(ranked[:count])
        rules = frozenset(r for r in prefs.off_rules if categories[r] not in more)
        return replace(prefs, off_categories=prefs.off_categories | more, off_rules=rules)

    if ranked and ok(widen(len(ranked))):  # the fewest kinds that fit: a binary search
        low, high = 1, len(ranked)
        while low < high:
            middle = (low + high) // 2
            low, high = (low, middle) if ok(widen(middle)) else (middle + 1, high)
        return widen(low), replace(kept, widened=frozenset(ranked[:low]))
    last = Prefs(nothing=True, consent=prefs.consent, withdrawn=prefs.withdrawn)
    return last, replace(kept, widened=frozenset(ranked), everything=True)


def chosen_off(prefs: Prefs, compiled: CompiledRule) -> bool:
    """Whether the visitor switched the rule off: it (a rule of its entry: an entry is switched
    as one) or its category (not "personalise nothing", which :class:`Restraint` adds)."""
    off = prefs.off_rules
    if off and not off.isdisjoint(compiled.entry_set or (compiled.rule.id,)):
        return True
    return compiled.rule.category in prefs.off_categories


def history_off(prefs: Prefs, respect: RespectSettings) -> bool:
    """Whether the visitor switched off the category that stands for their browsing history
    (``OMOTENASHI_RESPECT_HISTORY_CATEGORY``): the one decision every path reads. While it is
    off, no rule on their behaviour is shown (whatever its category), the snippets of those
    shown see them as a new visitor (engine/profile.py ``visitor_view``), their page views and
    viewed items (``view_item``) are not recorded, and nothing they did ranks or filters
    recommendations; their cart, purchases, goals and what restraint needs still count."""
    return respect.history_category in prefs.off_categories


def is_fresh(visitor_id: str, views: int, share: float) -> bool:
    """Whether this page view shows the defaults: a stable draw per visitor and page view."""
    if share <= 0:
        return False
    digest = hashlib.blake2b(f"{visitor_id}:{views}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big") / 2**32 < share


def in_holdout(visitor_id: str, rule_id: str, percent: float) -> bool:
    """Whether this visitor is in the rule's control group: stable for visitor and rule."""
    digest = hashlib.blake2b(f"holdout:{rule_id}:{visitor_id}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big") / 2**32 * 100 < percent


@dataclass
class Restraint:
    """One page's policy. ``allowed`` is given to decide(); ``within_budget`` trims after."""

    cfg: RespectSettings
    prefs: Prefs
    profile: Profile
    now: float
    behavioural: bool  # False under GPC/DNT, without consent, history off, or a fresh view
    visitor_id: str = ""
    names_on_page: int = 0
    ignore_holdout: bool = False  # the page as it would be without any holdout (a preview)
    # a private visitor: never measured, and without a cookie their id is new on every
    # request, so no draw is made on it: they get what most visitors get, on every page
    unmeasured: bool = False
    unheld: frozenset[str] = frozenset()  # rules whose holdout alone is ignored (measurement)
    arms: Mapping[str, str] = field(default_factory=dict)  # recorded arms: "c" is held out
    # rules a preview link forces by name: allowed whatever the visitor's switches, caps, intent
    # and budget, and counted first (the budget, their intents, the name's uses on the page)
    forced: frozenset[str] = frozenset()
    held: list[str] = field(default_factory=list)  # rules refused only for their holdout so far
    crowded: bool = False  # choose() left a block out for the budget, an intent or the name
    excluded: set[str] = field(default_factory=set)  # lost to a block of the same intent
    # per intent, the periods a capped rule about it counts in (RuleSet.intent_periods)
    intent_periods: Mapping[str, frozenset[str]] = field(default_factory=dict)
    zone: tzinfo = UTC  # the site's calendar: caps' days and weeks (engine/periods.py)

    @property
    def history_off(self) -> bool:
        """The visitor's browsing history is off (:func:`history_off`)."""
        return history_off(self.prefs, self.cfg)

    def _held_out(self, rule_id: str, percent: float, draw: str) -> bool:
        """In the rule's control group: the arm recorded at the first exposure, else the draw
        on ``draw`` (its first id: renames.py; for an unmeasured visitor, the larger group's)."""
        if self.unmeasured:
            return percent > 50
        recorded = self.arms.get(rule_id)
        return recorded == "c" if recorded else in_holdout(self.visitor_id, draw, percent)

    @property
    def _visit_start(self) -> float | None:
        """When this visit began; a profile whose first record was an event (a sign-in before
        any page view) has no visit start yet: its first sighting stands in, so that a
        per-visit cap holds for the whole visit instead of restarting every second."""
        return self.profile.visit_start or self.profile.first_seen

    def _count(self, rule_id: str, key: str) -> int:
        """What ``rule_id`` counted in the period ``key``; at least 1 when the rule was last
        shown in it (``shown_why``) whatever the period its count is kept under: one kept by
        a calendar of another zone or release (UTC's days and Thursday weeks before
        2026-12-03, during a rolling deploy or after a rollback) is not this period's, though
        the showing it counted is."""
        stored = self.profile.caps.get(rule_id)
        if stored is not None and within(stored[0], key, self.zone):
            return stored[1]
        last = self.profile.shown_why.get(rule_id)
        if last is not None and key[:1] in ("d", "w") and last[0] <= self.now:
            return int(
                period_key("day" if key[0] == "d" else "week", last[0], None, self.zone) == key
            )
        return 0

    def _period(self, entry: str, per: str) -> str:
        """The period ``entry`` counts in now: this one's, or the next day or week when that is
        what is stored (written by a server whose clock is ahead, past midnight already): the
        count goes on there, never back to this one's, which would let the rule show again."""
        key = period_key(per, self.now, self._visit_start, self.zone)
        stored = self.profile.caps.get(entry)
        if stored is not None and key[0] in "dw" and stored[0] == next_key(key):
            return stored[0]
        return key

    def switched_off(self, compiled: CompiledRule) -> bool:
        """Whether the visitor's own choices refuse the rule: it (a rule of its entry: an entry
        is switched as one), its category or everything switched off, or it is about their
        behaviour on a page that may not use it (GPC, no consent, history off, fresh)."""
        if self.prefs.nothing or chosen_off(self.prefs, compiled):
            return True
        return compiled.behavioural and not self.behavioural

    def allowed(self, compiled: CompiledRule) -> bool:
        rule = compiled.rule
        if rule.id in self.forced:  # a preview link shows it whatever else; its name counts
            self.names_on_page += compiled.uses_name
            return True
        if rule.id in self.excluded or self.switched_off(compiled):
            return False
        if (
            rule.holdout
            and not self.ignore_holdout
            and rule.id not in self.unheld
            and self._held_out(rule.id, rule.holdout, draw_id(rule))
        ):
            self.held.append(rule.id)
            return False
        cap = rule.cap
        if cap is not None:
            if cap.until is not None and self.profile.events.get(cap.until, 0) > 0:
                return False
            key = self._period(rule.id, cap.per)
            used = self._count(rule.id, key)
            if rule.intent is not None:  # any block about the same thing counts too
                shared = intent_cap(rule.intent, cap.per)
                used = max(used, self._count(shared, self._period(shared, cap.per)))
            if used >= cap.views:
                return False
        if compiled.uses_name:
            today = self._period(NAME_CAP, "day")
            used_today = self._count(NAME_CAP, today) + self.names_on_page
            if self.names_on_page >= self.cfg.name_per_page or used_today >= self.cfg.name_per_day:
                self.crowded |= self.names_on_page > 0  # (a block on this page took the name)
                return False
            self.names_on_page += 1
        return True

    def choose(
        self, run: Callable[[Callable[[CompiledRule], bool]], list[Decision]]
    ) -> list[Decision]:
        """The page's decisions: ``run`` decides with :meth:`allowed`; a block that loses to a
        better one about the same intent is refused and its slot decided again (so the slot
        can fall to its next rule), then the slot budget trims."""
        before = self.excluded  # (restored: each call starts afresh, engine/seen.py)
        for _ in range(8):  # each round refuses at least one rule; pages have few intents
            self.names_on_page, self.held, self.crowded = 0, [], False
            decisions = run(self.allowed)
            if not (losers := self._intent_losers(decisions)):
                break
            self.excluded = self.excluded | losers
        else:
            decisions = [d for d in decisions if d.id not in losers]
        kept = self.within_budget(decisions)
        self.crowded |= self.excluded is not before or len(kept) < len(decisions)
        self.excluded = before
        return kept

    def _intent_losers(self, decisions: list[Decision]) -> set[str]:
        """Rules past the per-intent budget: forced rules count first and never lose, then the
        highest priorities win, then page order."""
        budget = self.cfg.intent_budget
        about: list[Decision] = []
        seen: dict[str, int] = {}
        over = False
        for decision in decisions:
            intent = decision.rule.rule.intent
            if intent is not None:
                about.append(decision)
                seen[intent] = count = seen.get(intent, 0) + 1
                over = over or count > budget
        losers: set[str] = set()
        if not over:  # (most pages: ranked only when some intent is over its budget)
            return losers
        seen.clear()
        for _, decision in self._ranked(about):  # (in the same order among themselves)
            intent = decision.rule.rule.intent
            assert intent is not None
            seen[intent] = seen.get(intent, 0) + 1
            if seen[intent] > budget and decision.id not in self.forced:
                losers.add(decision.id)
        return losers

    def _ranked(self, decisions: list[Decision]) -> list[tuple[int, Decision]]:
        """Forced rules first (never losers: they count as placed), priority, page order."""
        forced = self.forced
        return sorted(
            enumerate(decisions),
            key=lambda p: (p[1].id not in forced, -p[1].rule.rule.priority, p[0]),
        )

    def within_budget(self, decisions: list[Decision]) -> list[Decision]:
        """At most ``budget`` personalised slots: forced rules (all of them, even past the
        budget), the highest priorities, then page order."""
        if len(decisions) <= self.cfg.budget:
            return decisions
        forced = sum(d.id in self.forced for d in decisions)
        keep = {index for index, _ in self._ranked(decisions)[: max(self.cfg.budget, forced)]}
        return [d for i, d in enumerate(decisions) if i in keep]

    def caps_to_record(self, shown: list[Decision]) -> dict[str, list[object]]:
        """``{rule id: [period, new count, added]}`` for shown rules that are capped or use the
        name: the write adds ``added`` to what is stored for that period by then (other pages
        of the visitor's, shown at once, count too), else stores the new count."""
        out: dict[str, list[object]] = {}
        names = 0
        for decision in shown:
            rule = decision.rule.rule
            if rule.cap is not None:
                key = self._period(rule.id, rule.cap.per)
                out[rule.id] = [key, self._count(rule.id, key) + 1, 1]
            names += decision.rule.uses_name
            if rule.intent is not None:  # counted where a capped rule of the intent reads
                for per in self.intent_periods.get(rule.intent, ()):
                    field_name = intent_cap(rule.intent, per)
                    key = self._period(field_name, per)
                    out[field_name] = [key, self._count(field_name, key) + 1, 1]
        if names:
            today = self._period(NAME_CAP, "day")
            out[NAME_CAP] = [today, self._count(NAME_CAP, today) + names, names]
        return out


_NO_CHOICES = Prefs()
