"""The eviction-policy warning is asked again as an outage ends (ops63 P3): a server restarted
with ``maxmemory-policy allkeys-lru`` (its config file changed meanwhile) was never warned of,
the policy being read only as the app started. A real Valkey of the test's own, the breaker
opened as a request's failure opens it, closed by its own PING."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import pytest
import redis
from demo_site.app import create_app, demo_settings

from omotenashi import EmbeddedRedis, Omotenashi
from omotenashi.store import breaker as breaker_module
from omotenashi.store import memory

from ..conftest import ROOT, client_for

pytestmark = pytest.mark.anyio


def warned(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "maxmemory-policy" in r.getMessage()]


async def test_a_server_back_with_an_evicting_policy_is_warned_of(
    embedded_redis_factory: Callable[..., EmbeddedRedis],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.WARNING, logger="omotenashi")
    monkeypatch.setattr(breaker_module, "PING_EVERY", 0.05)
    monkeypatch.setattr(memory, "_SAID", set())  # (said once per process and server)
    server = embedded_redis_factory()
    r = redis.Redis.from_url(server.url, decode_responses=True)
    redis_settings = {"url": server.url, "breaker_failures": 1, "breaker_reset": 0.05}
    app: Omotenashi = create_app(ROOT, demo_settings(ROOT, redis=redis_settings))
    async with client_for(app) as visitor:
        assert (await visitor.get("/")).status_code == 200
        await asyncio.sleep(0.1)  # (the startup's check, in the background)
        assert warned(caplog) == []  # no maxmemory: nothing is evicted
        r.config_set("maxmemory", "1gb")  # the server as restarted with another config
        r.config_set("maxmemory-policy", "allkeys-lru")
        app.store.breaker.failure("Connection lost")  # an outage, as a request met it
        assert app.store.breaker.state == "open"
        for _ in range(100):
            if warned(caplog):
                break
            await asyncio.sleep(0.02)
        assert app.store.breaker.state == "closed"
        (line,) = warned(caplog)
        assert "maxmemory-policy allkeys-lru" in line and "volatile-ttl" in line
    r.close()
