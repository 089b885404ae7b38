"""crash61: a burst of page views written directly (not batched: a first view that teaches
recommendations) waited for a pooled connection for the connect timeout alone (0.25 s), then
failed with "No connection available" though the write's own limit (0.5 s) had time left:
those page views were lost. A call now waits within its own time limit."""

from __future__ import annotations

import asyncio

import pytest
import redis

from omotenashi.settingsredis import RedisSettings
from omotenashi.store.client import make_client

pytestmark = pytest.mark.anyio


async def test_a_burst_waits_for_a_connection_within_its_own_time_limit(
    omotenashi_redis_url: str, omotenashi_redis: redis.Redis
) -> None:
    cfg = RedisSettings(
        url=omotenashi_redis_url, connect_timeout=0.05, write_timeout=2.0, max_connections=2
    )
    client, _ = make_client(omotenashi_redis_url, cfg)
    pause = redis.Redis.from_url(omotenashi_redis_url)
    try:
        await client.ping()
        pause.execute_command("CLIENT", "PAUSE", 300, "WRITE")  # writes held 0.3 s

        async def write(n: int) -> object:
            async with asyncio.timeout(cfg.write_timeout):
                return await client.set(f"pool61:{n}", n, ex=60)

        done = await asyncio.gather(*(write(n) for n in range(8)), return_exceptions=True)
    finally:
        pause.execute_command("CLIENT", "UNPAUSE")
        pause.close()
        await client.aclose()
    assert done == [True] * 8  # (before: six "No connection available" after 0.05 s)
    assert omotenashi_redis.exists(*(f"pool61:{n}" for n in range(8))) == 8
