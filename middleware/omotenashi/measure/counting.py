"""Counting exposures and conversions: what one page view adds, decided without I/O.

Design
======

What is counted
    Rules with a ``holdout`` are *measured* (without a control group there is nothing to
    compare). A visitor is *exposed* to a rule the first time the rule would apply to them on
    a page: in the *treatment* arm when they saw it, in the *control* arm when the rule's
    holdout kept it from them (they saw the default). Each visitor counts once per rule, on
    the site's day (``OMOTENASHI_RULES_TIMEZONE``; UTC's until 2026-12-03) of that first
    exposure. A *conversion* is a site goal reached (an event, a
    page path, an app's ``track()``) on a later request within the attribution window
    (default 7 days) after the first exposure, in whole seconds (both times cut to the
    second: a goal in the window's last second counts); each visitor converts at most once
    per rule and goal. Bots, GPC/DNT, opted-out and no-consent visitors, forced and preview
    views and excluded paths never reach this code: the caller does not ask.

Where it lives
    Two kinds of keys.

    1. The visitor's own record, ``m`` fields of the profile hash ``omo:{<vid>}:p2`` (in the
       visitor's hash-tag slot, written by the existing record script, expiring with the
       profile, which a record keeps at least the attribution window even after one visit;
       store/scripts.py, store/privacy.py): ``r|<rule>`` ->
       ``"<arm>:<unix seconds>"`` of the first exposure (HSETNX, so the first one stays) and
       ``g|<rule>|<goal>`` -> ``"1"`` once the visitor converted. It is read by the existing
       load script, so the engine knows before the response what is new: no extra read.
    2. Statistics, one hash per day: ``omo:stats:<YYYY-MM-DD>`` with fields ``x|<arm>|<rule>``
       (exposures), ``h|<arm><holdout>|<rule>`` (the same first exposures tagged with the
       holdout in force, ``h|t10|promo``: a phase, measure/phases.py) and
       ``c|<arm>|<rule>|<goal>`` (conversions), incremented with HINCRBY. The exposure counter
       keeps the name the release before wrote (26754c7, which counts no ``x|t10|promo``):
       during a rolling deploy and after a rollback it reads every first exposure; a tag it
       does not know it skips.
       Conversions are filed under the day of the first exposure (a cohort), so any range of
       days gives proper proportions: conversions of the visitors exposed in that range. No
       visitor id, cookie, IP or path is in these keys; only rule ids, goal names, arms, days.
       Each day key expires a retention period (``OMOTENASHI_REDIS_STATS_RETENTION``, 400 days)
       after its day ends (EXPIREAT, idempotent). Keys and expiry: ``store/stats.py``.
       What each write gave a day is added to that day's field of one ledger hash too
       (``omo:stats:ledger``): a day that holds less was lost to Redis (measure/gaps.py).

Why counters, not HyperLogLog
    The per-visitor record is needed anyway (to know the arm and the time of the first exposure
    for the attribution window), and with it "first time" is known exactly, so plain counters
    are exact: no estimation error. HyperLogLog would dedupe on its own (PFADD is idempotent)
    but its counts carry a standard error of about 0.81 % (Redis's 16,384 registers) on every
    cell: for a 10 % vs 12 % test with 5,000 visitors per arm that adds an error of about 30 %
    of the standard error of the difference itself (0.18 vs 0.63 points), and its elements
    would have to be derived from visitor ids.
    Memory is bounded: per day about ``rules x 2 x (2 + goals)`` fields, a first exposure's
    phase tag (``h|...``) counted, and a few gap marks (200 rules and 5 goals: 2,800 small
    fields, about 125-200 kB by ``MEMORY USAGE`` as rule ids run from 8 to 32 characters;
    measure60 read 148 kB), times the retention in days.

    What this module decides is what the request *may* add: two concurrent requests of one
    visitor both read "not exposed yet" (or "not converted yet") before either wrote. The
    store counts a statistic only when the record script actually sets the field it stands
    for (set only if absent), so such a burst counts once. A visitor whose profile expired
    (idle TTL) or who cleared cookies is a new visitor and may count again.

How the write rides the existing one
    The record script (visitor's slot) gets the new ``r|``/``g|`` fields in its change and, as
    more keys and arguments of the same call, the day keys and which counter each field stands
    for; it increments a counter (HINCRBY, EXPIREAT) only for a field it set. Standalone Redis
    and Sentinel see one command, one round trip, after the response has gone. On Redis
    Cluster the day keys live in other slots, which a script may not touch: the script answers
    which fields it set and only their counters follow, grouped per node (a second round trip,
    only for the rare write that counts something). Most page views add nothing here (only a
    first exposure or a conversion does), and then the write is exactly what it was.
    Details: ``store/stats.py``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Set
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

DAY = 86400
WINDOW_DAYS = 7
RECORD_PART = "measure"


class Arm(StrEnum):
    TREATMENT = "t"
    CONTROL = "c"


@dataclass(frozen=True)
class Seen:
    """A visitor's first exposure to one rule."""

    arm: Arm
    at: int


def encode_seen(seen: Seen) -> str:
    return f"{seen.arm.value}:{seen.at}"


def decode_seen(text: str) -> Seen | None:
    """The stored form back; ``None`` for anything unreadable (treated as never exposed)."""
    arm, _, at = text.partition(":")
    if arm not in ("t", "c") or not (at.isascii() and at.isdigit()):
        return None
    return Seen(Arm(arm), int(at))


def read_record(fields: Mapping[str, str]) -> tuple[dict[str, Seen], set[tuple[str, str]]]:
    """A visitor's ``measure`` hash as (rule -> first exposure, {(rule, goal) converted})."""
    seen: dict[str, Seen] = {}
    converted: set[tuple[str, str]] = set()
    for name, value in fields.items():
        kind, _, rest = name.partition("|")
        if kind == "r":
            parsed = decode_seen(value)
            if parsed is not None:
                seen[rest] = parsed
        elif kind == "g":
            rule, _, goal = rest.partition("|")
            converted.add((rule, goal))
    return seen, converted


def day_of(at: float, zone: dt.tzinfo = dt.UTC) -> str:
    """The site's day (in ``zone``) of a unix time, ``YYYY-MM-DD``."""
    return dt.datetime.fromtimestamp(at, zone).date().isoformat()


def phase(holdout: float | None) -> str:
    """The holdout in force at a first exposure as its phase tag writes it after the arm
    (``h|t10|promo``: treated while 10 % were held out); "" when not known. A changed holdout
    starts a new phase, which the report tells apart by it (measure/phases.py). The number is
    given back exactly (``33.333333``, not ``:g``'s ``33.3333``: a holdout unchanged would read
    as changed)."""
    if holdout is None:
        return ""
    short = f"{holdout:g}"
    return short if float(short) == holdout else repr(float(holdout))


def exposure_field(rule: str, arm: Arm, holdout: float | None = None) -> str:
    """A first exposure's counter: ``x|t|promo`` (``holdout`` given: ``x|t10|promo``, as
    builds between 2026-12-03 and the phase tags wrote it; read still, written no more)."""
    return f"x|{arm.value}{phase(holdout)}|{rule}"


def phase_field(rule: str, arm: Arm, holdout: float) -> str:
    """The phase tag counted with a first exposure's counter (``h|t10|promo``): the report
    tells phases apart by it, never counts it as exposures of its own; the release before
    this one skips it (its exposures are the ``x|t|promo`` beside it)."""
    return f"h|{arm.value}{phase(holdout)}|{rule}"


def gap_field(rule: str) -> str:
    """A gap's mark (``h|t0|promo``, counting 0): a visitor counted for the rule came back while
    its test was off (no holdout, or no rule); exposures after it are a new test (phases.py)."""
    return f"h|{Arm.TREATMENT.value}0|{rule}"


def conversion_field(rule: str, goal: str, arm: Arm) -> str:
    return f"c|{arm.value}|{rule}|{goal}"


@dataclass(frozen=True)
class Cell:
    """One parsed statistics field: an exposure (``goal == ""``) or a conversion count."""

    rule: str
    goal: str
    arm: Arm
    holdout: float | None = None  # the holdout in force at the first exposures (a phase)
    tag: bool = False  # a phase tag (h|t10|promo): these exposures are counted in x|t|promo


def _arm(token: str) -> tuple[Arm, float | None] | None:
    """An arm token (``t``, ``c``, or with the holdout in force: ``t10``, ``c12.5``)."""
    if token[:1] not in ("t", "c"):
        return None
    if len(token) == 1:
        return Arm(token), None
    try:
        held = float(token[1:])
    except ValueError:
        return None
    return (Arm(token[0]), held) if 0 <= held <= 100 else None


def parse_field(name: str) -> Cell | None:
    """A statistics field back to its cell; ``None`` for a field this version does not know."""
    parts = name.split("|")
    if len(parts) == 3 and parts[0] in ("x", "h") and parts[2] and (arm := _arm(parts[1])):
        tag = parts[0] == "h"
        return Cell(parts[2], "", *arm, tag=tag) if arm[1] is not None or not tag else None
    if len(parts) == 4 and parts[0] == "c" and parts[1] in ("t", "c") and parts[2] and parts[3]:
        return Cell(parts[2], parts[3], Arm(parts[1]))
    return None


class Cells(tuple[tuple[Cell, int], ...]):
    """A day hash's fields parsed once (:func:`cells`): each known cell with its count as
    written, phase tags included; the report, the phases and the gaps check all read these."""

    __slots__ = ()


def cells(fields: Mapping[Any, Any] | Cells, seen: dict[Any, Cell | None] | None = None) -> Cells:
    """``fields`` as read from a day hash, parsed (already parsed: as they are); fields this
    version does not know, and counts that are not integers, left out. ``seen``: the names
    parsed already (for the days of one report, which name the same fields day after day)."""
    if isinstance(fields, Cells):
        return fields
    seen = {} if seen is None else seen
    out = []
    for name, raw in fields.items():
        if name in seen:
            cell = seen[name]
        else:
            text = name.decode() if isinstance(name, bytes) else str(name)
            cell = seen[name] = parse_field(text)
        if cell is None:
            continue
        try:
            out.append((cell, int(raw)))
        except (TypeError, ValueError):
            continue
    return Cells(out)


def counted(fields: Mapping[Any, Any] | Cells) -> Iterator[tuple[Cell, int]]:
    """A day hash's counts as read: each known cell with its count above 0, phase tags (``h|``,
    counted in their ``x|`` field) and fields this version does not know left out."""
    for cell, value in cells(fields):
        if value > 0 and not cell.tag:
            yield cell, value


@dataclass
class Tally:
    """What one page view adds: visitor-record fields and statistics increments."""

    record: dict[str, str] = field(default_factory=dict)  # set only if absent (HSETNX)
    increments: dict[tuple[str, str], int] = field(default_factory=dict)  # (day, field) -> n

    def __bool__(self) -> bool:
        return bool(self.record or self.increments)

    def _add(self, day: str, name: str) -> None:
        self.increments[(day, name)] = self.increments.get((day, name), 0) + 1


def tally(
    *,
    seen: Mapping[str, Seen],
    converted: Set[tuple[str, str]],
    exposed_now: Mapping[str, Arm],
    goals_hit: Set[str],
    now: float,
    window_days: float = WINDOW_DAYS,
    zone: dt.tzinfo = dt.UTC,
    holdouts: Mapping[str, float] | None = None,
    off: Set[str] = frozenset(),
) -> Tally:
    """New exposures and attributed conversions of one page view.

    ``seen`` and ``converted`` are the visitor's record as loaded before this request;
    ``exposed_now`` the rules that would apply on this page (with the visitor's arm);
    ``goals_hit`` the site goals this request reached. A goal reached on the very request of
    the first exposure is not attributed: the visitor had not seen the rule before it. The
    window is measured in whole seconds, both times cut to the second (the exposure is
    recorded so): a goal reached in the second the window ends counts, whatever the fractions.
    ``zone``: the site's calendar, whose days the statistics are filed under; ``holdouts``:
    each exposed rule's holdout now, written in its exposure counter (:func:`phase`); ``off``:
    rules of ``seen`` whose test is off now, not yet marked for this visitor (:func:`gap_field`,
    once per visitor: ``o|<rule>``).
    """
    out = Tally()
    at = int(now)
    for rule, arm in exposed_now.items():
        if rule not in seen:
            out.record[f"r|{rule}"] = encode_seen(Seen(arm, at))
            out._add(day_of(at, zone), exposure_field(rule, arm))
            held = holdouts.get(rule) if holdouts else None
            if held is not None:  # the phase: a tag beside the counter every release reads
                out._add(day_of(at, zone), phase_field(rule, arm, held))
    for rule in sorted(off):  # a mark, counting nothing (the ledger and the gaps check add 0)
        out.record[f"o|{rule}"] = str(at)
        out.increments[(day_of(at, zone), gap_field(rule))] = 0
    limit = window_days * DAY
    for rule, first in seen.items():
        # (an exposure a moment "later" than now was recorded by a server whose clock is
        # ahead: it came before this request all the same, which read it)
        if at - first.at > limit:  # whole seconds on both sides, as the exposure is recorded
            continue
        for goal in sorted(goals_hit):
            if (rule, goal) in converted:
                continue
            out.record[f"g|{rule}|{goal}"] = "1"
            out._add(day_of(first.at, zone), conversion_field(rule, goal, first.arm))
    return out
