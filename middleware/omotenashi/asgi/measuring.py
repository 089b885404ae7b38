"""Fold measurement into a request's record: first exposures and attributed conversions.

Called only for visitors who may be counted: never for bots, GPC/DNT, no-consent or opted-out
visitors, forced or preview views, or excluded paths (the callers do not get that far).
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping
from datetime import UTC, tzinfo
from typing import TYPE_CHECKING

from omotenashi.engine.change import Change
from omotenashi.engine.profile import Profile
from omotenashi.engine.ruleset import RuleSet
from omotenashi.measure.counting import Arm, read_record, tally
from omotenashi.measure.goals import goals_reached
from omotenashi.rules.goals import Goal

if TYPE_CHECKING:
    from omotenashi.asgi.tools import Tools
    from omotenashi.asgi.visitor import Visitor
    from omotenashi.loader.reload import Loaded


def arms(profile: Profile) -> dict[str, str]:
    """Measured rules this visitor was already counted for, and their arm (``t``/``c``)."""
    if not profile.measured:  # measured by no rule yet: nothing to read
        return {}
    seen, _ = read_record(profile.measured)
    return {rule: first.arm.value for rule, first in seen.items()}


def count(
    change: Change,
    profile: Profile,
    goals: Iterable[Goal],
    *,
    path: str | None,
    window_days: float,
    zone: tzinfo = UTC,
    holdouts: Mapping[str, float] | None = None,
    unmeasured: Container[str] = frozenset(),
    cohorts: Mapping[str, str] = {},  # noqa: B006 (read only)
) -> None:
    """Add the visitor-record fields and the statistics this request makes to ``change``.

    ``path`` is the page's path when the request was a page view (path goals), else ``None``;
    ``zone``: the site's calendar, whose days the statistics are filed under; ``holdouts``:
    the rule set's (rule id -> percent), the one now a first exposure is counted with (a
    phase: counting.phase); ``unmeasured``: the set's rules without a holdout (:func:`ended`).
    """
    reached = goals_reached(goals, path=path if change.view else None, events=change.events)
    if not (reached or change.exposed or profile.measured):
        return
    seen, converted = read_record(profile.measured)
    off = ended(seen, profile.measured, unmeasured)
    if not ((reached and seen) or change.exposed or off):
        return
    out = tally(
        seen=seen,
        converted=converted,
        exposed_now={rule: Arm(arm) for rule, arm in change.exposed.items()},
        goals_hit=reached,
        now=change.now,
        window_days=window_days,
        zone=zone,
        holdouts=holdouts,
        off=off,
    )
    for name, value in out.record.items():
        change.measure[_filed(name, cohorts, 1)] = value
    for (day, name), n in out.increments.items():
        cell = (day, _filed(name, cohorts, 2))
        change.stats[cell] = change.stats.get(cell, 0) + n


def _filed(name: str, cohorts: Mapping[str, str], at: int) -> str:
    """A conversion's record field (``g|<rule>|<goal>``, the rule at ``at`` 1) or counter
    (``c|<arm>|<rule>|<goal>``, at 2) under the id its visitor's first exposure is kept
    under (:func:`cohorts`); any other name as it is."""
    if not cohorts or not name.startswith(("g|", "c|")):
        return name
    parts = name.split("|")
    parts[at] = cohorts.get(parts[at], parts[at])
    return "|".join(parts)


def cohorts(measured: Mapping[str, str], renamed: Mapping[str, str]) -> dict[str, str]:
    """Rule id now -> the former id (``renamed``: former -> now) under which this visitor's
    first exposure is kept, where none is kept under the id now (the earliest of several):
    their conversions are filed there too, beside that exposure. Filed under the id now, a
    conversion was counted again once the rule left the files (its rename unknown then: the
    record under the former id had no mark of it), and the report's row of the id now held
    conversions of visitors exposed under the former id (marketer63)."""
    if not renamed or not measured:
        return {}
    seen, _ = read_record(measured)
    found: dict[str, str] = {}
    for old in sorted(seen, key=lambda rule: seen[rule].at):  # (as renames.py keeps: ties,
        # the one the record lists first)
        now = renamed.get(old)
        if now is not None and now not in seen:
            found.setdefault(now, old)
    return found


def ended(
    seen: Mapping[str, object], record: Mapping[str, str], unmeasured: Container[str]
) -> set[str]:
    """Rules this visitor was counted for whose test is off now, not yet marked for them: a
    holdout removed and restored later starts a new test, which the report tells by the mark
    (measure/phases.py). Only a rule this rule set has, without a holdout: an id it does not
    know (renamed, added or removed by a rolling deploy's other release, or by another worker
    that reloaded the rule files first) is no sign that the test stopped."""
    return {rule for rule in seen if rule in unmeasured and f"o|{rule}" not in record}


def count_for(
    change: Change,
    profile: Profile,
    rules: RuleSet,
    *,
    path: str | None,
    window_days: float,
    zone: tzinfo = UTC,
) -> None:
    """:func:`count` with the goals, holdouts and unmeasured rules of ``rules`` (``profile``
    read with their renames: a rule's former ids are its own)."""
    filed = cohorts(profile.measured, rules.renames.rules)  # (marketer63)
    count(
        change, rules.renames.profile(profile), rules.goals, path=path, window_days=window_days,
        zone=zone, holdouts=rules.holdouts, unmeasured=rules.unmeasured, cohorts=filed,
    )  # fmt: skip


def count_page(change: Change, visitor: Visitor, tools: Tools, loaded: Loaded, path: str) -> None:
    """A page's exposures and conversions, riding its write (not for "personalise nothing")."""
    if not visitor.prefs.nothing:
        days, zone = tools.attribution_days, tools.config.zone
        count_for(change, visitor.profile, loaded.ruleset, path=path, window_days=days, zone=zone)
