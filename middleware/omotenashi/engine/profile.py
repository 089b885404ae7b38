"""A visitor's profile as Omotenashi keeps it, and the safe view snippets may see."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from omotenashi.rules.model import STAGES

STAGE_ORDER = STAGES
FIRST_TOUCH = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "referrer")


@dataclass
class Profile:
    visits: int = 0
    views: int = 0
    first_seen: float | None = None
    last_seen: float | None = None
    visit_start: float | None = None
    absent_days: float | None = None  # quiet days before the current visit
    stage: str = "awareness"
    segments: frozenset[str] = frozenset()  # set by the site; derived ones are added per request
    attrs: dict[str, Any] = field(default_factory=dict)
    interests: dict[str, tuple[float, float]] = field(default_factory=dict)  # topic: (score, at)
    shown: dict[str, int] = field(default_factory=dict)
    shown_why: dict[str, tuple[float, list[str]]] = field(default_factory=dict)  # last: when, why
    events: dict[str, int] = field(default_factory=dict)
    purchases: int = 0
    purchase_at: float | None = None
    cart: dict[str, int] = field(default_factory=dict)
    cart_at: float | None = None
    viewed: dict[str, float] = field(default_factory=dict)  # item: when
    first_touch: dict[str, str] = field(default_factory=dict)
    caps: dict[str, tuple[str, int]] = field(default_factory=dict)  # rule: (period, count)
    merged: dict[str, float] = field(default_factory=dict)  # anonymous ids merged in: when
    revoked: bool = False  # the site revoked this id: nothing is read or written
    measured: dict[str, str] = field(default_factory=dict)  # measurement record (raw fields)
    purchased: frozenset[str] = frozenset()  # items bought (never recommended again)
    also: dict[str, float] = field(default_factory=dict)  # "seed>item": log score (recommend)

    def interest_now(self, now: float, half_life: float) -> dict[str, float]:
        """Interest per topic, decayed to ``now`` (it halves every ``half_life`` seconds).

        Rounded to one decimal: two views an hour apart are an interest of 2, as an editor
        writing ``at_least: 2`` means, while views weeks ago count for less.
        """
        out: dict[str, float] = {}
        for topic, (score, at) in self.interests.items():  # decayed(), inlined: per request
            age = now - at
            out[topic] = (
                0.0
                if score <= 0
                else round(float(score * 0.5 ** ((age if age > 0 else 0.0) / half_life)), 1)
            )
        return out

    def to_export(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "visits": self.visits,
            "views": self.views,
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
            "segments": sorted(self.segments),
            "attributes": self.attrs,
            "interests": {t: round(s, 3) for t, (s, _) in self.interests.items()},
            "events": self.events,
            "purchases": self.purchases,
            "cart": self.cart,
            "viewed": sorted(self.viewed),
            "purchased": sorted(self.purchased),
            "recommendation_pairs": sorted(self.also),
            "first_visit": self.first_touch,
            "shown": self.shown,
            "shown_why": {r: {"at": at, "because": why} for r, (at, why) in self.shown_why.items()},
            "caps": {rule: {"period": p, "count": n} for rule, (p, n) in self.caps.items()},
            "merged_ids": sorted(self.merged),
            "measured": self.measured,
        }


def decayed(score: float, at: float, now: float, half_life: float) -> float:
    if score <= 0:
        return 0.0
    return float(score * 0.5 ** (max(0.0, now - at) / half_life))


def visitor_view(
    profile: Profile,
    *,
    is_new: bool,
    device: str,
    interests: Mapping[str, float],
    segments: frozenset[str],
    viewed_in: Mapping[str, list[str]],
    titles: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The plain, minimal picture of the visitor a snippet may use: no ids, no raw keys."""
    top = sorted(interests.items(), key=lambda kv: (-kv[1], kv[0]))
    name = profile.attrs.get("first_name")
    return {
        "stage": profile.stage,
        "segments": sorted(segments),
        "visits": max(profile.visits, 1),
        "returning": not is_new,
        "interests": [topic for topic, score in top[:5] if score >= 0.5],
        "name": name if isinstance(name, str) else "",
        "device": device,
        "cart": sorted(profile.cart),
        "purchases": profile.purchases,
        "viewed_in": dict(viewed_in),
        # what those items are called (the catalogue's titles): {{ visitor.titles[item] }}
        "titles": {
            i: (titles or {}).get(i) or i.replace("-", " ")
            for listed in viewed_in.values()
            for i in listed
        },
    }


def json_or_text(value: str) -> Any:
    """A JSON value, or the text itself when it is not JSON."""
    try:
        return json.loads(value)
    except ValueError:
        return value
