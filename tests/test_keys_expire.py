"""Every key Omotenashi writes has a TTL, so ``maxmemory-policy volatile-ttl`` (README, "Running
it in production") can evict any of them, one-visit profiles (a day) first. The demo shop,
through the whole stack against a real Redis: cookieless pages, browsing (interests,
co-views, measured rules), a cart and a purchase, sign-in (merge), a choice, sign-out."""

from __future__ import annotations

import pytest
import redis
from demo_site.app import create_app, demo_settings

from .conftest import ROOT, client_for

pytestmark = pytest.mark.anyio


async def test_every_key_written_expires(
    omotenashi_redis: redis.Redis, omotenashi_redis_url: str
) -> None:
    app = create_app(ROOT, demo_settings(ROOT, redis={"url": omotenashi_redis_url}))
    async with client_for(app) as anonymous:
        for path in ("/", "/tours/kyoto-autumn?utm_source=x&utm_campaign=winter-sale"):
            await anonymous.get(path)
            anonymous.cookies.clear()  # cookieless: a one-visit profile each
    async with client_for(app) as client:
        for path in ("/", "/tours/kyoto-autumn", "/tours/tokyo-lights", "/tours/kyoto-autumn"):
            await client.get(path)
        await client.post("/cart", data={"tour": "kyoto-autumn"})
        await client.post("/checkout", data={"name": "Ann"})
        await client.post("/login", data={"username": "qa-expiry"})
        await client.get("/tours/hawaii-family")
        prefs = (await client.get("/_omotenashi/preferences")).text
        csrf = prefs.split('name="csrf" value="')[1].split('"')[0]
        await client.post(
            "/_omotenashi/preferences", data={"csrf": csrf, "action": "dismiss", "rule": "x"}
        )
        await client.post("/club")
        await client.post("/logout")
    keys = sorted(omotenashi_redis.scan_iter(count=1000))
    assert len(keys) >= 4  # two one-visit profiles, the user's, the popular items
    assert sum(k.endswith(":p2") for k in keys) >= 3 and "omo:rec:pop" in keys
    forever = [k for k in keys if omotenashi_redis.ttl(k) < 0]
    assert forever == []
