"""Measurement statistics in Redis: one hash per day (the site's: OMOTENASHI_RULES_TIMEZONE),
counted by the visitor's record script.

``<prefix>:stats:<YYYY-MM-DD>`` holds counters ``x|<arm>|<rule>`` (first exposures), their
phase tags ``h|<arm><holdout>|<rule>`` and ``c|<arm>|<rule>|<goal>`` (conversions, filed under
the exposure day). No visitor data is in these keys. Each expires ``stats_retention`` seconds
after its day ends.

Each counter stands for one field of the visitor's measurement record (``x|t|promo`` for
``r|promo``, ``c|t|promo|buy`` for ``g|promo|buy``), and it is counted only when the record
script sets that field, which it does only when the field is absent: two concurrent requests of
one visitor (both read "not counted yet" before either wrote) count once. On standalone Redis and
Sentinel the day keys are more keys of that one script call (:func:`record_call`): the same round
trip, atomic with the record. On Cluster they live in other slots, which a script may not touch:
the script answers which fields it set, and only their counters follow (:func:`count_elsewhere`),
a second round trip, made only by a write that counts something.

The ledger, ``<prefix>:stats:ledger``, one hash for all days, holds for each day (field
``<YYYY-MM-DD>``) the sum of the counters given to that day's hash by this release (phase tags
aside), in the same script call (on Cluster, in the same second trip). A past day's hash is not
read again and goes first under an eviction policy by use (``allkeys-lru`` ...), and a late
conversion may then start it again almost empty; the ledger, written on every counting day,
stays. So a day whose hash holds less than the ledger says was lost, in whole or in part,
and the report says so and leaves it out (measure/gaps.py), rather than reading it as a day of
few or no visitors. The release before writes no ledger: its counts only add to a day's hash,
never making one look short. Read as a day of its own: ``read_stats([..., LEDGER])``.
Counts whose write Redis refused (``OOM``) or never got (a full write queue) are added up per
day in the process (:class:`Losses`) and go to the ledger's ``lost|<day>`` once a write
succeeds again: the report says how short that day may be. The ledger also holds the day
each goal, as declared now, was first in force (``goals|since``, ``goal|<id>|...``:
asgi/goalmarks.py), which the report cuts a goal declared mid-test at (measure/goalstart.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from omotenashi.settings import RedisSettings
from omotenashi.store.pipeline import forgotten, retrieved

DAY = 86400
LEDGER = "ledger"  # its key is stats_key(prefix, LEDGER): read_stats reads it as a "day"


def stats_key(prefix: str, day: str) -> str:
    return f"{prefix}:stats:{day}"


def expire_at(day: str, retention: int) -> int:
    """Unix time at which a day's statistics go: the end of that day plus ``retention``, the
    end of that date in any time zone (a day after UTC's: the site's day may end up to 12
    hours later, in OMOTENASHI_RULES_TIMEZONE)."""
    start = dt.datetime.combine(dt.date.fromisoformat(day), dt.time(), dt.UTC)
    return int(start.timestamp()) + 2 * DAY + retention


def record_field(counter: str) -> str:
    """The visitor-record field a counter stands for: ``x|t|r`` (and its phase tag
    ``h|t10|r``) -> ``r|r``, ``c|t|r|g`` -> ``g|r|g``, a gap's mark ``h|t0|r`` -> ``o|r``
    (the record script's ``measure`` names, without the profile's ``m``)."""
    kind, _, rest = counter.partition("|")
    if tag(counter) is False:
        return "o|" + rest.partition("|")[2]
    return ("r|" if kind in ("x", "h") else "g|") + rest.partition("|")[2]


def tag(counter: str) -> bool | None:
    """True for a phase tag (``h|t10|r``, counted with its exposure), False for a gap's mark
    (``h|t0|r``, a counter of its own that counts 0: measure/counting.gap_field), None else."""
    if not counter.startswith("h|"):
        return None
    return counter.split("|", 2)[1][1:] != "0"


def ledger_expiry(retention: int) -> int:
    """The ledger's expiry, pushed on by every counting write: today's day keys' (UTC)."""
    return expire_at(dt.datetime.now(dt.UTC).date().isoformat(), retention)


_pruned: dict[str, str] = {}  # a ledger's key -> the UTC day this process last pruned it on
LEDGER_DAYS = 400  # the ledger keeps at least this many days (or the retention, if longer)
PRUNE_DAYS = 31  # the days one pruning deletes: those just past what the ledger keeps


def stale_fields(ledger: str, retention: int) -> list[str]:
    """The ledger's fields (``<day>``, ``lost|<day>``) of days it no longer keeps (more than
    LEDGER_DAYS, or the retention, and 3 days ago), to delete: once a UTC day per process and
    ledger (empty otherwise). Without it the ledger would grow by a field or two a day
    forever. Not the retention alone: a report after the retention is raised still tells the
    days that expired under the shorter one from days with no visitors (measure/gaps.py)."""
    today = dt.datetime.now(dt.UTC).date()
    if _pruned.get(ledger) == today.isoformat():
        return []
    _pruned[ledger] = today.isoformat()
    last = today - dt.timedelta(days=max(retention // DAY, LEDGER_DAYS) + 3)
    days = [(last - dt.timedelta(days=n)).isoformat() for n in range(PRUNE_DAYS)]
    return [*days, *(f"lost|{day}" for day in days)]


def record_call(
    keys: list[str], arg: str, stats: Mapping[tuple[str, str], int] | None, cfg: RedisSettings
) -> tuple[list[str], list[str]]:
    """The record script's keys and arguments, with the counters ``stats`` when there are any.

    ARGV[2] maps each record field to ``[key number, counter, amount]``, and a phase tag
    after (``h|t10|promo``, counted with ``x|t|promo``); the day keys follow the profile's
    keys, then the ledger (``"#"``: its key number; each counter is added to the day's field
    there too), and ARGV[3...] are their expiry times, in the same order. On Cluster no day
    key is given (key number 0): the script answers which of those fields it set.
    """
    if not stats:
        return keys, [arg]
    days = [] if cfg.cluster else sorted({day for day, _ in stats})
    number = {day: len(keys) + 1 + i for i, day in enumerate(days)}
    spec: dict[str, list[object]] = {
        record_field(name): [number.get(day, 0), name, count]
        for (day, name), count in sorted(stats.items())
        if not tag(name)
    }
    for (_, name), _ in sorted(stats.items()):  # a tag goes with its exposure's counter
        if tag(name) and record_field(name) in spec:
            spec[record_field(name)].append(name)
    day_keys = [stats_key(cfg.key_prefix, day) for day in days]
    expiries = [str(expire_at(day, cfg.stats_retention)) for day in days]
    if days:  # the ledger, last (measure/gaps.py)
        spec["#"] = [len(keys) + len(days) + 1]
        day_keys.append(stats_key(cfg.key_prefix, LEDGER))
        expiries.append(str(ledger_expiry(cfg.stats_retention)))
    return [*keys, *day_keys], [arg, json.dumps(spec, separators=(",", ":")), *expiries]


def queue_stats(pipe: Any, stats: Mapping[tuple[str, str], int], cfg: RedisSettings) -> None:
    """Queue the counters (HINCRBY) and each day key's expiry (EXPIREAT) on ``pipe``."""
    for (day, name), count in sorted(stats.items()):
        pipe.hincrby(stats_key(cfg.key_prefix, day), name, count)
    for day in sorted({day for day, _ in stats}):
        pipe.expireat(stats_key(cfg.key_prefix, day), expire_at(day, cfg.stats_retention))


def queue_ledger(pipe: Any, stats: Mapping[tuple[str, str], int], cfg: RedisSettings) -> None:
    """Queue what the ledger adds up for each day (its counters, phase tags aside)."""
    given: dict[str, int] = {}
    for (day, name), count in stats.items():
        if not name.startswith("h|"):
            given[day] = given.get(day, 0) + count
    ledger = stats_key(cfg.key_prefix, LEDGER)
    for day, count in sorted(given.items()):
        pipe.hincrby(ledger, day, count)
    if given:
        pipe.expireat(ledger, ledger_expiry(cfg.stats_retention))


async def count_elsewhere(
    client: Any, reply: Any, stats: Mapping[tuple[str, str], int], cfg: RedisSettings
) -> None:
    """On Cluster, after the record script: the counters of the fields it answered it set."""
    if not isinstance(reply, list) or not reply:  # 1: nothing new; 0: refused (revoked, erased)
        return
    new = {name.decode() if isinstance(name, bytes) else str(name) for name in reply}
    mine = {cell: n for cell, n in stats.items() if record_field(cell[1]) in new}
    if mine:
        async with client.pipeline(transaction=False) as pipe:  # grouped per node
            queue_stats(pipe, mine, cfg)
            await pipe.execute()
        async with client.pipeline(transaction=False) as pipe:  # after: never more than the
            queue_ledger(pipe, mine, cfg)  # days hold (a report reads the ledger first)
            await pipe.execute()


async def record_with_stats(
    client: Any,
    script: Any,
    cfg: RedisSettings,
    keys: list[str],
    arg: str,
    stats: Mapping[tuple[str, str], int],
) -> None:
    """The record script with its counters: one call (the script loaded again only after a
    server restart, NOSCRIPT); on Cluster the counters of what it set follow."""
    call_keys, args = record_call(keys, arg, stats, cfg)
    reply = await script(keys=call_keys, args=args)
    if cfg.cluster:
        await count_elsewhere(client, reply, stats, cfg)
    ledger = stats_key(cfg.key_prefix, LEDGER)
    if stats and (stale := stale_fields(ledger, cfg.stats_retention)):
        with contextlib.suppress(Exception):  # (the record is written: the next day, then)
            await client.hdel(ledger, *stale)


#: The report reads the day hashes in pipelines of about this many fields, whole days each (a
#: day's HGETALL is its snapshot: exposures, phase tags and conversions as of one moment), at
#: most READ_DAYS days: the event loop serves other requests between them, and Redis other
#: clients (one pipeline of every day, 400 days of 200 rules, held Redis for tens of ms).
READ_FIELDS = 20_000
READ_DAYS = 64
FIRST_DAYS = 8  # the first pipeline's days, before a day's size is known


async def read_stats(client: Any, prefix: str, days: Iterable[str]) -> dict[str, dict[str, str]]:
    """``{day: {field: count}}`` for the given days (absent days are left out); the ledger
    too when ``LEDGER`` is one of them, read first, on its own: every count it holds is in
    the days read after it, unless Redis lost them (on Cluster, too, where a pipeline's nodes
    answer in any order).

    The days are read in pipelines of about READ_FIELDS fields (the next one's days set by the
    size of those read so far), and each reply is kept as the client made it (no copy): the
    work on the event loop between two of its turns is bounded by a pipeline, not the range.
    """
    wanted = list(days)
    out: dict[str, dict[str, str]] = {}
    if LEDGER in wanted:
        wanted.remove(LEDGER)
        if ledger := await client.hgetall(stats_key(prefix, LEDGER)):
            out[LEDGER] = _as_dict(ledger)
    done, step = 0, FIRST_DAYS
    while done < len(wanted):
        if done:
            await asyncio.sleep(0)  # between pipelines (none is in flight): others' turn
        chunk = wanted[done : done + step]
        async with client.pipeline(transaction=False) as pipe:
            for day in chunk:
                pipe.hgetall(stats_key(prefix, day))
            replies = await pipe.execute()
        fields = 0
        for day, reply in zip(chunk, replies, strict=True):
            if reply:
                out[day] = _as_dict(reply)
                fields += len(reply)
        done += len(chunk)
        step = max(1, min(READ_DAYS, READ_FIELDS * len(chunk) // max(fields, 1)))
    return out


def _as_dict(reply: Any) -> dict[str, str]:
    """An HGETALL reply as a dict: the client's own (RESP2's callback makes one), not copied."""
    return reply if isinstance(reply, dict) else dict(reply)


class Losses:
    """Counts (per day, as the ledger adds them up) the fast path could not write: refused
    (a full server's ``OOM``), failed, or dropped by a full write queue. Added to the ledger's
    ``lost|<day>`` fields after a record that succeeds (Redis takes writes again); a failed
    addition is noted again. At most what was lost: a visitor whose first exposure was not
    written is counted again on their next page view."""

    def __init__(self, cfg: RedisSettings) -> None:
        self.days: Counter[str] = Counter()
        self.ledger, self.retention = stats_key(cfg.key_prefix, LEDGER), cfg.stats_retention

    def note(self, counted: Mapping[tuple[str, str], int] | None) -> None:
        for (day, name), count in (counted or {}).items():
            if not name.startswith("h|"):
                self.days[day] += count

    def watch(
        self, counted: Mapping[tuple[str, str], int] | None, then: Callable[[Any], None], pipe: Any
    ) -> Callable[[Any], None]:
        """``then``, after noting ``counted`` when its record failed, or writing what was noted
        so far on ``pipe`` when it succeeded."""

        def settled(reply: Any) -> None:
            exc = None if reply.cancelled() else reply.exception()
            if reply.cancelled() or (exc is not None and not forgotten(exc)):
                self.note(counted)  # (after a NOSCRIPT the record is sent again, by text)
            elif exc is None and pipe.connected:
                if self.days:
                    self.write(pipe)
                if counted and (stale := stale_fields(self.ledger, self.retention)):
                    with contextlib.suppress(Exception):  # (stalled: the next day, then)
                        pipe.call("HDEL", self.ledger, *stale).add_done_callback(retrieved)
            then(reply)

        return settled if counted or self.days else then

    def write(self, pipe: Any) -> None:
        """The losses noted so far, into the ledger (noted again should that fail)."""
        days, self.days = self.days, Counter()
        for day, count in sorted(days.items()):
            try:
                sent = pipe.call("HINCRBY", self.ledger, f"lost|{day}", count)
            except Exception:  # (the pipeline's own refusal: stalled, too many waiting)
                self.days[day] += count
                continue
            sent.add_done_callback(lambda reply, d=day, n=count: self._written(reply, d, n))
        with contextlib.suppress(Exception):  # (a ledger only these made has an expiry too)
            pipe.call("EXPIREAT", self.ledger, ledger_expiry(self.retention)).add_done_callback(
                retrieved  # (a failure: the next counting write sets the expiry again)
            )

    def _written(self, reply: Any, day: str, count: int) -> None:
        if reply.cancelled() or reply.exception() is not None:
            self.days[day] += count


async def mark_first_days(store: Any, fields: list[str], day: str) -> None:
    """HSETNX each of ``fields`` to ``day`` in the ledger (the goals' first days: asgi/
    goalmarks.py), pipelined, within the write timeout, behind the breaker as every write;
    the ledger's expiry pushed on as a counting write does. Raises StoreError."""
    cfg = store.cfg
    key = stats_key(cfg.key_prefix, LEDGER)

    async def op() -> Any:
        async with store.client.pipeline(transaction=False) as pipe:
            for name in fields:
                pipe.hsetnx(key, name, day)
            pipe.expireat(key, ledger_expiry(cfg.stats_retention))
            return await pipe.execute()

    await store._run(op, cfg.write_timeout)
