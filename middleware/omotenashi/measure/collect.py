"""Gather a report from a store's daily counters and a rule set (for the CLI and the endpoint).

Duck-typed on purpose: ``store`` is anything with ``async read_stats(days)`` and ``ruleset``
anything with ``rules`` (compiled rules with ``id`` and ``rule``) and ``goals``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from omotenashi.engine.periods import site_zone
from omotenashi.settings import Settings

from . import gaps, goalstart
from .counting import cells
from .errors import MeasureError
from .notes import clamped, oldest_kept
from .phases import current, judged, noted, stopped, within
from .report import Counts, Report, RuleSpec, build, counts_from_days

DAY = dt.timedelta(days=1)


def days_between(first: str, last: str) -> list[str]:
    """Every day from ``first`` to ``last``, both included."""
    start, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    return [(start + n * DAY).isoformat() for n in range((end - start).days + 1)]


@dataclass(frozen=True)
class Read:
    """What :func:`read_days` read, for :func:`assemble`: the day hashes (``days``; the
    ledger's under ``gaps.LEDGER``) of the days ``read`` (``first`` to ``last``), and why
    they are not those asked for (``note``)."""

    days: dict[str, Any]
    read: list[str]
    first: str
    last: str
    today: str
    note: str


async def read_days(
    store: Any,
    *,
    since: str | None,
    until: str | None,
    retention_days: int,
    today: str | None = None,
    zone: str = "UTC",
) -> Read:
    """The day hashes of ``[since, until]`` (open ends: the retention period up to today).

    The days read are clamped to those that can hold counts: none after today, and at most
    ``retention_days`` before the last (day counts expire then), so a mistyped year reads
    about 400 days, not hundreds of thousands; the report says so (``range_note``).
    """
    if since is not None and until is not None and since > until:
        raise MeasureError("since/until", f"{since} > {until}", "since must not be after until")
    today = today or dt.datetime.now(site_zone(zone)).date().isoformat()  # the site's day
    last = min(until or today, today)
    first = max(since or "", oldest_kept(last, retention_days))
    note = clamped((since, until), (first, last), retention_days)
    read = days_between(first, last) if first <= last else []
    days = dict(await store.read_stats([*read, gaps.LEDGER])) if read else {}
    return Read(days, read, first, last, today, note)


def assemble(
    got: Read,
    ruleset: Any,
    *,
    since: str | None,
    until: str | None,
    retention_days: int,
    min_per_arm: int,
    zone: str = "UTC",
) -> Report:
    """The report of what :func:`read_days` read: plain computing, linear in rules x days
    (each field parsed once), so the endpoint runs it in a worker thread (asgi/reportpage.py).
    Days whose counts Redis lost (evicted: the ledger says more was counted) are named and
    left out (``gaps``, measure/gaps.py)."""
    first, last, read = got.first, got.last, got.read
    seen: dict[Any, Any] = {}  # each field name parsed once, on whichever day it is first read
    days = {day: cells(fields, seen) for day, fields in got.days.items() if day != gaps.LEDGER}
    # a day whose hash holds less than the ledger says was evicted: named, and left out whole
    # (one that expired after the retention period, as all do, is not missing)
    kept = [day for day in read if day >= oldest_kept(got.today, retention_days)]
    ledger = got.days.get(gaps.LEDGER) or {}
    missing = tuple(gaps.find(days, ledger, kept))
    days = {day: fields for day, fields in days.items() if day not in {g.day for g in missing}}
    specs = [RuleSpec(r.id, r.rule.holdout, tuple(r.rule.goals or ())) for r in ruleset.rules]
    formerly = {r.id: tuple(r.rule.formerly) for r in ruleset.rules if r.rule.formerly}
    phases = current(days, {spec.id: spec.holdout for spec in specs}, formerly)
    # a test that ended (holdout removed, rule gone) or is off (switched off, schedule over)
    # is closed: waiting adds no visitor to it, so none of its rows says to wait
    off = stopped(ruleset.rules, dt.datetime.now(site_zone(zone)))
    closed = frozenset(off) | {rule for rule, phase in phases.items() if phase.ended}
    counts = within(renamed(counts_from_days(days), formerly), phases)
    if got.last < got.today:  # a range that ended before today: no visitor can join it
        closed |= {spec.id for spec in specs} | {rule for rule, _, _ in counts.exposures}
    report = build(
        counts,
        judged(specs, phases),
        [goal.id for goal in ruleset.goals],
        since=since if since is None or first > last else first,
        until=until if until is None or first > last else last,
        min_per_arm=min_per_arm,
        closed=closed,
        goal_days=goalstart.marked(ledger, ruleset.goals),
    )
    if formerly:  # each row of a renamed rule says what it was called
        rows = [replace(row, formerly=formerly.get(row.rule, ())) for row in report.rows]
        report = replace(report, rows=rows)
    # a changed holdout starts a new phase; a test that ended or a rule that is off says so
    notes = {rule: phase.sentence() for rule, phase in phases.items()}
    for rule, said in off.items():
        notes[rule] = f"{notes[rule]} {said}" if rule in notes else said
    return replace(
        noted(report, notes),
        range_note=got.note,
        zone=zone,
        gaps=missing,
        unwritten=gaps.unwritten(ledger, read, list(missing)),
    )


async def read_report(
    store: Any,
    ruleset: Any,
    *,
    since: str | None,
    until: str | None,
    retention_days: int,
    min_per_arm: int,
    today: str | None = None,
    zone: str = "UTC",
) -> Report:
    """The report over ``[since, until]``: :func:`read_days`, then :func:`assemble` (here,
    on the caller's loop: the command line's)."""
    got = await read_days(
        store, since=since, until=until, retention_days=retention_days, today=today, zone=zone
    )
    return assemble(
        got, ruleset, since=since, until=until, retention_days=retention_days,
        min_per_arm=min_per_arm, zone=zone,
    )  # fmt: skip


def renamed(counts: Counts, formerly: dict[str, tuple[str, ...]]) -> Counts:
    """``counts`` with what was counted under a rule's former ids (``formerly:``) counted under
    its id now: a visitor first exposed under a former id was counted once, in their arm then,
    which the rule keeps for them (intention to treat); their conversions since are counted
    under the id now, on the day of that first exposure. One row per rule, its visitors whole."""
    now = {old: rule for rule, olds in formerly.items() for old in olds}
    if not now:
        return counts
    out = Counts()
    for (rule, arm, day), n in counts.exposures.items():
        out.exposures[(now.get(rule, rule), arm, day)] += n
    for (rule, goal, arm, day), n in counts.conversions.items():
        out.conversions[(now.get(rule, rule), goal, arm, day)] += n
    return out


async def report_for(
    store: Any, ruleset: Any, settings: Settings, *, since: str | None, until: str | None
) -> Report:
    """:func:`read_report` with the retention and minimum sample the settings give."""
    return await read_report(
        store,
        ruleset,
        since=since,
        until=until,
        retention_days=settings.redis.stats_retention // 86400,
        min_per_arm=settings.measure.min_per_arm,
        zone=settings.rules.timezone,
    )
