"""A visitor's profile as Omotenashi keeps it, and the safe view snippets may see."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any

from omotenashi.engine.joined import download
from omotenashi.engine.periods import first_moment, site_zone
from omotenashi.engine.printing import PrintlessDict, PrintlessList
from omotenashi.recommend.coview import pair_score, pair_sides
from omotenashi.rules.model import CONTEXTUAL, STAGES

_NONE: Mapping[str, str] = {}  # (no names: a default no call changes)

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
    viewed_full: bool = False  # the viewed list let an item go: no more counted views (coview)
    unrecorded: bool = False  # pages were seen while the browsing history was off: not counted
    unrecorded_nothing: bool = False  # ... while the visitor personalised nothing (visitor70)
    # events whose stage moves the next request judges again: the counts they were judged on
    # moved under them (two tabs booking at once: store/stagemoves.py, journey58)
    rejudge: frozenset[str] = frozenset()
    uncounted: frozenset[str] = frozenset()  # viewed, not counted for popularity yet (coview)
    first_touch: dict[str, str] = field(default_factory=dict)
    caps: dict[str, tuple[str, int]] = field(default_factory=dict)  # rule: (period, count)
    merged: dict[str, float] = field(default_factory=dict)  # anonymous ids merged in: when
    joined: dict[str, str] = field(default_factory=dict)  # ... what each joined (engine/joined)
    revoked: bool = False  # the site revoked this id: nothing is read or written
    measured: dict[str, str] = field(default_factory=dict)  # measurement record (raw fields)
    purchased: frozenset[str] = frozenset()  # items bought (never recommended again)
    bought_at: dict[str, float] = field(default_factory=dict)  # item bought: when, where kept
    also: dict[str, float] = field(default_factory=dict)  # "seed>item": log score (recommend)

    def interest_now(self, now: float, half_life: float) -> dict[str, float]:
        """Interest per topic, decayed to ``now`` (it halves every ``half_life`` seconds).

        Rounded to one decimal: two views an hour apart are an interest of 2, as an editor
        writing ``at_least: 2`` means, while views weeks ago count for less.
        """
        out: dict[str, float] = {}
        factor = 1.0
        last: float | None = None  # topics of one page share its time: its decay worked out once
        rounded: dict[float, float] = {}  # ... and most share a score: rounded once (round is slow)
        for topic, (score, at) in self.interests.items():  # decayed(), inlined: per request
            if at != last:  # (a first topic: None; NaN: each time)
                age = now - at
                factor, last = 0.5 ** ((age if age > 0 else 0.0) / half_life), at
            if score <= 0:
                out[topic] = 0.0
                continue
            value = score * factor  # (> 0, or NaN: never -0.0, which a 0.0 key would find)
            near = rounded.get(value)
            if near is None:
                near = rounded[value] = round(value, 1)
            out[topic] = near
        return out

    def to_export(self, names: Mapping[str, str] = _NONE, zone: str = "UTC") -> dict[str, Any]:
        """Every stored field, readable: the visitor's download (respect/preferences.py);
        ``names``: item ids by the digest a recommendation pair keeps of a long one; ``zone``:
        the site's time zone (OMOTENASHI_RULES_TIMEZONE), whose days and weeks caps count in.

        Every time is ISO 8601, UTC, but when a cap's day or week began: on the site's clocks,
        with their offset (the merge at sign-in reads the profile itself, never this:
        store/merging.py).
        """
        calendar = site_zone(zone)
        return {
            "stage": self.stage,
            "visits": self.visits,
            "views": self.views,
            "pages_seen_with_history_off_not_counted": self.unrecorded,
            "pages_seen_while_personalising_nothing_not_counted": self.unrecorded_nothing,
            "first_seen": iso(self.first_seen),
            "last_seen": iso(self.last_seen),
            "visit_started": iso(self.visit_start),
            "days_away_before_this_visit": self.absent_days,
            "segments": sorted(self.segments),
            "attributes": self.attrs,
            "interests": {t: round(s, 3) for t, (s, _) in self.interests.items()},
            "interests_updated": {t: iso(at) for t, (_, at) in self.interests.items()},
            "events": self.events,
            "purchases": self.purchases,
            "last_purchase": iso(self.purchase_at),
            "cart": self.cart,
            "cart_changed": iso(self.cart_at),
            "viewed": sorted(self.viewed),
            "viewed_at": {item: iso(at) for item, at in sorted(self.viewed.items())},
            "viewed_list_overflowed": self.viewed_full,
            "viewed_not_yet_counted_in_popular": sorted(self.uncounted),
            "purchased": sorted(self.purchased),
            "purchased_at": {item: iso(at) for item, at in sorted(self.bought_at.items())},
            "recommendation_pairs": [
                {
                    "you_viewed": names.get(seed, seed),
                    "viewed_with_it": names.get(item, item),
                    "score": round(score, 4),
                }
                for (seed, item), score in sorted(
                    (sides, score) for sides, score in map(_sides, self.also.items()) if sides
                )
            ],
            "first_visit": self.first_touch,
            "shown": self.shown,
            "shown_why": {
                r: {"at": iso(at), "because": why} for r, (at, why) in self.shown_why.items()
            },
            "caps": {rule: cap_export(p, n, calendar) for rule, (p, n) in self.caps.items()},
            "merged_ids": sorted(self.merged),
            "merged_at": {vid: iso(at) for vid, at in sorted(self.merged.items())},
            "merged_carried": {vid: download(m) for vid, m in sorted(self.joined.items())},
            "measured": measured_export(self.measured),
            "revoked": self.revoked,
            "stage_moves_to_judge_again_for": sorted(self.rejudge),
        }


def iso(at: float | None) -> str | None:
    """A Unix time as ISO 8601 UTC (``None`` stays ``None``)."""
    if at is None:
        return None
    try:
        return datetime.fromtimestamp(at, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    except (OverflowError, OSError, ValueError):  # a time no calendar holds: as stored
        return str(at)


_PERIODS = {"v": "visit", "d": "day", "w": "week"}


def cap_export(period: str, count: int, zone: tzinfo = UTC) -> dict[str, Any]:
    """A cap's count and its period (engine/periods.py), readable: the visit (when it began,
    UTC), or the day or week (Monday to Sunday) of the site's calendar ``zone`` it counts in
    (when it began there, with the offset of the site's clocks then: its date is the site's)."""
    kind, at = period[:1], period[1:]
    if kind in _PERIODS and at.isdigit():
        if kind == "v":  # a visit's key is when it began
            since = iso(int(at))
        else:  # when the site's day or week began there, with the site's offset (UTC's: "Z")
            began = first_moment(period, zone)
            since = None if began is None else began.isoformat(timespec="seconds")
            since = since.replace("+00:00", "Z") if since and zone is UTC else since
        return {"period": _PERIODS[kind], "since": since, "count": count}
    return {"period": period, "since": None, "count": count}


_ARMS = {"t": "treatment", "c": "control"}


def measured_export(fields: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """The measurement record (measure/counting.py: ``r|<rule>`` -> ``<arm>:<time>``,
    ``g|<rule>|<goal>`` -> ``1``, ``o|<rule>`` -> ``<time>``) per rule: its arm, the first
    exposure, the goals reached, when the visitor came back while its test was off."""
    out: dict[str, dict[str, Any]] = {}

    def rule(name: str) -> dict[str, Any]:
        return out.setdefault(name, {"arm": None, "first_exposed": None, "goals_reached": []})

    for name, value in sorted(fields.items()):
        kind, _, rest = name.partition("|")
        if kind == "r":
            arm, _, at = value.partition(":")
            entry = rule(rest)
            entry["arm"] = _ARMS.get(arm, value)
            entry["first_exposed"] = iso(int(at)) if at.isdigit() else None
        elif kind == "g":
            ruled, _, goal = rest.partition("|")
            rule(ruled)["goals_reached"].append(goal)
        elif kind == "o" and value.isdigit():  # back while the rule's test was off
            rule(rest)["back_while_test_off"] = iso(int(value))
        else:  # a field this version does not know: as stored
            out.setdefault("(other)", {})[name] = value
    return out


def decayed(score: float, at: float, now: float, half_life: float) -> float:
    if score <= 0:
        return 0.0
    return float(score * 0.5 ** (max(0.0, now - at) / half_life))


# What each field of a snippet's ``visitor`` (engine/render.py ``VISITOR_FIELDS``) tells about
# the visitor, as the ``when`` conditions that read the same fact. Rule choice has one
# classification (rules/model.py ``CONTEXTUAL``, read by ``is_contextual``): a condition on
# the page or the moment is contextual, every other one is about the visitor's history. A
# field is history when any condition reading its fact is.
VISITOR_READS: dict[str, tuple[str, ...]] = {
    "stage": ("stage",),
    "segments": ("segment",),
    "visits": ("visits",),
    "returning": ("new", "returning"),
    "interests": ("interest",),
    "name": ("attr",),
    "device": ("device",),
    "cart": ("cart_items", "cart_abandoned", "in_cart"),
    "purchases": ("purchases",),
    "viewed_in": ("viewed", "viewed_in_list"),
    "titles": ("viewed", "viewed_in_list"),
}
# The fields kept while the history is off (a field missing above counts as history).
PAGE_FIELDS = frozenset(name for name, reads in VISITOR_READS.items() if CONTEXTUAL >= set(reads))
HISTORY_FIELDS = frozenset(VISITOR_READS) - PAGE_FIELDS


def visitor_view(
    profile: Profile,
    *,
    is_new: bool,
    device: str,
    interests: Mapping[str, float],
    segments: frozenset[str],
    viewed_in: Mapping[str, list[str]],
    titles: Mapping[str, str] | None = None,
    history_off: bool = False,
) -> dict[str, Any]:
    """The plain, minimal picture of the visitor a snippet may use: no ids, no raw keys.
    ``history_off`` (engine/restraint.py ``history_off``): every field but those of
    :data:`PAGE_FIELDS` is as a brand-new visitor's (the first stage, one visit, no name,
    interests, cart ...).
    """
    top = sorted(interests.items(), key=lambda kv: (-kv[1], kv[0]))
    name = profile.attrs.get("first_name")
    # (its mappings and lists print as no text: engine/printing.py, last61)
    view = PrintlessDict({
        "stage": profile.stage,
        "segments": PrintlessList(sorted(segments)),
        "visits": max(profile.visits, 1),
        "returning": not is_new,
        "interests": PrintlessList([topic for topic, score in top[:5] if score >= 0.5]),
        "name": name if isinstance(name, str) else "",
        "device": device,
        "cart": PrintlessList(sorted(profile.cart)),
        "purchases": profile.purchases,
        "viewed_in": PrintlessDict({k: PrintlessList(v) for k, v in viewed_in.items()}),
        # what those items are called (the catalogue's titles): {{ visitor.titles[item] }}
        "titles": PrintlessDict({
            i: (titles or {}).get(i) or i.replace("-", " ")
            for listed in viewed_in.values()
            for i in listed
        }),
    })  # fmt: skip
    if history_off:
        blank = visitor_view(
            Profile(),
            is_new=True,
            device=device,
            interests={},
            segments=frozenset(),
            viewed_in={listed: [] for listed in viewed_in},
        )
        view.update((key, value) for key, value in blank.items() if key not in PAGE_FIELDS)
    return view


def json_or_text(value: str) -> Any:
    """A JSON value, or the text itself when it is not JSON."""
    try:
        return json.loads(value)
    except ValueError:
        return value


def _sides(pair: tuple[str, float]) -> tuple[tuple[str, str] | None, float]:
    """An ``also`` member's seed and item (recommend/coview.py pair_sides), with its log2
    score (as kept: scaled by this release)."""
    return pair_sides(pair[0]), pair_score(*pair)
