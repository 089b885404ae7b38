"""redis-py's connections (Sentinel, URLs with options the fast path does not read) opened anew
on an event loop too busy to come back within the connect timeout: before, the socket's
connect and the handshake ran under redis-py's wall-clock limit inside the read's task, the
read's limit cancelled them, every read failed and the breaker stayed open while Redis
answered at once (last56, left open in session 57). They open in a shielded task now, within
the connect timeout and CONNECT_GRACE passes (store/opening.py)."""

from __future__ import annotations

import asyncio
import gc
import time

import pytest
import redis

from omotenashi import Settings
from omotenashi.errors import StoreError
from omotenashi.ids import new_vid
from omotenashi.metrics import Metrics
from omotenashi.store.opening import OpenedConnection, OpenedSentinelConnection
from omotenashi.store.store import Store
from tests.conftest import store_on
from tests.store.test_saturated_connect57 import kill_connections, reads_until_served
from tests.store.test_saturated_loop56 import paused, saturated
from tests.test_sentinel import sentinel_url

pytestmark = pytest.mark.anyio

__all__ = ["sentinel_url"]  # (a fixture, used by name)

OPTIONS = "?health_check_interval=10"  # (a URL with an option the fast path does not read)


async def reads_at_once(store: Store, n: int) -> list[str]:
    """``n`` reads at once, each one's outcome (a Profile, or the error)."""

    async def one() -> str:
        try:
            return type(await store.load(new_vid())).__name__
        except StoreError as exc:
            return str(exc)

    return list(await asyncio.gather(*(one() for _ in range(n))))


def opened_of(store: Store) -> list[object]:
    pool = store.client.connection_pool
    return [*pool._available_connections, *pool._in_use_connections]


async def test_a_redis_py_connection_opened_anew_on_a_busy_loop_serves_reads(
    omotenashi_redis_url: str, omotenashi_redis: redis.Redis
) -> None:
    # (the connect timeout's default given: the tests' environment makes it 2 s)
    cfg = {"read_timeout": 0.15, "connect_timeout": 0.25}
    async with store_on(omotenashi_redis_url + OPTIONS, **cfg) as store:
        assert store.fast is None  # (redis-py's client, not the fast path)
        await store.load(new_vid())  # (connected)
        assert all(type(c) is OpenedConnection for c in opened_of(store))
        async with saturated():  # 0.2 s a pass: the connect timeout (0.25 s) is about one
            kill_connections(omotenashi_redis)
            outcomes = await reads_until_served(store, 10)
        # the first reads may give up while the connection opens; then it serves them
        assert outcomes[-3:] == ["Profile"] * 3, outcomes
        assert store.breaker.state == "closed"


@pytest.mark.parametrize("sentinel_url", ["open"], indirect=True)
async def test_reads_at_once_while_connections_open_never_take_a_handshakes_reply(
    sentinel_url: str,
) -> None:
    """Reads that gave up hand their connection back while it still opens: a read that takes
    it then waits for that opening. Before that wait (in the change's own first version), a
    read wrote on the socket before its handshake was answered and was given the handshake's
    reply ("Redis answered a read with what is not a profile")."""
    async with store_on(sentinel_url, read_timeout=0.15, connect_timeout=0.25) as store:
        await reads_at_once(store, 6)
        host, port = await store.client.connection_pool.get_master_address()
        with redis.Redis(host=host, port=port) as primary:
            seen: list[str] = []
            async with saturated(hogs=8):
                kill_connections(primary)
                for _ in range(8):
                    seen += await reads_at_once(store, 6)
                    await asyncio.sleep(store.cfg.breaker_reset / 4)
                deadline = time.monotonic() + 30  # (a loaded machine: more rounds, flake68)
                while "Profile" not in seen[-6:] and time.monotonic() < deadline:
                    seen += await reads_at_once(store, 6)
                    await asyncio.sleep(store.cfg.breaker_reset / 4)
        assert set(seen) <= {"Profile", "Redis did not answer within 0.15s", "circuit breaker open"}
        assert "Profile" in seen[-6:], seen


@pytest.mark.parametrize("sentinel_url", ["open"], indirect=True)
async def test_a_sentinel_primary_connection_opened_anew_on_a_busy_loop_serves_reads(
    sentinel_url: str,
) -> None:
    async with store_on(sentinel_url, read_timeout=0.15, connect_timeout=0.25) as store:
        await store.load(new_vid())
        assert all(type(c) is OpenedSentinelConnection for c in opened_of(store))
        host, port = await store.client.connection_pool.get_master_address()
        with redis.Redis(host=host, port=port) as primary:
            async with saturated():
                kill_connections(primary)
                outcomes = await reads_until_served(store, 10)
        assert outcomes[-3:] == ["Profile"] * 3, outcomes
        assert store.breaker.state == "closed"


async def test_a_server_that_does_not_answer_still_fails_the_opening(
    omotenashi_redis_url: str, omotenashi_redis: redis.Redis
) -> None:
    """The passes are waited for, not the server: with the server paused, a connection
    opened anew (its CLIENT SETINFO unanswered) fails within the connect timeout and the
    passes, and the read at its own limit; once the server answers, reads are served."""
    async with store_on(omotenashi_redis_url + OPTIONS, read_timeout=0.15) as store:
        await store.load(new_vid())
        kill_connections(omotenashi_redis)
        loop = asyncio.get_running_loop()
        with paused(omotenashi_redis, 1500):
            start = loop.time()
            outcome = await reads_until_served(store, 1)
            assert loop.time() - start < 1.0
            assert outcome == ["Redis did not answer within 0.15s"]
            opening = [c._opening for c in opened_of(store) if c._opening is not None]
            assert opening, "no connection was opening"
            await asyncio.wait([t for t in opening if not t.done()] or opening, timeout=1.2)
            assert all(t.done() for t in opening)  # (given up, the server still paused)
        await asyncio.sleep(store.cfg.breaker_reset)
        assert (await reads_until_served(store, 6))[-1] == "Profile"


async def test_a_store_closed_while_a_connection_opens_leaves_none_open(
    omotenashi_redis_url: str, omotenashi_redis: redis.Redis
) -> None:
    """A close from outside the opening ends it: no connection opens after its client closed,
    no task is left pending."""
    before = {c["id"] for c in omotenashi_redis.client_list()}
    async with store_on(omotenashi_redis_url + OPTIONS, read_timeout=0.05) as store:
        await store.load(new_vid())
        kill_connections(omotenashi_redis)
        async with saturated(hogs=5):
            await reads_until_served(store, 1)  # (gives up while the connection opens)
            opening = [c._opening for c in opened_of(store) if c._opening is not None]
            assert any(not t.done() for t in opening)
    await asyncio.sleep(0.3)
    gc.collect()
    assert all(t.done() for t in opening)
    after = {c["id"] for c in omotenashi_redis.client_list()}
    assert after <= before


@pytest.mark.parametrize("sentinel_url", ["open"], indirect=True)
@pytest.mark.parametrize("via", ["options", "sentinel"])
async def test_reads_waiting_for_openings_as_the_store_closes_fail_as_reads_do(
    omotenashi_redis_url: str, omotenashi_redis: redis.Redis, sentinel_url: str, via: str
) -> None:
    """(sentinel58) The app stopping closes the store while reads wait for connections being
    opened: each read fails as a failed read does (a StoreError: the page is served as the
    app made it), not with a cancellation nobody asked for; no connection is left open, the
    Sentinel's own neither (opened within the primary's opening, ended with it)."""
    url = omotenashi_redis_url + OPTIONS if via == "options" else sentinel_url
    store = Store(Settings(redis={"url": url, "read_timeout": 0.15}).redis, Metrics())
    store.connect(url)
    await store.load(new_vid())
    if via == "options":
        kill_connections(omotenashi_redis)
    else:
        host, port = await store.client.connection_pool.get_master_address()
        with redis.Redis(host=host, port=port) as primary:
            kill_connections(primary)
    async with saturated(hogs=5):
        reads = asyncio.ensure_future(reads_at_once(store, 30))
        await asyncio.sleep(0.01)
        await store.aclose()
        outcomes = await reads
    assert all(isinstance(said, str) for said in outcomes)  # (a CancelledError: raised here)
    await asyncio.sleep(0.3)
    gc.collect()  # (an unclosed connection: a ResourceWarning, an error under pytest here)
