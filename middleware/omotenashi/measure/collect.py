"""Gather a report from a store's daily counters and a rule set (for the CLI and the endpoint).

Duck-typed on purpose: ``store`` is anything with ``async read_stats(days)`` and ``ruleset``
anything with ``rules`` (compiled rules with ``id`` and ``rule``) and ``goals``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from omotenashi.settings import Settings

from .errors import MeasureError
from .notes import clamped, oldest_kept
from .report import Report, RuleSpec, build, counts_from_days

DAY = dt.timedelta(days=1)


def days_between(first: str, last: str) -> list[str]:
    """Every UTC day from ``first`` to ``last``, both included."""
    start, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    return [(start + n * DAY).isoformat() for n in range((end - start).days + 1)]


async def read_report(
    store: Any,
    ruleset: Any,
    *,
    since: str | None,
    until: str | None,
    retention_days: int,
    min_per_arm: int,
    today: str | None = None,
) -> Report:
    """The report over ``[since, until]`` (open ends: the retention period up to today).

    The days read are clamped to those that can hold counts: none after today, and at most
    ``retention_days`` before the last (day counts expire then), so a mistyped year reads
    about 400 days, not hundreds of thousands; the report says so (``range_note``).
    """
    if since is not None and until is not None and since > until:
        raise MeasureError("--since/--until", f"{since} > {until}", "since must not be after until")
    today = today or dt.datetime.now(dt.UTC).date().isoformat()
    last = min(until or today, today)
    first = max(since or "", oldest_kept(last, retention_days))
    note = clamped((since, until), (first, last), retention_days)
    days = await store.read_stats(days_between(first, last)) if first <= last else {}
    specs = [RuleSpec(r.id, r.rule.holdout, tuple(r.rule.goals or ())) for r in ruleset.rules]
    report = build(
        counts_from_days(days),
        specs,
        [goal.id for goal in ruleset.goals],
        since=since if since is None or first > last else first,
        until=until if until is None or first > last else last,
        min_per_arm=min_per_arm,
    )
    return replace(report, range_note=note)


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
    )
