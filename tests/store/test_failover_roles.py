"""The fast path's two connections when a failover changes the server's role, when the
breaker is open, and on a server that refuses the read-only script line (Redis 6)."""

from __future__ import annotations

import asyncio

import pytest
import redis

from omotenashi import EmbeddedRedis
from omotenashi.engine.change import Change
from omotenashi.ids import new_vid
from omotenashi.metrics import Metrics
from omotenashi.settings import RedisSettings
from omotenashi.store import privacy
from omotenashi.store.pipeline import Script
from omotenashi.store.store import Store

pytestmark = pytest.mark.anyio

DAY = 86400.0


def view(now: float) -> Change:
    return Change(now=now, view=True, new_visit=True, topics=["hawaii"])


async def test_a_server_turned_replica_makes_the_writes_connection_start_afresh() -> None:
    with EmbeddedRedis() as server:  # its own server: this one is demoted
        store = Store(RedisSettings(url=server.url, key_prefix="roles"), Metrics())
        store.connect(server.url)
        vid = new_vid()
        admin = redis.Redis.from_url(server.url)
        try:
            await store.record(vid, view(1000.0), DAY)
            await store.load(vid)
            fast = store.fast
            assert fast is not None and fast.can_write
            admin.execute_command("REPLICAOF", "127.0.0.1", "1")  # a primary that is not there
            await store.record_soon(vid, view(2000.0), DAY)  # refused: READONLY
            await asyncio.sleep(0)
            reconnects = not fast.can_write  # the next write connects again
            profile = await store.load(vid)  # reads go on: a replica answers them
            errors = store.metrics["record_error"], store.breaker.state
        finally:
            admin.execute_command("REPLICAOF", "NO", "ONE")
            admin.close()
            await store.aclose()
    assert reconnects and profile.views == 1
    assert errors == (1, "closed")


async def test_draining_asks_redis_nothing_so_it_never_closes_an_open_breaker(
    omotenashi_redis_url: str,
) -> None:
    cfg = RedisSettings(
        url=omotenashi_redis_url, key_prefix="roles", breaker_failures=1, breaker_reset=0.0
    )
    store = Store(cfg, Metrics())
    store.connect(omotenashi_redis_url)
    try:
        await store.load(new_vid())  # connected
        store.breaker.failure("opened by the test")
        await privacy._drain(store)  # nothing queued: no answer from Redis to go by
        state = store.breaker.state
    finally:
        await store.aclose()
    assert state == "open"


def test_a_connection_finds_the_script_switched_by_the_other_and_follows() -> None:
    script = Script("#!lua flags=no-writes\nreturn 1", "return 1")
    refusal = "ERR Unexpected flag in script shebang"
    assert script.plain_for(refusal)
    script.use("return 1")  # the reads' connection switched first
    assert script.plain_for(refusal)  # the writes' connection, refused later, loads it too
    assert not Script("return 1", "return 1").plain_for(refusal)  # nothing else to try


async def test_a_write_never_probes_an_open_breaker(omotenashi_redis_url: str) -> None:
    cfg = RedisSettings(
        url=omotenashi_redis_url, key_prefix="roles", breaker_failures=1, breaker_reset=0.0
    )
    store = Store(cfg, Metrics())
    store.connect(omotenashi_redis_url)
    vid = new_vid()
    try:
        await store.load(vid)  # connected
        store.breaker.pinger = None  # (no PING of its own at reset 0: the write is judged)
        store.breaker.failure("opened by the test")
        await store.record(vid, view(1000.0), DAY)  # a page view's: sent all the same
        after_write = store.breaker.state  # (shutdown55), its answer closing nothing
        await store.load(vid)  # a read is the probe, and its answer closes the breaker
        after_read = store.breaker.state
    finally:
        await store.aclose()
    assert (after_write, after_read) == ("open", "closed")
