"""Page views waiting for the writes' connection (right after startup, or after it dropped)
count against the write queue's limit and in ``pending`` (the ``omotenashi_records_pending``
gauge): past the limit a record is refused at once, counted once as ``record_dropped``, so
what a crash can lose stays at most the limit. On the real embedded server; no timing: the
tasks are sampled before their connection can have opened (it needs the socket)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
import redis

from omotenashi.engine.change import Change
from omotenashi.errors import StoreError, WriteQueueFull
from omotenashi.ids import new_vid
from omotenashi.metrics import Metrics
from omotenashi.settings import RedisSettings
from omotenashi.store.fastpath import FastPath
from omotenashi.store.store import Store

pytestmark = pytest.mark.anyio

DAY = 86400.0
LIMIT, VISITORS = 5, 12


def opened(url: str) -> tuple[Store, FastPath]:
    """A store on the fast path, neither connection open yet (as right after startup)."""
    cfg = RedisSettings(
        url=url, key_prefix="cold", write_queue_limit=LIMIT, write_batch_interval=0.01
    )
    store = Store(cfg, Metrics())
    store.connect(url)
    assert store.fast is not None
    return store, store.fast


def view() -> Change:
    return Change(now=1000.0, view=True, new_visit=True, topics=["hawaii"])


Started = tuple[list[asyncio.Task[None]], list[int], asyncio.Task[None]]


async def visitors(store: Store, fast: FastPath) -> Started:
    """VISITORS new visitors' page views at once, and ``pending`` as sampled on every turn
    of the loop until they are all done (by the last task); returned once every page view
    has taken its first step."""
    tasks = [asyncio.ensure_future(store.record(new_vid(), view(), DAY)) for _ in range(VISITORS)]
    seen: list[int] = []

    async def sample() -> None:
        while not all(task.done() for task in tasks):
            seen.append(fast.writer.pending)
            await asyncio.sleep(0)

    sampler = asyncio.ensure_future(sample())
    await asyncio.sleep(0)  # every task has reached the connect (or been refused)
    return tasks, seen, sampler


def outcomes(tasks: list[asyncio.Task[None]]) -> Callable[[type[BaseException]], int]:
    def count(kind: type[BaseException]) -> int:
        return sum(1 for t in tasks if not t.cancelled() and isinstance(t.exception(), kind))

    return count


async def test_page_views_waiting_for_the_connection_count_against_the_limit(
    embedded_redis_factory: Any,
) -> None:
    server = embedded_redis_factory()
    store, fast = opened(server.url)
    admin = redis.Redis.from_url(server.url)
    try:
        tasks, seen, sampler = await visitors(store, fast)
        assert not fast.can_write  # still connecting: these records wait in their tasks
        assert fast.writer.pending == LIMIT  # counted, and in the gauge
        assert store.metrics["record_dropped"] == VISITORS - LIMIT  # refused at once
        await asyncio.wait([*tasks, sampler])
        await fast.drain()
        assert outcomes(tasks)(WriteQueueFull) == VISITORS - LIMIT
        assert sum(1 for t in tasks if t.exception() is None) == LIMIT
        assert max(seen) == LIMIT  # never above the limit while they waited
        assert fast.writer.pending == 0 and fast.writer.waiting == 0
        assert store.metrics["record_dropped"] == VISITORS - LIMIT  # once each
        assert store.metrics["record_error"] == 0 and store.metrics["redis_error"] == 0
        assert len(admin.keys("cold:{*}:p2")) == LIMIT  # exactly the limit written
        text = store.metrics.exposition().decode()
        assert "omotenashi_records_pending 0.0" in text
    finally:
        admin.close()
        await store.aclose()


async def test_a_connect_that_fails_or_a_cancelled_wait_stops_counting(
    embedded_redis_factory: Any,
) -> None:
    server = embedded_redis_factory()
    url = server.url
    server.stop()  # nobody listens there now: every connect is refused
    store, fast = opened(url)
    try:
        for _ in range(2):  # the second round finds the queue empty again, not still full
            dropped = store.metrics["record_dropped"]
            tasks, _, sampler = await visitors(store, fast)
            assert fast.writer.pending == LIMIT
            assert store.metrics["record_dropped"] == dropped + VISITORS - LIMIT
            waiting = [t for t in tasks if not t.done()]
            waiting[0].cancel()  # the request gave up (its write timeout)
            await asyncio.wait([waiting[0]])
            assert fast.writer.pending == LIMIT - 1
            await asyncio.wait([*tasks, sampler])
            assert fast.writer.pending == 0 and fast.writer.waiting == 0
            count = outcomes(tasks)
            assert count(WriteQueueFull) == VISITORS - LIMIT
            assert count(StoreError) - count(WriteQueueFull) == LIMIT - 1  # refused connects
    finally:
        await store.aclose()
