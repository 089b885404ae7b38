"""A failover holds writes (``CLIENT PAUSE ... WRITE``), including the store's own page view:
reads must not wait behind it. On the fast path the page views have a connection of their own
(store/fastpath.py); a read follows its own visitor's unanswered write only until the server
has held that write longer than the read timeout."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
import redis

from omotenashi import StoreError
from omotenashi.engine.change import Change
from omotenashi.ids import new_vid
from omotenashi.metrics import Metrics
from omotenashi.settings import RedisSettings
from omotenashi.store.fastpath import FastPath
from omotenashi.store.reading import ProfileRead
from omotenashi.store.replies import profile_from_reply
from omotenashi.store.store import Store

pytestmark = pytest.mark.anyio

DAY = 86400.0
PATHS = {"fast": "", "redis-py": "?socket_keepalive=true"}


def view(now: float) -> Change:
    return Change(now=now, view=True, new_visit=True, topics=["hawaii"])


def opened(url: str) -> Store:
    store = Store(RedisSettings(url=url, key_prefix="failover"), Metrics())
    store.connect(url)
    return store


@contextlib.asynccontextmanager
async def visited(url: str) -> AsyncIterator[tuple[Store, FastPath, str, list[str]]]:
    """A store on the fast path, both connections open, and a visitor with one page view."""
    store = opened(url)
    vid = new_vid()
    try:
        await store.record(vid, view(1000.0), DAY)
        await store.load(vid)
        assert store.fast is not None
        yield store, store.fast, vid, store.keys(vid)
    finally:
        await store.aclose()


@pytest.mark.parametrize("options", PATHS.values(), ids=list(PATHS))
async def test_reads_answer_while_the_stores_own_page_view_is_held(
    options: str, omotenashi_redis_url: str, omotenashi_redis: redis.Redis
) -> None:
    store = opened(omotenashi_redis_url + options)
    mine, theirs = new_vid(), new_vid()
    try:
        for vid in (mine, theirs):
            await store.record(vid, view(1000.0), DAY)
            await store.load(vid)  # connected, scripts loaded
        omotenashi_redis.execute_command("CLIENT", "PAUSE", "1500", "WRITE")
        held = asyncio.ensure_future(store.record(mine, view(2000.0), DAY))
        await asyncio.wait({held}, timeout=0.3)  # sent, and held past the read timeout
        started = time.monotonic()
        other = await store.load(theirs)  # another visitor's read: not behind the write
        own = await store.load(mine)  # their own: without the page view still held
        answered = time.monotonic() - started
        with contextlib.suppress(StoreError):  # the caller's wait ends at the write timeout
            await held
    finally:
        omotenashi_redis.execute_command("CLIENT", "UNPAUSE")
        await store.aclose()
    assert (other.views, own.views) == (1, 1)
    assert answered < 1.0, f"the reads waited {answered:.2f}s for the paused write"


async def test_a_page_view_held_by_a_short_pause_is_written_after_it(
    omotenashi_redis_url: str, omotenashi_redis: redis.Redis
) -> None:
    store = opened(omotenashi_redis_url)
    vid = new_vid()
    try:
        await store.record(vid, view(1000.0), DAY)
        omotenashi_redis.execute_command("CLIENT", "PAUSE", "800", "WRITE")
        with contextlib.suppress(StoreError):  # the caller stops waiting; the write stays
            await store.record(vid, view(2000.0), DAY)
        views = 0
        for _ in range(40):  # the pause ends: the held write is applied, not lost
            views = (await store.load(vid)).views
            if views == 2:
                break
            await asyncio.sleep(0.05)
        fast = store.fast
        assert fast is not None
        await fast.drain()
        writing = dict(fast.writing)
    finally:
        omotenashi_redis.execute_command("CLIENT", "UNPAUSE")
        await store.aclose()
    assert views == 2
    assert writing == {}  # every answered write forgotten: reads go on their own connection


async def test_a_read_follows_its_visitors_unanswered_write(omotenashi_redis_url: str) -> None:
    store = opened(omotenashi_redis_url)
    vid = new_vid()
    try:
        await store.record(vid, view(1000.0), DAY)
        fast = store.fast
        assert fast is not None
        writes = [asyncio.ensure_future(store.record(vid, view(1000.0 + n), DAY)) for n in (1, 2)]
        await asyncio.sleep(0)  # queued
        fast.writer.flush()  # sent, not answered yet
        keys = store.keys(vid)
        followed = fast._behind_write(keys)
        elsewhere = not fast._behind_write(store.keys(new_vid()))
        profile = await store.load(vid)
        await asyncio.gather(*writes)
    finally:
        await store.aclose()
    assert followed and elsewhere
    assert profile.views == 3  # the read went behind both writes


async def test_a_read_sent_behind_a_held_write_is_sent_again_on_its_own(
    omotenashi_redis_url: str, omotenashi_redis: redis.Redis
) -> None:
    store = opened(omotenashi_redis_url)
    vid = new_vid()
    keys = store.keys(vid)
    try:
        await store.record(vid, view(1000.0), DAY)
        await store.load(vid)  # both connections open
        fast = store.fast
        assert fast is not None
        omotenashi_redis.execute_command("CLIENT", "PAUSE", "1500", "WRITE")
        assert store.can_queue
        write = store.record_soon(vid, view(2000.0), DAY)  # queued, as a page view is
        sent = fast.begin_load(keys)  # the write goes out, and the read behind it
        behind = sent in fast._behind
        profile = profile_from_reply(await fast.finish_load(sent, keys))
        failures = store.breaker.failures, store.metrics["redis_timeout"]
        omotenashi_redis.execute_command("CLIENT", "UNPAUSE")
        await asyncio.wait_for(write, 5)  # written once the pause ends
    finally:
        omotenashi_redis.execute_command("CLIENT", "UNPAUSE")
        await store.aclose()
    assert behind and sent.cancelled()  # followed the write, then given up on
    assert profile.views == 1 and failures == (0, 0)


@pytest.mark.parametrize("options", PATHS.values(), ids=list(PATHS))
async def test_page_views_a_pause_times_out_do_not_open_the_breaker(
    options: str, omotenashi_redis_url: str, omotenashi_redis: redis.Redis
) -> None:
    url = omotenashi_redis_url + options
    store = Store(RedisSettings(url=url, key_prefix="failover", breaker_failures=1), Metrics())
    store.connect(url)
    vid = new_vid()
    try:
        await store.record(vid, view(1000.0), DAY)
        await store.load(vid)
        omotenashi_redis.execute_command("CLIENT", "PAUSE", "1500", "WRITE")
        writes = [store.record(new_vid(), view(2000.0), DAY) for _ in range(3)]
        timed_out = await asyncio.gather(*writes, return_exceptions=True)
        state = store.breaker.state
        profile = await store.load(vid)  # pages still read profiles
    finally:
        omotenashi_redis.execute_command("CLIENT", "UNPAUSE")
        await store.aclose()
    assert all(isinstance(r, StoreError) for r in timed_out)
    assert store.metrics["redis_timeout"] == 3  # counted, and logged
    assert state == "closed" and profile.views == 1


async def test_a_read_behind_a_write_answers_when_only_the_writes_connection_breaks(
    omotenashi_redis_url: str, omotenashi_redis: redis.Redis
) -> None:
    async with visited(omotenashi_redis_url) as (store, fast, vid, keys):
        write = store.record_soon(vid, view(2000.0), DAY)
        sent = fast.begin_load(keys)  # behind the page view, on the writes' connection
        behind = sent in fast._behind
        fast.wpipe.drop("broken by the test")  # the page view and the read behind it fail
        profile = profile_from_reply(await fast.finish_load(sent, keys))
        await write
        failures, errors = store.breaker.failures, store.metrics["record_error"]
    # read again on the reads' own connection (the page view may have landed before the break)
    assert behind and profile.views in (1, 2)
    assert (failures, errors) == (0, 1)  # the page view counted as failed, the breaker untouched


async def test_a_busy_loop_does_not_send_a_read_ahead_of_its_own_page_view(
    omotenashi_redis_url: str,
) -> None:
    async with visited(omotenashi_redis_url) as (store, fast, vid, keys):
        others = store.record_soon(new_vid(), view(1000.0), DAY)
        fast.writer.flush()  # another visitor's page view is sent ...
        time.sleep(2 * fast.held_after)  # ... and its reply waits, unread, on a busy loop
        write = store.record_soon(vid, view(2000.0), DAY)
        sent = fast.begin_load(keys)
        profile = profile_from_reply(await fast.finish_load(sent, keys))
        await asyncio.gather(write, others)
    assert profile.views == 2  # this visitor's own page view is not held: the read follows it


READS_ON_PAGES = {
    "page": lambda store, vid: ProfileRead(store, vid).profile(),
    "item-page": lambda store, vid: store.load_visit(vid, None),
}


@pytest.mark.parametrize("read", READS_ON_PAGES.values(), ids=list(READS_ON_PAGES))
async def test_a_page_waits_for_its_visitors_slow_write_no_longer_than_a_read(
    read: Any, omotenashi_redis_url: str
) -> None:
    url = omotenashi_redis_url + "?socket_keepalive=true"  # the redis-py path: writes in tasks
    cfg = RedisSettings(url=url, key_prefix="failover", read_timeout=0.1, write_timeout=30)
    store = Store(cfg, Metrics())
    store.connect(url)
    vid = new_vid()
    slow: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    try:
        await store.record(vid, view(1000.0), DAY)
        store.writing(vid, slow)  # this visitor's last page view, still on its way
        got = await asyncio.wait_for(read(store, vid), 10)
        waiting = not slow.done()
    finally:
        slow.cancel()
        await store.aclose()
    profile = got[0] if isinstance(got, tuple) else got
    assert waiting and profile.views == 1  # read without the write it gave up waiting for


async def test_a_read_sent_on_its_own_goes_after_the_page_view_queued_just_before(
    omotenashi_redis_url: str,
) -> None:
    """Two requests of one visitor in flight: their first page view's reply waits unread past
    ``held_after`` (a busy loop), so their next read goes on the reads' connection; the page
    view queued just before it must still reach Redis first."""
    async with visited(omotenashi_redis_url) as (store, fast, vid, keys):
        first = store.record_soon(vid, view(2000.0), DAY)
        fast.writer.flush()  # page view 1, sent
        time.sleep(2 * fast.held_after)  # its reply waits, unread
        second = store.record_soon(vid, view(3000.0), DAY)  # page view 2, at the last byte
        sent = fast.begin_load(keys)  # the next read, in the same tick
        on_its_own = sent not in fast._behind
        profile = profile_from_reply(await fast.finish_load(sent, keys))
        await asyncio.gather(first, second)
    assert on_its_own and profile.views == 3
