"""examples/litestar_site through Omotenashi, against the real test Redis."""

from __future__ import annotations

import pytest
import redis
from examples.litestar_site.app import HERE, create_app

from .expect import example_settings, served, tea_house_journey

pytestmark = pytest.mark.anyio


async def test_the_litestar_example(
    omotenashi_redis_url: str, omotenashi_redis: redis.Redis
) -> None:
    app = create_app(example_settings(omotenashi_redis_url, HERE / "rules"))
    async with served(app) as client:
        await tea_house_journey(client, omotenashi_redis)
