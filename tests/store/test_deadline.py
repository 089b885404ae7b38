"""The store's time limit behaves as ``asyncio.timeout``: the time running out is a
TimeoutError, anyone else's cancellation stays a cancellation (also when both come at once),
and a call that finishes in time leaves the task as it found it."""

from __future__ import annotations

import asyncio
import gc
import time
import weakref
from typing import Any

import pytest

from omotenashi.settings import Settings
from omotenashi.store.client import make_client
from omotenashi.store.deadline import Deadline

pytestmark = pytest.mark.anyio


async def test_the_time_running_out_is_a_timeout_error() -> None:
    never: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    with pytest.raises(TimeoutError):
        with Deadline(0.01) as deadline:
            await never
    assert deadline.expired and never.cancelled()
    assert asyncio.current_task().cancelling() == 0  # type: ignore[union-attr]


async def test_an_answer_in_time_is_returned_and_the_timer_stopped() -> None:
    loop = asyncio.get_running_loop()
    soon: asyncio.Future[int] = loop.create_future()
    loop.call_soon(soon.set_result, 7)
    with Deadline(5) as deadline:
        assert await soon == 7
    await asyncio.sleep(0.02)
    assert not deadline.expired
    assert asyncio.current_task().cancelling() == 0  # type: ignore[union-attr]


async def test_someone_elses_cancellation_stays_a_cancellation() -> None:
    async def call() -> None:
        with Deadline(5):
            await asyncio.sleep(10)

    task = asyncio.ensure_future(call())
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_a_cancellation_that_comes_with_the_timeout_stays_a_cancellation() -> None:
    async def call() -> None:
        with Deadline(0.01):
            time.sleep(0.03)  # both cancellations are due when the task next waits
            await asyncio.sleep(10)

    task = asyncio.ensure_future(call())
    asyncio.get_running_loop().call_later(0.01, task.cancel)
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_a_timeout_raised_inside_is_left_as_it_is() -> None:
    with pytest.raises(TimeoutError, match="inner"):
        with Deadline(5) as deadline:
            raise TimeoutError("inner")
    assert not deadline.expired


async def test_outside_a_task_it_refuses() -> None:
    loop = asyncio.get_running_loop()
    refused: asyncio.Future[str] = loop.create_future()

    def callback() -> None:  # on the event loop, but in no task
        try:
            Deadline(1)
        except RuntimeError as exc:
            refused.set_result(str(exc))

    loop.call_soon(callback)
    assert await refused == "Deadline should be used inside a task"


async def test_a_cancellation_swallowed_inside_does_not_outlast_the_time() -> None:
    """(redis50) On Python 3.11, ``asyncio.wait_for`` (around each of redis-py's sends)
    swallows a cancellation that arrives as what it waits for finishes; the block went on to
    redis-py's own socket timeout and retries (a 0.15 s read took 2.05 s). The time running
    out cancels again until the block ends, and every cancellation is taken back."""
    outcome = "hung"

    async def swallows_one() -> None:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            pass  # as 3.11's wait_for may, when its inner call finishes at that moment
        await asyncio.sleep(10)

    async def call() -> None:
        nonlocal outcome
        try:
            with Deadline(0.01):
                await swallows_one()
            outcome = "finished"
        except TimeoutError:
            outcome = f"timeout, cancelling {asyncio.current_task().cancelling()}"  # type: ignore[union-attr]

    task = asyncio.ensure_future(call())
    await asyncio.wait({task}, timeout=3)
    task.cancel()
    assert outcome == "timeout, cancelling 0"


async def test_a_read_under_a_paused_server_times_out_on_redis_py(
    omotenashi_redis_url: str, omotenashi_redis: Any
) -> None:
    """(redis50) The redis-py client (rediss://, Sentinel, Cluster, a URL with options): 100
    reads at once against a server paused for 1 s each end in the read's time limit; on the old
    code some waited out the pause and answered."""
    cfg = Settings(
        secret_keys=["k" * 20],
        redis={"url": omotenashi_redis_url, "read_timeout": 0.15, "write_timeout": 2.0},
    ).redis
    client, _ = make_client(omotenashi_redis_url, cfg)
    paused = asyncio.ensure_future(
        asyncio.to_thread(omotenashi_redis.execute_command, "CLIENT", "PAUSE", 1000, "ALL")
    )
    await asyncio.sleep(0.05)

    async def one() -> str:
        try:
            with Deadline(0.15):
                await client.get("x")
        except TimeoutError:
            return "timeout"
        return "answered"

    try:
        outcomes = await asyncio.gather(*(one() for _ in range(100)))
    finally:
        await paused
        await client.aclose()
        await asyncio.to_thread(omotenashi_redis.ping)  # (answered once the pause is over)
    assert outcomes == ["timeout"] * 100


def test_a_loop_closed_with_a_task_inside_a_limit_is_let_go() -> None:
    """(last58) A limit remembers which one a task is inside (store/deadline.py ``past_due``);
    a module-level record of it kept a task left inside one, and its closed loop, alive for
    the life of the process (a test's loop, a server killed mid-request)."""

    async def stuck(started: asyncio.Future[None]) -> None:
        with Deadline(30):
            started.set_result(None)
            await asyncio.get_running_loop().create_future()  # never answered

    loop = asyncio.new_event_loop()
    started = loop.create_future()
    task = loop.create_task(stuck(started))
    loop.run_until_complete(started)
    gone = weakref.ref(loop)
    loop.close()
    del task, loop, started
    gc.collect()
    assert gone() is None
