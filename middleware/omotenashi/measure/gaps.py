"""Days whose counts are missing: found by the ledger, named by the report, left out of it.

A day's counts are one hash in Redis (store/stats.py). Under an eviction policy by use
(``allkeys-lru``, ``allkeys-lfu``, ``volatile-lru`` ...) a past day's hash, never read again
until a report, is what Redis drops first; a visitor of that day who converts later starts it
again with one conversion counter. Read as it stands, that day is one without visitors (or
with conversions and no exposures), and the pooled figures, the plan and the verdict carry on
over data the store no longer has, with nobody told.

Production experimentation tools check the data before they judge it (Statsig's experiment
health checks: exposures logged, balanced, metrics available; a sample-ratio check here too);
this is that check for counts the store lost. Each counting write also adds, in the same
script call, what it gave a day's hash to that day's field of one ledger hash (written on
every counting day, so it is not the one a policy by use evicts). A day whose hash holds less
than its ledger says was evicted, whole or in part: the report names it and leaves it out of
every figure (its cohort whole or not at all), rather than reading it as a quiet day. A day
the ledger does not know is not judged: counted by the release before (which writes no
ledger), or a day nothing was counted. Counts Redis refused (``OOM``) or a full write queue
dropped leave no trace in Redis itself: the process adds them up per day and puts them in the
ledger (``lost|<day>``) with its next write that succeeds (store/stats.py ``Losses``, on the
fast path: plain ``redis://`` and ``unix://``); the report says how short such a day may be,
and names the process's counters for the rest.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .counting import Cells, counted

#: The ledger's name as a "day" of read_stats (store/stats.py's LEDGER: the layers keep
#: measure and store apart).
LEDGER = "ledger"

#: What to look at for the counts that never reached Redis (store/stats.py Losses, metrics.py).
UNWRITTEN = (
    "Counts Redis refused (full: OOM) or a full write queue dropped are named above by day, "
    "once Redis takes a write again, where the site talks to a plain redis:// or unix:// "
    "server; otherwise (Sentinel, Cluster, TLS, a process stopped before then) only the "
    "process's counters know them: omotenashi_redis_full_total, "
    "omotenashi_record_error_total and omotenashi_record_dropped_total; these figures are "
    "short by at most that many page views."
)


@dataclass(frozen=True)
class Gap:
    """A day whose hash holds fewer counts (``found``) than were given to it (``given``)."""

    day: str
    given: int
    found: int

    def as_json(self) -> dict[str, Any]:
        return {"day": self.day, "counted": self.given, "left": self.found}

    def said(self) -> str:
        left = "none left" if not self.found else f"{self.found:,} left"
        return f"{self.day} ({self.given:,} counted, {left})"


def held(fields: Mapping[Any, Any] | Cells) -> int:
    """What a day's hash holds: its exposure and conversion counts (phase tags aside), as the
    ledger adds them up."""
    return sum(value for _, value in counted(fields))


def find(
    days: Mapping[str, Mapping[Any, Any] | Cells], ledger: Mapping[Any, Any], read: list[str]
) -> list[Gap]:
    """The days of ``read`` whose hash (in ``days``; absent: evicted whole) holds less than
    the ledger says it was given."""
    given: dict[str, int] = {}
    for name, raw in ledger.items():
        day = name.decode() if isinstance(name, bytes) else str(name)
        try:
            given[day] = int(raw)
        except (TypeError, ValueError):
            continue
    gaps = []
    for day in read:
        found = held(days.get(day, {}))
        if given.get(day, 0) > found:
            gaps.append(Gap(day, given[day], found))
    return gaps


def unwritten(ledger: Mapping[Any, Any], read: list[str], gaps: list[Gap]) -> tuple[Any, ...]:
    """``(day, counts)`` of the days of ``read`` (none of ``gaps``, left out already) whose
    counts Redis refused or never got, as the ledger's ``lost|<day>`` says."""
    lost = {
        (name.decode() if isinstance(name, bytes) else str(name)): raw
        for name, raw in ledger.items()
    }
    out = []
    for day in sorted(set(read) - {gap.day for gap in gaps}):
        try:
            count = int(lost.get(f"lost|{day}", 0))
        except (TypeError, ValueError):
            continue
        if count > 0:
            out.append((day, count))
    return tuple(out)


def short(days: tuple[tuple[str, int], ...], shown: int = 10) -> str:
    """The report's note for the days some of whose counts were never written."""
    if not days:
        return ""
    more = f" and {len(days) - shown} more" if len(days) > shown else ""
    named = ", ".join(f"{day} (up to {count:,})" for day, count in days[:shown]) + more
    return (
        f"Counts not written on {named}: Redis refused them (full: OOM) or the write queue was "
        "full. These days' figures may be short by that many, a visitor not recorded being "
        "counted again on their next page view."
    )


def sentence(gaps: tuple[Gap, ...], shown: int = 10) -> str:
    """The report's warning for the days whose counts are missing ("" when none is)."""
    if not gaps:
        return ""
    more = f" and {len(gaps) - shown} more" if len(gaps) > shown else ""
    named = ", ".join(gap.said() for gap in gaps[:shown]) + more
    which = "this day" if len(gaps) == 1 else "these days"
    return (
        f"Counts missing for {named}: Redis evicted them (a maxmemory-policy that evicts by "
        "use, allkeys-lru and the like, drops past days first; set volatile-ttl), they "
        "expired under a shorter OMOTENASHI_REDIS_STATS_RETENTION than now, or they were "
        f"deleted. Every figure below leaves {which} out, as if not asked for: the rows, "
        "plans and verdicts are of the visitors first exposed on the other days."
    )
