"""shutdown55: stopping while Redis does not answer (hung, SIGSTOP) abandoned the queued page
views with one line about a closed pipeline; the stop now says how many were not confirmed."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import time

import pytest

from omotenashi import EmbeddedRedis
from omotenashi.engine.change import Change
from omotenashi.ids import new_vid
from omotenashi.metrics import Metrics
from omotenashi.settings import Settings
from omotenashi.store.store import Store

pytestmark = pytest.mark.anyio


async def test_a_stop_says_how_many_page_views_redis_did_not_confirm(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with EmbeddedRedis() as server:
        cfg = Settings(redis={"url": server.url, "write_timeout": 0.3}).redis
        store = Store(cfg, Metrics())
        store.connect(server.url)
        await store.load(new_vid())  # (connected, the writes' connection too)
        assert store.can_queue
        caplog.set_level(logging.WARNING, logger="omotenashi")
        assert server._proc is not None
        os.kill(server._proc.pid, signal.SIGSTOP)  # hung: no answer, no refusal
        try:
            for _ in range(3):
                store.record_soon(new_vid(), Change(now=time.time(), view=True), 86400.0)
            await asyncio.sleep(0)
            await store.aclose(asyncio.get_running_loop().time() + 0.3)
        finally:
            os.kill(server._proc.pid, signal.SIGCONT)
    said = [r.getMessage() for r in caplog.records if "not confirmed by Redis" in r.getMessage()]
    assert said and "stopping with 3 page view(s)" in said[0]
    # (concurrency67: then our own close of the connection, said as "Redis failed (... closed)")
    await asyncio.sleep(0.05)
    assert not [r for r in caplog.records if "Redis failed" in r.getMessage()]
    assert store.metrics["redis_error"] == 0
