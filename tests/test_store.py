from __future__ import annotations

import asyncio
import time

import pytest
import redis

from omotenashi import Settings, StoreError
from omotenashi.engine.change import Change
from omotenashi.ids import new_vid
from omotenashi.metrics import Metrics
from omotenashi.store.store import Breaker, Store

pytestmark = pytest.mark.anyio
DAY = 86400.0


def make_store(url: str, **redis_settings: float) -> Store:
    store = Store(Settings(redis={"url": url, **redis_settings}).redis, Metrics())
    store.connect(url)
    return store


async def test_an_unknown_visitor_has_an_empty_profile(omotenashi_redis_url: str) -> None:
    store = make_store(omotenashi_redis_url)
    try:
        profile = await store.load(new_vid())
    finally:
        await store.aclose()
    assert (profile.views, profile.visits, profile.interests) == (0, 0, {})


async def test_a_recorded_page_view_is_loaded_back(
    omotenashi_redis_url: str, omotenashi_redis: redis.Redis
) -> None:
    store = make_store(omotenashi_redis_url)
    vid = new_vid()
    first = Change(
        now=1000.0,
        view=True,
        new_visit=True,
        topics=["hawaii", "family"],
        shown=["hero-a"],
        first={"utm_source": "mail"},
    )
    again = Change(
        now=1000.0, view=True, topics=["hawaii"], shown=["hero-a"], first={"utm_source": "other"}
    )
    try:
        await store.record(vid, first, DAY)
        await store.record(vid, again, DAY)
        profile = await store.load(vid)
    finally:
        await store.aclose()
    assert (profile.views, profile.visits) == (2, 1)
    assert (profile.first_seen, profile.last_seen) == (1000.0, 1000.0)
    assert profile.interest_now(1000.0, DAY) == {"hawaii": 2.0, "family": 1.0}
    assert profile.shown == {"hero-a": 2}
    assert profile.first_touch == {"utm_source": "mail"}  # the first visit's, kept
    keys = sorted(omotenashi_redis.keys("*"))
    assert keys == [f"omo:{{{vid}}}:p2"]  # one hash per visitor (store/scripts.py)
    for key in keys:  # idle profiles expire
        assert 0 < omotenashi_redis.ttl(key) <= 90 * 24 * 3600


async def test_concurrent_writes_to_one_profile_all_count(omotenashi_redis_url: str) -> None:
    store = make_store(omotenashi_redis_url)
    vid = new_vid()
    try:
        await asyncio.gather(
            *(
                store.record(
                    vid, Change(now=5000.0, view=True, topics=["kyoto"], events={"like": 1}), DAY
                )
                for _ in range(100)
            )
        )
        profile = await store.load(vid)
    finally:
        await store.aclose()
    assert profile.views == 100 and profile.events == {"like": 100}
    assert profile.interest_now(5000.0, DAY) == {"kyoto": 100.0}


async def test_timeouts_under_load_never_leave_a_connection_one_reply_behind(
    omotenashi_redis_url: str, omotenashi_redis: redis.Redis
) -> None:
    """redis-py CVE-2023-28859: a command cancelled mid-read must not poison its connection."""
    visitors = [new_vid() for _ in range(40)]
    for index, vid in enumerate(visitors):
        omotenashi_redis.hset(f"omo:{{{vid}}}:p2", mapping={"V": index + 1})
    store = make_store(
        omotenashi_redis_url, read_timeout=0.01, max_connections=20, breaker_reset=0.1
    )
    try:
        for _ in range(3):
            omotenashi_redis.execute_command("CLIENT", "PAUSE", "200", "ALL")
            results = await asyncio.gather(
                *(store.load(v) for v in visitors), return_exceptions=True
            )
            timed_out = [r for r in results if isinstance(r, StoreError)]
            assert timed_out, "the pause should have made reads time out"
            for index, result in enumerate(results):  # whatever did answer is the right visitor
                assert isinstance(result, StoreError) or result.views == index + 1
            await asyncio.sleep(0.3)  # the paused replies arrive now, on whatever is still open
            store.cfg = store.cfg.model_copy(update={"read_timeout": 2.0})
            assert (await store.load(visitors[0])).views == 1  # the breaker's probe: closed
            loaded = await asyncio.gather(*(store.load(v) for v in visitors))
            assert [p.views for p in loaded] == list(range(1, 41))
            store.cfg = store.cfg.model_copy(update={"read_timeout": 0.01})
    finally:
        await store.aclose()
    assert store.metrics["redis_timeout"] >= 3


async def test_a_dead_server_fails_fast_and_opens_the_breaker(embedded_redis_factory) -> None:  # type: ignore[no-untyped-def]
    server = embedded_redis_factory()
    store = make_store(server.url, breaker_failures=2, breaker_reset=60)
    server.stop()
    try:
        for _ in range(2):
            with pytest.raises(StoreError):
                await store.load(new_vid())
        with pytest.raises(StoreError, match="breaker open"):
            await store.load(new_vid())
    finally:
        await store.aclose()
    assert store.metrics["redis_error"] == 2 and store.metrics["breaker_open"] == 1


def test_breaker_half_opens_after_the_reset_time() -> None:
    breaker = Breaker(failures=1, reset=0.05)
    breaker.failure()
    assert not breaker.allow()
    time.sleep(0.06)
    assert breaker.allow()  # one probe goes through
    assert not breaker.allow()  # the others wait for its answer
    breaker.success()
    assert breaker.allow()
