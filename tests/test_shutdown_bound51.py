"""A shutdown with Redis holding every write (CLIENT PAUSE WRITE) returns within the write
timeout, the tasks' writes and the queue's together: before, the tasks had the whole timeout
and then the queue had it again (twice the write timeout, where the README promises the one
setting, OMOTENASHI_REDIS_WRITE_TIMEOUT, as a server's graceful shutdown's bound)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import redis

from .test_redis40 import Make, site, view_own, visitors

pytestmark = pytest.mark.anyio
WRITE_TIMEOUT = 1.0


async def test_a_shutdown_with_writes_held_takes_the_write_timeout_once(
    make_settings: Make, embedded_redis_factory: Any
) -> None:
    server = embedded_redis_factory()
    mw = site(make_settings, server.url, write_timeout=WRITE_TIMEOUT)
    await mw.startup()
    clients = visitors(mw)
    admin = redis.Redis.from_url(server.url)
    try:
        await view_own(clients)
        await mw.drain()
        admin.execute_command("CLIENT", "PAUSE", 10_000, "WRITE")  # reads answer, writes wait
        # half the visitors view a new tour (a co-view to learn: written in a task), half the
        # home page (their page views queued)
        for n, c in enumerate(clients):
            await c.get(f"/tours/t{(n + 1) % len(clients)}" if n % 2 else "/")
        fast = mw.store.fast
        assert fast is not None
        held_tasks, queued = len(mw._writing), fast.writer.pending
        loop = asyncio.get_running_loop()
        began = loop.time()
        await mw.shutdown()
        took = loop.time() - began
    finally:
        admin.execute_command("CLIENT", "UNPAUSE")
        admin.close()
        for c in clients:
            await c.aclose()
    assert held_tasks and queued, (held_tasks, queued)  # both kinds of write were held
    # within the one timeout (and its event loop's wake-ups), not twice it
    assert took < WRITE_TIMEOUT * 1.5, took
