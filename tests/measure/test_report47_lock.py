"""last47: a report request cancelled while its build is queued (not yet started) in the
report's pool left reportpage._building held: every later report was a 503 until a restart.
Through the middleware against a real Redis; the worker is held busy by an event (no timing)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable

import pytest

from omotenashi import Settings
from omotenashi.asgi import reportpage
from tests.conftest import client_for
from tests.measure.test_measure_middleware import middleware

pytestmark = pytest.mark.anyio
TOKEN = "a-long-report-token"
REPORT = "/_omotenashi/report"
BEARER = {"authorization": f"Bearer {TOKEN}"}


async def test_a_report_cancelled_while_queued_lets_the_next_be_built(
    make_settings: Callable[..., Settings],
) -> None:
    gate = threading.Event()
    blocker = reportpage._pool.submit(gate.wait, 30)  # the worker busy (as when the
    # previous build released the lock in _page's finally but its thread has not returned)
    mw = middleware(make_settings, measure={"report_token": TOKEN})
    async with client_for(mw, timeout=60) as client:
        await client.get("/")
        task = asyncio.create_task(client.get(REPORT, headers=BEARER))
        for _ in range(500):
            await asyncio.sleep(0.01)
            if reportpage._pool._work_queue.qsize() > 0:
                break
        assert reportpage._pool._work_queue.qsize() > 0
        task.cancel()  # client gone / server timeout / shutdown
        with pytest.raises(asyncio.CancelledError):
            await task
        gate.set()
        blocker.result()
        time.sleep(0.2)
        later = await client.get(REPORT, headers=BEARER)
        assert later.status_code == 200, later.text
