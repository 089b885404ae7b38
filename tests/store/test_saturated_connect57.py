"""last56 P2: on an event loop too busy to come back within the connect timeout (closed-loop
clients saturating the process), a connection that had to be opened anew (Redis restarted, a
proxy's idle close) never opened: the connect's own time limit ran out while its steps (the
socket's connect, the scripts' load) waited for passes of the loop, every read failed, and
personalisation stayed off while Redis answered at once. The connection's time limits now
let the loop read what has come, as a read's does (store/deadline.py); a server that does not
answer still fails."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time

import pytest
import redis

from omotenashi.errors import StoreError
from omotenashi.ids import new_vid
from omotenashi.store.pipeline import AutoPipeline, PipelineError
from omotenashi.store.store import Store
from tests.conftest import store_on
from tests.store.test_saturated_loop56 import paused, saturated

pytestmark = pytest.mark.anyio


def kill_connections(r: redis.Redis) -> None:
    r.execute_command("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes")


async def reads_until_served(store: Store, tries: int, past_breaker: bool = False) -> list[str]:
    """Each read's outcome (a Profile, or the error), until three in a row are served;
    ``past_breaker``: an open breaker's reset waited for (test_password_busy59)."""
    outcomes: list[str] = []
    for _ in range(tries):
        try:
            outcomes.append(type(await store.load(new_vid())).__name__)
        except StoreError as exc:
            outcomes.append(str(exc))
        if outcomes[-3:] == ["Profile"] * 3:
            break
        if past_breaker and outcomes[-1] == "circuit breaker open":
            await asyncio.sleep(store.cfg.breaker_reset / 2)
    return outcomes


async def test_a_connection_opened_anew_on_a_busy_loop_serves_reads(
    omotenashi_redis_url: str, omotenashi_redis: redis.Redis
) -> None:
    # (the connect timeout's default given: the tests' environment makes it 2 s)
    async with store_on(omotenashi_redis_url, read_timeout=0.15, connect_timeout=0.25) as store:
        await store.load(new_vid())  # (connected)
        async with saturated():  # 0.2 s a pass: longer than the connect timeout (0.25 s) ...
            kill_connections(omotenashi_redis)  # ... over the steps of a connection
            outcomes = await reads_until_served(store, 8)
        # the first reads may give up while the connection opens; then it serves them
        assert outcomes[-3:] == ["Profile"] * 3, outcomes
        assert store.breaker.state == "closed"


async def test_the_connection_opens_within_its_passes_on_a_busy_loop(
    omotenashi_redis_url: str,
) -> None:
    """The client's own connect: a socket's connect, then the scripts loaded (a round trip)."""
    pipe = AutoPipeline(omotenashi_redis_url, connect_timeout=0.25, stall=5.0)
    try:
        async with saturated():
            await pipe.connect()
            assert await pipe.execute("PING") == "PONG"
    finally:
        pipe.close()


async def test_a_server_that_does_not_answer_still_fails_the_connection(
    omotenashi_redis_url: str, omotenashi_redis: redis.Redis
) -> None:
    """The passes are waited for, not the server: a paused server's connection (its AUTH
    unanswered) fails before the pause ends, busy loop or not (at once on a quiet loop; on a
    busy one after the connect timeout and CONNECT_GRACE passes, 0.1 s each here)."""
    for busy, within in ((False, 1.0), (True, 4.0)):
        pipe = AutoPipeline(omotenashi_redis_url, connect_timeout=0.25, stall=5.0, scripts=())
        pipe.password = "x"  # (one command to answer when the connection opens: AUTH)
        try:
            async with saturated(hogs=5 if busy else 0):
                with paused(omotenashi_redis, 5000):
                    start = time.monotonic()
                    with pytest.raises(PipelineError, match="setting up the connection failed"):
                        await pipe.connect()
                    assert time.monotonic() - start < within
        finally:
            pipe.close()
            await asyncio.sleep(0)


async def test_a_connect_that_times_out_says_so() -> None:
    """(eye57) The error of a connect that got no answer read "cannot connect to Redis: "
    (an empty TimeoutError's text), saying nothing."""
    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    listening.listen(0)  # never accepted, its backlog filled: a connect waits (as blackholed)
    port = listening.getsockname()[1]
    filling = []
    for _ in range(4):
        waiting = socket.socket()
        waiting.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            waiting.connect(("127.0.0.1", port))
        filling.append(waiting)
    pipe = AutoPipeline(f"redis://127.0.0.1:{port}", connect_timeout=0.2, stall=1.0)
    try:
        with pytest.raises(PipelineError, match="cannot connect to Redis: timed out"):
            await pipe.connect()
    finally:
        pipe.close()
        for each in (*filling, listening):
            each.close()
