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
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from typing import Any

from omotenashi.settings import RedisSettings

DAY = 86400


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
    ``h|t10|r``) -> ``r|r``, ``c|t|r|g`` -> ``g|r|g`` (the record script's ``measure`` names,
    without the profile's ``m``)."""
    kind, _, rest = counter.partition("|")
    return ("r|" if kind in ("x", "h") else "g|") + rest.partition("|")[2]


def record_call(
    keys: list[str], arg: str, stats: Mapping[tuple[str, str], int] | None, cfg: RedisSettings
) -> tuple[list[str], list[str]]:
    """The record script's keys and arguments, with the counters ``stats`` when there are any.

    ARGV[2] maps each record field to ``[key number, counter, amount]``, and a phase tag
    after (``h|t10|promo``, counted with ``x|t|promo``); the day keys follow the profile's
    keys, and ARGV[3...] are their expiry times, in the same order. On Cluster no day key is
    given (key number 0): the script answers which of those fields it set.
    """
    if not stats:
        return keys, [arg]
    days = [] if cfg.cluster else sorted({day for day, _ in stats})
    number = {day: len(keys) + 1 + i for i, day in enumerate(days)}
    spec: dict[str, list[object]] = {
        record_field(name): [number.get(day, 0), name, count]
        for (day, name), count in sorted(stats.items())
        if not name.startswith("h|")
    }
    for (_, name), _ in sorted(stats.items()):  # a tag goes with its exposure's counter
        if name.startswith("h|") and record_field(name) in spec:
            spec[record_field(name)].append(name)
    day_keys = [stats_key(cfg.key_prefix, day) for day in days]
    expiries = [str(expire_at(day, cfg.stats_retention)) for day in days]
    return [*keys, *day_keys], [arg, json.dumps(spec, separators=(",", ":")), *expiries]


def queue_stats(pipe: Any, stats: Mapping[tuple[str, str], int], cfg: RedisSettings) -> None:
    """Queue the counters (HINCRBY) and each day key's expiry (EXPIREAT) on ``pipe``."""
    for (day, name), count in sorted(stats.items()):
        pipe.hincrby(stats_key(cfg.key_prefix, day), name, count)
    for day in sorted({day for day, _ in stats}):
        pipe.expireat(stats_key(cfg.key_prefix, day), expire_at(day, cfg.stats_retention))


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


async def read_stats(client: Any, prefix: str, days: Iterable[str]) -> dict[str, dict[str, str]]:
    """``{day: {field: count}}`` for the given days (absent days are left out)."""
    wanted = list(days)
    if not wanted:
        return {}
    async with client.pipeline(transaction=False) as pipe:
        for day in wanted:
            pipe.hgetall(stats_key(prefix, day))
        replies = await pipe.execute()
    return {day: dict(reply) for day, reply in zip(wanted, replies, strict=True) if reply}
