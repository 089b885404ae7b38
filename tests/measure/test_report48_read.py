"""report48: the report's Redis read (store/stats.read_stats) never holds the event loop long.

At 200 rules x 400 days it read every day in one pipeline, then copied each day's reply (480,000
fields) in one turn of the loop. Timing-free: a ticker task notes, at each of its turns, how
much memory the loop's work since its last turn built (tracemalloc's peak); no stretch may build
more than a small share of what the read holds (the old read built a sixth of it in one).
Against a real Redis; the cancelled read must leave no reply behind on a pooled connection."""

from __future__ import annotations

import asyncio
import datetime as dt
import tracemalloc
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
import redis

from omotenashi.measure.collect import read_days
from omotenashi.store import stats
from omotenashi.store.store import Store

from ..conftest import store_on

pytestmark = pytest.mark.anyio
TODAY = dt.datetime.now(dt.UTC).date()
CONNECTIONS = 4


def day(back: int) -> str:
    return (TODAY - dt.timedelta(days=back)).isoformat()


def fields(rules: int, salt: int = 0) -> dict[str, int]:
    """A day's counters of ``rules`` rules, as the record script writes them."""
    out: dict[str, int] = {}
    for n in range(rules):
        k = (n * 7 + salt * 13) % 97
        out |= {f"x|t|r{n}": 900 + k, f"x|c|r{n}": 100 + k, f"h|t10|r{n}": 900 + k}
        out |= {f"h|c10|r{n}": 100 + k, f"c|t|r{n}|buy": 90 + k, f"c|c|r{n}|buy": 8 + k}
    return out


def seed(client: redis.Redis, prefix: str, sizes: list[int], ledger: bool = True) -> None:
    """Day ``back`` (0: today) holds ``sizes[back]`` rules' counters (0: no hash)."""
    pipe = client.pipeline(transaction=False)
    for back, rules in enumerate(sizes):
        if rules:
            pipe.hset(stats.stats_key(prefix, day(back)), mapping=fields(rules, back))  # type: ignore[arg-type]
    if ledger:
        given = {day(back): 1000 * rules for back, rules in enumerate(sizes) if rules}
        pipe.hset(stats.stats_key(prefix, stats.LEDGER), mapping=given or {"x": 1})  # type: ignore[arg-type]
    pipe.execute()


def expected(client: redis.Redis, prefix: str, days: list[str]) -> dict[str, dict[str, str]]:
    """What one HGETALL per day reads (the ledger first), absent days left out."""
    out: dict[str, dict[str, str]] = {}
    for name in [stats.LEDGER, *days]:
        if got := client.hgetall(stats.stats_key(prefix, name)):
            out[name] = got  # type: ignore[assignment]
    return out


@pytest.fixture
async def prefixed(omotenashi_redis_url: str) -> AsyncIterator[Store]:
    """A store of its own key prefix on the test server, of a few connections (each closed
    within its connect timeout: a busy test machine's, not 0.25 s)."""
    prefix = f"p{uuid.uuid4().hex[:12]}"
    limits = {"max_connections": CONNECTIONS, "connect_timeout": 5.0}
    async with store_on(omotenashi_redis_url, key_prefix=prefix, **limits) as made:
        yield made


async def test_no_turn_of_the_loop_builds_much_of_a_year_of_200_rules(
    prefixed: Store, omotenashi_redis: redis.Redis
) -> None:
    prefix = prefixed.cfg.key_prefix
    seed(omotenashi_redis, prefix, [200] * 400)
    await prefixed.client.ping()  # (a connection made before the count)
    tracing = tracemalloc.is_tracing()
    if not tracing:
        tracemalloc.start()
    grown: list[int] = []  # per stretch of the loop's work between two turns of the ticker
    done = False

    async def ticker() -> None:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        while not done:
            await asyncio.sleep(0)
            now, peak = tracemalloc.get_traced_memory()
            grown.append(peak - before)
            before = now
            tracemalloc.reset_peak()

    try:
        ticking = asyncio.create_task(ticker())
        await asyncio.sleep(0)
        start = tracemalloc.get_traced_memory()[0]
        got = await read_days(prefixed, since=None, until=None, retention_days=400)
        held = tracemalloc.get_traced_memory()[0] - start
        done = True
        await ticking
    finally:
        if not tracing:
            tracemalloc.stop()
    assert len(got.days) == 401  # 400 days and the ledger: all of it read
    assert got.days == expected(omotenashi_redis, prefix, got.read)
    # the old read: 17 % of what it holds in one stretch (the copy of every day's reply);
    # now a socket read's share, about 2 %
    assert max(grown) < held / 20, (max(grown), held)


@pytest.mark.parametrize(
    "sizes",
    [
        [],  # no day: only the ledger asked for
        [1],
        [0, 0, 3],  # absent days left out
        [200] * 9,  # the first pipeline (8 days), then one more
        [1] * 150,  # small days: pipelines of READ_DAYS
        [0, 2000, 0, 5, 2000, *([1] * 20), 4000, 0, 7],  # sizes that change the pipelines' days
    ],
)
async def test_the_days_read_are_each_days_whole_hash_the_ledger_first(
    prefixed: Store, omotenashi_redis: redis.Redis, sizes: list[int]
) -> None:
    prefix = prefixed.cfg.key_prefix
    seed(omotenashi_redis, prefix, sizes)
    days = [day(back) for back in range(len(sizes))]
    got = await prefixed.read_stats([*days, stats.LEDGER])
    assert list(got) == list(expected(omotenashi_redis, prefix, days))  # in that order
    assert got == expected(omotenashi_redis, prefix, days)


@pytest.mark.parametrize("turns", [0, 1, 2, 5, 20, 100, 400])
async def test_a_read_cancelled_at_any_turn_leaves_no_reply_behind(
    prefixed: Store, omotenashi_redis: redis.Redis, turns: int
) -> None:
    prefix = prefixed.cfg.key_prefix
    seed(omotenashi_redis, prefix, [200] * 40)
    omotenashi_redis.set(f"{prefix}:mine", "its own reply")
    days = [day(back) for back in range(40)]
    reading = asyncio.create_task(prefixed.read_stats([*days, stats.LEDGER]))
    for _ in range(turns):
        await asyncio.sleep(0)
    reading.cancel()  # a client gone, a server's timeout, a shutdown
    try:
        await reading
    except asyncio.CancelledError:
        pass
    # every connection of the pool answers its own command, never a reply left behind
    client: Any = prefixed.client
    asked = 3 * CONNECTIONS
    answers = await asyncio.gather(*(client.get(f"{prefix}:mine") for _ in range(asked)))
    assert answers == ["its own reply"] * asked
    assert await prefixed.read_stats(days) == {
        name: fields for name, fields in expected(omotenashi_redis, prefix, days).items()
        if name != stats.LEDGER
    }  # fmt: skip
