"""A returning visitor whose profile cannot be read (Redis gone) is told nothing of it by the
examples (mount64: "Pages you had seen before this one: 0", views 0 and stage "awareness"
from the empty profile ``visitor.loaded()`` gives then; ``visitor.degraded`` says so). The
page itself is the app's, as ever. A real Valkey of the test's own, stopped mid-visit."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from examples.fastapi_site.app import HERE as FASTAPI
from examples.fastapi_site.app import create_app as fastapi_app
from examples.starlette_site.app import HERE as STARLETTE
from examples.starlette_site.app import create_app as starlette_app

from omotenashi import EmbeddedRedis

from .expect import BROWSER, example_settings, served

pytestmark = pytest.mark.anyio


async def test_the_starlette_example_says_nothing_of_a_profile_it_could_not_read(
    embedded_redis_factory: Callable[..., EmbeddedRedis],
) -> None:
    server = embedded_redis_factory()
    app = starlette_app(example_settings(server.url, STARLETTE / "rules"))
    async with served(app) as client:
        for _ in range(3):
            page = await client.get("/", headers=BROWSER)
        assert "Pages you had seen before this one: 2" in page.text
        server.stop()
        gone = await client.get("/", headers=BROWSER)
    assert gone.status_code == 200 and "Pages you had seen before this one" not in gone.text


async def test_the_fastapi_api_says_nothing_of_a_profile_it_could_not_read(
    embedded_redis_factory: Callable[..., EmbeddedRedis],
) -> None:
    server = embedded_redis_factory()
    app = fastapi_app(example_settings(server.url, FASTAPI / "rules"))
    async with served(app) as client:
        await client.get("/", headers=BROWSER)
        assert (await client.get("/api/visitor")).json()["views"] == 1
        server.stop()
        gone = (await client.get("/api/visitor")).json()
    assert gone == {"known": True, "unavailable": True}
