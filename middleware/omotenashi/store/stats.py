"""Measurement statistics in Redis: one hash per UTC day, written with the visitor's record.

``<prefix>:stats:<YYYY-MM-DD>`` holds counters ``x|<arm>|<rule>`` (first exposures) and
``c|<arm>|<rule>|<goal>`` (conversions, filed under the exposure day). No visitor data is in
these keys. Each expires ``stats_retention`` seconds after its day ends. The counters are
queued on the record script's pipeline: one round trip on standalone Redis and Sentinel; on
Cluster (the day keys live in other slots than the visitor's) they go alongside it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from redis.exceptions import NoScriptError

from omotenashi.settings import RedisSettings

DAY = 86400


def stats_key(prefix: str, day: str) -> str:
    return f"{prefix}:stats:{day}"


def expire_at(day: str, retention: int) -> int:
    """Unix time at which a day's statistics go: the end of that (UTC) day plus ``retention``."""
    start = dt.datetime.combine(dt.date.fromisoformat(day), dt.time(), dt.UTC)
    return int(start.timestamp()) + DAY + retention


def queue_stats(pipe: Any, stats: Mapping[tuple[str, str], int], cfg: RedisSettings) -> None:
    """Queue the counters (HINCRBY) and each day key's expiry (EXPIREAT) on ``pipe``."""
    for (day, name), count in sorted(stats.items()):
        pipe.hincrby(stats_key(cfg.key_prefix, day), name, count)
    for day in sorted({day for day, _ in stats}):
        pipe.expireat(stats_key(cfg.key_prefix, day), expire_at(day, cfg.stats_retention))


async def record_with_stats(
    client: Any,
    script: Any,
    cfg: RedisSettings,
    keys: list[str],
    arg: str,
    stats: Mapping[tuple[str, str], int],
) -> None:
    """The record script and the counters in one pipeline (not a transaction), one round trip.

    EVALSHA rather than the Script object: a pipeline holding Script calls first asks SCRIPT
    EXISTS, a second round trip on every write. Only after a server restart (NOSCRIPT) is the
    script loaded and the record sent again; the counters went through already. On Cluster
    (where a pipeline may not hold scripts) the script call and the counters' pipeline, which
    the client splits per node, are sent at the same time.
    """
    if cfg.cluster:  # other slots, other nodes: the record and the counters go side by side
        async with client.pipeline(transaction=False) as pipe:
            queue_stats(pipe, stats, cfg)
            await asyncio.gather(script(keys=keys, args=[arg]), pipe.execute())
        return
    async with client.pipeline(transaction=False) as pipe:
        pipe.evalsha(script.sha, len(keys), *keys, arg)
        queue_stats(pipe, stats, cfg)
        results = await pipe.execute(raise_on_error=False)
    if isinstance(results[0], NoScriptError):
        await script(keys=keys, args=[arg])
        results = results[1:]
    for result in results:
        if isinstance(result, Exception):
            raise result


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
