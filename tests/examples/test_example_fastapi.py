"""examples/fastapi_site through Omotenashi, against the real test Redis."""

from __future__ import annotations

import pytest
import redis
from examples.fastapi_site.app import HERE, create_app

from ..conftest import switch_history
from .expect import BROWSER, example_settings, served, tea_house_journey

pytestmark = pytest.mark.anyio


async def test_the_fastapi_example(
    omotenashi_redis_url: str, omotenashi_redis: redis.Redis
) -> None:
    app = create_app(example_settings(omotenashi_redis_url, HERE / "rules"))
    async with served(app) as client:
        await tea_house_journey(client, omotenashi_redis)


async def test_the_fastapi_api_says_nothing_of_a_history_switched_off(
    omotenashi_redis_url: str,
) -> None:
    app = create_app(example_settings(omotenashi_redis_url, HERE / "rules"))
    async with served(app) as client:
        await client.get("/", headers=BROWSER)
        before = (await client.get("/api/visitor")).json()
        await switch_history(client, on=False)
        off = (await client.get("/api/visitor")).json()
    assert before["known"] and before["views"] == 1 and "stage" in before
    assert off == {"known": True, "history_off": True}
