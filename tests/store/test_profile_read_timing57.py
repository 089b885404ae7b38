"""obs57 P2: ``omotenashi_redis_read_seconds`` ("Seconds to read a profile") counted a page's
profile read twice when the page waited for it and something (the visitor's own pairs,
asgi/ownpairs.py) had asked to hear of it as it came: the reply's callback timed it, and so
did the wait. One read, one observation, however it is read."""

from __future__ import annotations

import asyncio

import pytest

from omotenashi.ids import new_vid
from omotenashi.metrics import Metrics
from omotenashi.settings import RedisSettings
from omotenashi.store.reading import ProfileRead
from omotenashi.store.store import Store

pytestmark = pytest.mark.anyio


def _reads(store: Store) -> int:
    timing = store.metrics.tally.timings.get("redis_read")
    return sum(timing.counts) if timing is not None else 0


@pytest.mark.parametrize("heard", [True, False], ids=["heard-as-it-came", "awaited-only"])
@pytest.mark.parametrize("waited", [True, False], ids=["waited-for", "already-here"])
async def test_one_profile_read_is_timed_once(
    omotenashi_redis_url: str, heard: bool, waited: bool
) -> None:
    store = Store(RedisSettings(url=omotenashi_redis_url, key_prefix="read57"), Metrics())
    store.connect(omotenashi_redis_url)
    try:
        await store.load(new_vid())  # (connected: the read goes out at once)
        before = _reads(store)
        reading = ProfileRead(store, new_vid())
        told: list[object] = []
        if heard:
            reading.when_here(told.append)
        if not waited:  # the reply came while the app ran: peeked, no waiting
            for _ in range(1000):
                if reading.peek() is not None:
                    break
                await asyncio.sleep(0.001)
        await reading.profile()
        await reading.profile()  # (asked again: the same read)
        assert _reads(store) - before == 1
        assert len(told) == heard
    finally:
        await store.aclose()
