"""Restraint: what this visitor has asked for, and what good manners allow on this page.

Opt-outs (a rule, a category, everything), frequency caps, the budget of personalised slots per
page, the cap on using the visitor's name, fresh page views, Global Privacy Control and consent.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from omotenashi.engine.decide import Decision
from omotenashi.engine.profile import Profile
from omotenashi.engine.ruleset import CompiledRule
from omotenashi.settings import RespectSettings

NAME_CAP = "~name"  # the caps entry that counts uses of the visitor's name


@dataclass(frozen=True)
class Prefs:
    """The visitor's own choices, kept in the signed cookie so erasing the profile keeps them."""

    off_rules: frozenset[str] = frozenset()
    off_categories: frozenset[str] = frozenset()
    nothing: bool = False
    consent: bool = False

    @classmethod
    def from_cookie(cls, data: Mapping[str, Any]) -> Prefs:
        def names(key: str) -> frozenset[str]:
            value = data.get(key)
            return (
                frozenset(str(v)[:64] for v in value[:200])
                if isinstance(value, list)
                else frozenset()
            )

        return cls(names("r"), names("c"), data.get("n") is True, data.get("k") is True)

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
        return out


def period_key(per: str, now: float, visit_start: float | None) -> str:
    if per == "visit":
        return f"v{int(visit_start or now)}"
    if per == "day":
        return f"d{int(now // 86400)}"
    if per == "week":
        return f"w{int(now // (7 * 86400))}"
    return "ever"


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
    behavioural: bool  # False under GPC/DNT, without consent, or on a fresh page view
    visitor_id: str = ""
    names_on_page: int = 0
    caps_used: dict[str, tuple[str, int]] = field(default_factory=dict)

    def _count(self, rule_id: str, key: str) -> int:
        stored = self.profile.caps.get(rule_id)
        return stored[1] if stored is not None and stored[0] == key else 0

    def allowed(self, compiled: CompiledRule) -> bool:
        rule = compiled.rule
        if self.prefs.nothing or rule.id in self.prefs.off_rules:
            return False
        if rule.category in self.prefs.off_categories:
            return False
        if compiled.behavioural and not self.behavioural:
            return False
        if rule.holdout and in_holdout(self.visitor_id, rule.id, rule.holdout):
            return False
        cap = rule.cap
        if cap is not None:
            if cap.until is not None and self.profile.events.get(cap.until, 0) > 0:
                return False
            key = period_key(cap.per, self.now, self.profile.visit_start)
            if self._count(rule.id, key) >= cap.views:
                return False
        if compiled.uses_name:
            today = period_key("day", self.now, None)
            used_today = self._count(NAME_CAP, today) + self.names_on_page
            if self.names_on_page >= self.cfg.name_per_page or used_today >= self.cfg.name_per_day:
                return False
            self.names_on_page += 1
        return True

    def within_budget(self, decisions: list[Decision]) -> list[Decision]:
        """At most ``budget`` personalised slots: the highest priorities, then page order."""
        if len(decisions) <= self.cfg.budget:
            return decisions
        ranked = sorted(enumerate(decisions), key=lambda p: (-p[1].rule.rule.priority, p[0]))
        keep = {index for index, _ in ranked[: self.cfg.budget]}
        return [d for i, d in enumerate(decisions) if i in keep]

    def caps_to_record(self, shown: list[Decision]) -> dict[str, list[object]]:
        """``{rule id: [period, new count]}`` for shown rules that are capped or use the name."""
        out: dict[str, list[object]] = {}
        names = 0
        for decision in shown:
            rule = decision.rule.rule
            if rule.cap is not None:
                key = period_key(rule.cap.per, self.now, self.profile.visit_start)
                out[rule.id] = [key, self._count(rule.id, key) + 1]
            names += decision.rule.uses_name
        if names:
            today = period_key("day", self.now, None)
            out[NAME_CAP] = [today, self._count(NAME_CAP, today) + names]
        return out
