"""The store's time limit behaves as ``asyncio.timeout``: the time running out is a
TimeoutError, anyone else's cancellation stays a cancellation (also when both come at once),
and a call that finishes in time leaves the task as it found it."""

from __future__ import annotations

import asyncio
import time

import pytest

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
