"""soak55 P2: on an event loop too busy to read Redis's answers in time (closed-loop clients
saturating the process), the answer sat in the socket while the read's time limit ran out in the
same pass of the loop: every read timed out, the breaker opened, and its half-open probe met the
same end, so personalisation stayed off for minutes while Redis answered at once. The time limit
now lets the loop read what has come before cancelling; a server that does not answer still
fails the read."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

import pytest
import redis

from omotenashi.errors import StoreError
from omotenashi.ids import new_vid
from tests.conftest import store_on

pytestmark = pytest.mark.anyio

CLIENTS = {"fast": "", "redis-py": "?health_check_interval=10"}  # (a URL with options: redis-py)


@asynccontextmanager
async def saturated(hogs: int = 10, each: float = 0.02) -> AsyncIterator[None]:
    """The loop busy: every pass runs ``hogs`` tasks that each hold it ``each`` seconds
    (0.2 s a pass by default, longer than the 0.15 s read limit)."""
    stop = False

    async def hog() -> None:
        while not stop:
            time.sleep(each)
            await asyncio.sleep(0)

    tasks = [asyncio.ensure_future(hog()) for _ in range(hogs)]
    await asyncio.sleep(0)
    try:
        yield
    finally:
        stop = True
        await asyncio.gather(*tasks)


@contextmanager
def paused(r: redis.Redis, ms: int) -> Iterator[None]:
    """(Its end waited for: an UNPAUSE would wait for it too.)"""
    r.execute_command("CLIENT", "PAUSE", ms, "ALL")
    yield
    r.ping()


@pytest.mark.parametrize("client", CLIENTS)
async def test_reads_answered_on_a_busy_loop_are_read(
    omotenashi_redis_url: str, omotenashi_redis: redis.Redis, client: str
) -> None:
    async with store_on(omotenashi_redis_url + CLIENTS[client], read_timeout=0.15) as store:
        await store.load(new_vid())  # (connected)
        async with saturated():
            outcomes = []
            for _ in range(4):
                try:
                    outcomes.append(type(await store.load(new_vid())).__name__)
                except StoreError as exc:
                    outcomes.append(str(exc))
        assert outcomes == ["Profile"] * 4
        assert store.breaker.state == "closed"
        assert store.metrics["redis_timeout"] == 0


async def test_an_open_breaker_closes_on_a_busy_loop(
    omotenashi_redis_url: str, omotenashi_redis: redis.Redis
) -> None:
    async with store_on(omotenashi_redis_url, read_timeout=0.15, breaker_reset=0.3) as store:
        await store.load(new_vid())
        for _ in range(store.breaker.threshold):
            store.breaker.failure("timeout")
        assert store.breaker.state == "open"
        async with saturated():
            states = []
            for _ in range(8):  # a new visitor's request asks (the background PING) ...
                store.healthy  # noqa: B018 (asked as a page would: it starts the probe)
                await asyncio.sleep(0.1)
                states.append(store.breaker.state)
                if states[-1] == "closed":
                    break
            profile = await store.load(new_vid())  # ... and a returning one reads
        assert states[-1] == "closed", states
        assert type(profile).__name__ == "Profile"


@pytest.mark.parametrize("client", CLIENTS)
async def test_a_server_that_does_not_answer_still_fails_the_read(
    omotenashi_redis_url: str, omotenashi_redis: redis.Redis, client: str
) -> None:
    """The loop's passes are waited for, not the server: a read of a paused server times out
    before the pause ends, busy loop or not."""
    async with store_on(omotenashi_redis_url + CLIENTS[client], read_timeout=0.15) as store:
        await store.load(new_vid())
        for busy in (False, True):
            async with saturated(hogs=5 if busy else 0):
                with paused(omotenashi_redis, 1500):  # (waited out, the read would answer)
                    with pytest.raises(StoreError, match="did not answer within 0.15s"):
                        await store.load(new_vid())
