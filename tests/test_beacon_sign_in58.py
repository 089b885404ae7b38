"""obs57: a sign-in does not reset the beacon's allowance. The beacon counts a visitor's events
a minute under their id; a sign-in merges the anonymous profile into the user's (store/merging.py
``RATE_CARRY``, in the merge script), and the user's count for the minute becomes at least the
anonymous one, on a counter that still expires. Against a real Redis (Valkey), through the
whole ASGI stack."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
import redis

from omotenashi import Settings
from omotenashi.engine.change import Change
from omotenashi.identity.cookie import user_profile_id

from .conftest import client_for
from .test_events import BEACON, mw

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]
PER_MINUTE = 5  # test_events.JOURNEY's beacon allowance


async def _beacon(client: httpx.AsyncClient) -> int:
    post = await client.post(
        BEACON, content='{"name": "video_play"}', headers={"content-type": "application/json"}
    )
    return post.status_code


async def test_signing_in_keeps_the_allowance_spent(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    async with client_for(mw(make_settings)) as client:
        await client.get("/")
        before = [await _beacon(client) for _ in range(PER_MINUTE - 1)]
        await client.post("/login/rin58")
        after = [await _beacon(client) for _ in range(2)]
    assert before == [204] * (PER_MINUTE - 1)
    assert after == [204, 429]  # the allowance's last event, then none: not a fresh minute
    (key,) = omotenashi_redis.keys("omo:{u*}:rate")  # the user's (the anonymous one erased)
    assert omotenashi_redis.get(key) == str(PER_MINUTE + 1)
    assert 0 < omotenashi_redis.ttl(key) <= 60  # still expires, within the minute


async def test_the_user_keeps_the_larger_count_and_a_window(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    """Another device's count for the user, higher than this one's, stays as it is; a lower one
    is raised to the anonymous count, on the longer rest of the two windows (never none)."""
    middleware = mw(make_settings)
    await middleware.startup()
    store, half_life = middleware.store, middleware.rules.current.journey.half_life
    high, low = user_profile_id("omotenashi", "high58"), user_profile_id("omotenashi", "low58")
    anons = ["a1" * 16, "b2" * 16]
    try:
        for anon in anons:
            await store.record(anon, Change(now=1.0, view=True, events={"x": 1}), half_life)
            for _ in range(3):
                await store.hit_rate_limit(anon, 100)
        omotenashi_redis.set(f"omo:{{{high}}}:rate", 7, ex=50)
        omotenashi_redis.set(f"omo:{{{low}}}:rate", 1, ex=5)
        assert await store.merge(anons[0], high, 2.0, half_life)
        assert await store.merge(anons[1], low, 2.0, half_life)
    finally:
        await middleware.shutdown()
    assert omotenashi_redis.get(f"omo:{{{high}}}:rate") == "7"
    assert 40 < omotenashi_redis.ttl(f"omo:{{{high}}}:rate") <= 50
    assert omotenashi_redis.get(f"omo:{{{low}}}:rate") == "3"
    assert 50 < omotenashi_redis.ttl(f"omo:{{{low}}}:rate") <= 60  # the anonymous window's
    assert not any(omotenashi_redis.exists(f"omo:{{{a}}}:rate") for a in anons)  # erased
