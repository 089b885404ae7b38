"""workers58: a form's post answered with a redirect (a booking, an "add to cart", a sign-in's
``remember``) is followed by the browser within a millisecond, often to another worker, whose
read sees only what has landed in Redis. Such a response now waits for its record before it
starts; a page view alone is still written after its response, batched (goal 3)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
import redis

from omotenashi import Omotenashi
from omotenashi.testing import Written

from .test_events import JOURNEY, RULES, Make, hero, shop

pytestmark = pytest.mark.anyio

SLOW_BATCH = {"write_batch_interval": 0.3}  # (a page view's write waits that long to go)


@asynccontextmanager
async def two_workers(make_settings: Make) -> AsyncIterator[tuple[httpx.AsyncClient, ...]]:
    """Two middleware stacks (two workers: a store and a write queue each) on one Redis, a
    client for each; ``a``'s requests return when its app does, not when its writes land."""
    settings = make_settings(RULES, journey=JOURNEY, redis=SLOW_BATCH)
    a, b = Omotenashi(shop(), settings=settings), Omotenashi(shop(), settings=settings)
    await a.startup()
    await b.startup()
    url = "http://shop.test"
    try:
        async with (
            httpx.AsyncClient(transport=httpx.ASGITransport(app=a), base_url=url) as on_a,
            httpx.AsyncClient(transport=httpx.ASGITransport(app=Written(b)), base_url=url) as on_b,
        ):
            yield on_a, on_b
    finally:
        await a.shutdown()
        await b.shutdown()


@pytest.mark.parametrize("post", ["/add/kyoto", "/buy"])
async def test_a_forms_redirect_is_written_before_it_starts(make_settings: Make, post: str) -> None:
    async with two_workers(make_settings) as (on_a, on_b):
        await on_a.get("/")
        await asyncio.sleep(0.5)  # (the first page's write landed)
        sent = await on_a.post(post)
        assert sent.status_code == 303
        on_b.cookies = on_a.cookies
        expected = "consideration" if post == "/add/kyoto" else "purchase"
        assert hero(await on_b.get("/")) == f"Stage {expected}"  # the other worker sees it


async def test_a_page_view_alone_is_still_written_after_its_response(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    async with two_workers(make_settings) as (on_a, _):
        await on_a.get("/")
        await asyncio.sleep(0.5)
        [key] = omotenashi_redis.keys("omo:*:p2")
        views = omotenashi_redis.hget(key, "V")
        await on_a.get("/")  # (its response returned: its write waits for the batch)
        assert omotenashi_redis.hget(key, "V") == views
        await asyncio.sleep(0.5)
        assert omotenashi_redis.hget(key, "V") != views
