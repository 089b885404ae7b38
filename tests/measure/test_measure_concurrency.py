"""One visitor's concurrent requests count once: each read "not counted yet" before any wrote,
and the record script counts only the fields it actually sets (store/stats.py)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable

import httpx
import pytest

from omotenashi import Omotenashi, Settings

from ..conftest import client_for
from ..test_cluster import cluster_url  # noqa: F401  (the three-node cluster fixture)
from .test_measure_middleware import GOALS, counts, middleware, shop

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]
N = 12

RULES = (
    GOALS
    + """
  - {id: signup, event: signup}
rules:
  - {id: promo, slot: hero, text: Promo, holdout: 50%, why: "Everyone sees it."}
"""
)
JOURNEY = """
beacon:
  events: [signup]
  per_minute: 60
"""
BEACON = {"origin": "http://shop.test", "content-type": "application/json"}


async def burst(client: httpx.AsyncClient, what: str) -> None:
    """N requests of one visitor at the same time."""
    if what == "page views":
        sent = [client.get("/") for _ in range(N)]
    elif what == "path goal":
        sent = [client.get("/thanks") for _ in range(N)]
    else:
        sent = [
            client.post("/_omotenashi/events", json={"name": "signup"}, headers=BEACON)
            for _ in range(N)
        ]
    answers = await asyncio.gather(*sent)
    assert all(answer.status_code < 300 for answer in answers)


@pytest.mark.parametrize(
    ("what", "converted"),
    [
        ("page views", 0),  # N first page views: one exposure
        ("path goal", 1),  # an exposed visitor reaches /thanks N times at once: one conversion
        ("beacon goal", 1),  # the beacon's goal, N times at once: one conversion
    ],
)
async def test_concurrent_requests_of_one_visitor_count_once(
    make_settings: Make, what: str, converted: int
) -> None:
    mw = middleware(make_settings, RULES, journey=JOURNEY)
    async with client_for(mw) as client:
        if what == "page views":
            await client.post("/buy")  # a cookie, and no page view: nothing exposed yet
        else:
            await client.get("/")  # exposed
        await burst(client, what)
        await mw.drain()
        got = await counts(mw)
    assert sum(got.exposures.values()) == 1
    assert sum(got.conversions.values()) == converted
    assert mw.metrics["record_error"] == 0


async def test_concurrent_goals_count_once_on_a_cluster(
    make_settings: Make,
    cluster_url: str,  # noqa: F811
) -> None:
    """On Cluster the day counters are in other slots: the script answers which fields it set,
    and only their counters follow."""
    redis = {"url": cluster_url, "cluster": True, "key_prefix": f"m{uuid.uuid4().hex[:12]}"}
    settings = make_settings(RULES, redis=redis)
    mw = Omotenashi(shop(), settings=settings)
    async with client_for(mw) as client:
        await client.post("/buy")
        await burst(client, "page views")
        await burst(client, "path goal")
        got = await counts(mw)
    assert sum(got.exposures.values()) == 1
    assert sum(got.conversions.values()) == 1
    assert mw.metrics["redis_error"] == 0 and mw.metrics["record_error"] == 0
