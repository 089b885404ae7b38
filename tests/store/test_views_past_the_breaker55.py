"""shutdown55: a worker just started (gunicorn --max-requests recycling it) stalled on its first
burst, its profile reads timed out and opened the breaker, and the records of pages it had
already personalised from reads Redis answered were refused ("circuit breaker open"): page
views lost, said at debug level only. A page view's record now goes even while the breaker is
open; other writes (a sign-in's merge) are still not sent; reads still wait for the probe."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
import redis

from omotenashi import EmbeddedRedis
from omotenashi.engine.change import Change
from omotenashi.errors import StoreError
from omotenashi.ids import new_vid
from omotenashi.store.store import Store

pytestmark = pytest.mark.anyio


def _open(store: Store) -> None:
    for _ in range(store.breaker.threshold):
        store.breaker.failure("timeout")
    assert store.breaker.state == "open"


async def test_a_page_view_is_written_while_the_breaker_is_open(
    store: Store, omotenashi_redis: redis.Redis
) -> None:
    _open(store)
    vid = new_vid()
    await store.record(vid, Change(now=time.time(), view=True, new_visit=True), 86400.0)
    assert omotenashi_redis.hget(store.key(vid, "p2"), "V") == "1"
    assert store.breaker.state == "open"  # (a write's answer does not close it)
    with pytest.raises(StoreError, match="circuit breaker open"):
        await store.merge(new_vid(), new_vid(), time.time(), 86400.0)


def test_the_user_agent_parser_is_built_at_startup(tmp_path: os.PathLike[str]) -> None:
    """In a process of its own: in this one, an earlier test may have built it. (Without a
    lifespan, daphne or --lifespan off, the first request builds it, as before.)"""
    code = f"""
import asyncio, sys
import ua_parser
from omotenashi import Omotenashi, Settings
async def app(scope, receive, send): pass
mw = Omotenashi(app, settings=Settings(secret_keys=["k" * 32], rules={{"dir": {str(tmp_path)!r}}},
    redis={{"url": sys.argv[1]}}))
async def main():
    await mw.startup()
    print("parser" in vars(ua_parser))
    await mw.shutdown()
asyncio.run(main())
"""
    with EmbeddedRedis() as server:
        out = subprocess.run(
            [sys.executable, "-c", code, server.url], capture_output=True, text=True, timeout=60
        )
    assert out.stdout.strip().splitlines()[-1:] == ["True"], out.stderr[-2000:]


def test_the_embedded_server_leaves_no_folder_even_when_killed() -> None:
    """shutdown55: `omotenashi demo` stopped by SIGTERM (uvicorn re-raises it: no clean-up runs)
    left an empty /tmp/omotenashi-redis-* folder each time. The server keeps nothing there."""
    server = EmbeddedRedis().start()
    try:
        folder = server._dir.name
        assert not os.path.exists(folder)
        assert redis.Redis.from_url(server.url).ping()
        server.stop()
        server.start()  # (again, on the same object: its folder made again, then let go)
        assert redis.Redis.from_url(server.url).ping()
        assert not os.path.exists(folder)
    finally:
        server.close()
