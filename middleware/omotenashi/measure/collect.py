"""Gather a report from a store's daily counters and a rule set (for the CLI and the endpoint).

Duck-typed on purpose: ``store`` is anything with ``async read_stats(days)`` and ``ruleset``
anything with ``rules`` (compiled rules with ``id`` and ``rule``) and ``goals``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from omotenashi.settings import Settings

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
    """The report over ``[since, until]`` (open ends: the retention period up to today)."""
    last = until or today or dt.datetime.now(dt.UTC).date().isoformat()
    first = since or (dt.date.fromisoformat(last) - retention_days * DAY).isoformat()
    days = await store.read_stats(days_between(first, last)) if first <= last else {}
    specs = [RuleSpec(r.id, r.rule.holdout, tuple(r.rule.goals or ())) for r in ruleset.rules]
    return build(
        counts_from_days(days),
        specs,
        [goal.id for goal in ruleset.goals],
        since=since,
        until=until,
        min_per_arm=min_per_arm,
    )


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
