"""A profile read that is sent and then never awaited (the response was a redirect, JSON, a
404: nothing to personalise) leaves nothing behind when it fails: no "Future exception was
never retrieved" from asyncio when the read is collected (a log line per request, on a real
Redis whose key holds the wrong type)."""

from __future__ import annotations

import asyncio
import gc
from typing import Any

import pytest
import redis

from omotenashi.ids import new_vid
from omotenashi.metrics import Metrics
from omotenashi.settings import RedisSettings
from omotenashi.store.reading import ProfileRead
from omotenashi.store.store import Store

pytestmark = pytest.mark.anyio


async def test_a_failed_read_nobody_awaits_is_not_reported_when_collected(
    omotenashi_redis_url: str, omotenashi_redis: redis.Redis
) -> None:
    store = Store(RedisSettings(url=omotenashi_redis_url, key_prefix="unawaited"), Metrics())
    store.connect(omotenashi_redis_url)
    loop = asyncio.get_running_loop()
    reported: list[dict[str, Any]] = []
    before = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, context: reported.append(context))
    vid = new_vid()
    try:
        await store.load(vid)  # connected: the next read goes by the fast path
        omotenashi_redis.set(store.key(vid, "p2"), "not a hash")  # WRONGTYPE in the script
        read = ProfileRead(store, vid)
        sent = read._sent
        assert sent is not None  # sent before anything awaited it
        await asyncio.wait({sent}, timeout=5)
        assert sent.done() and sent.exception() is not None  # the read failed
        # a second one, never looked at by the test either: only collected
        other = ProfileRead(store, vid)
        assert other._sent is not None
        await asyncio.wait({other._sent}, timeout=5)
        del read, sent, other
        gc.collect()
        await asyncio.sleep(0)
    finally:
        loop.set_exception_handler(before)
        omotenashi_redis.delete(store.key(vid, "p2"))
        await store.aclose()
    assert [c.get("message") for c in reported] == []
