"""Several Omotenashi in one process or on one Redis: the same middleware twice around one app
(``add_middleware`` and a wrap), and sites side by side with their own key prefixes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
import redis
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import Mount

from omotenashi import Omotenashi, Settings, get_visitor
from omotenashi.testing import Written

from .conftest import lifespan, page_app

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]
PAGE = (
    '<!doctype html><html><head></head><body><div data-omo-slot="hero">Default</div></body></html>'
)
RULES = 'rules:\n  - {id: hi, slot: hero, text: "Hello", why: "Shown to everyone."}\n'
HTML = {"accept": "text/html"}


@asynccontextmanager
async def running(*apps: Omotenashi) -> AsyncIterator[None]:
    """The middlewares' pools open around the block (a plain page app has no lifespan)."""
    for app in apps:
        await app.startup()
    try:
        yield
    finally:
        for app in apps:
            await app.shutdown()


def client(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=Written(app)), base_url="http://shop.test"
    )


def views(server: redis.Redis, prefix: str = "omo") -> list[str]:
    """Each profile's page views (its ``V`` field), one per visitor."""
    return sorted(server.hget(k, "V") or "" for k in server.keys(f"{prefix}:{{*}}:p2"))


async def test_the_same_middleware_twice_acts_once(
    make_settings: Make, omotenashi_redis: redis.Redis, caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings(RULES, respect={"disclosure": True, "page_panel": True})
    inner = Omotenashi(page_app(PAGE), settings=settings)
    outer = Omotenashi(inner, settings=settings)
    async with running(outer, inner), client(outer) as c:
        first = await c.get("/tours/a", headers=HTML)
        again = await c.get("/tours/a", headers=HTML)
        prefs = await c.get("/_omotenashi/preferences", headers=HTML)
    assert len(first.headers.get_list("set-cookie")) == 1  # one visitor, not two
    for page in (first, again):
        assert page.text.count('class="omo-why-page"') == 1  # one panel
        assert page.text.count('class="omo-i"') == 1
    assert views(omotenashi_redis) == ["2"]  # each page view counted once
    assert prefs.status_code == 200
    said = [r.getMessage() for r in caplog.records if "inside another" in r.getMessage()]
    assert len(said) == 1


async def test_fastapi_add_middleware_and_a_wrap_count_a_page_once(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    settings = make_settings(RULES)
    api = FastAPI()
    api.add_middleware(Omotenashi, settings=settings)
    seen: list[object] = []

    @api.get("/")
    async def home(request: Request) -> HTMLResponse:
        seen.append(get_visitor(request))
        return HTMLResponse(PAGE)

    app = Omotenashi(api, settings=settings)
    async with lifespan(app), client(app) as c:
        page = await c.get("/", headers=HTML)
    assert len(page.headers.get_list("set-cookie")) == 1
    assert page.text.count('data-omo-rule="hi"') == 1
    assert views(omotenashi_redis) == ["1"]
    assert seen and seen[0] is not None


async def test_sites_side_by_side_keep_to_their_prefixes(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    a = Omotenashi(page_app(PAGE), settings=make_settings(RULES, redis={"key_prefix": "a"}))
    b = Omotenashi(page_app(PAGE), settings=make_settings(RULES, redis={"key_prefix": "a.b"}))
    async with running(a, b):
        for app in (a, b, a):
            async with client(app) as c:
                await c.get("/tours/a", headers=HTML)
    assert views(omotenashi_redis, "a") == ["1", "1"] and views(omotenashi_redis, "a.b") == ["1"]
    assert all(k.split(":")[0] in ("a", "a.b") for k in omotenashi_redis.keys("*"))


async def test_sites_on_one_host_with_their_own_cookies_keep_their_visitors(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    """Side by side with other keys: their own cookie names (README, *Behind a path prefix*)."""
    a = make_settings(RULES, redis={"key_prefix": "a"}, secret_keys=["key-a"])
    b = make_settings(RULES, redis={"key_prefix": "b"}, secret_keys=["key-b"], cookie={"name": "b"})
    site_a, site_b = Omotenashi(page_app(PAGE), settings=a), Omotenashi(page_app(PAGE), settings=b)
    both = Starlette(routes=[Mount("/a", site_a), Mount("/b", site_b)])
    async with running(site_a, site_b), client(both) as c:
        for path in ("/a/x", "/b/x", "/a/x", "/b/x"):
            await c.get(path, headers=HTML)
    assert views(omotenashi_redis, "a") == ["2"] and views(omotenashi_redis, "b") == ["2"]


async def test_a_path_the_outer_one_excludes_is_the_inner_ones(
    make_settings: Make, omotenashi_redis: redis.Redis, caplog: pytest.LogCaptureFixture
) -> None:
    """An Omotenashi mounted inside another that excludes its prefix: the outer one leaves the
    path alone, so the inner one personalises and counts it (and nothing says otherwise)."""
    shop = make_settings(RULES, redis={"key_prefix": "shop"}, cookie={"name": "shopc"})
    inner = Omotenashi(page_app(PAGE), settings=shop)
    site = Starlette(routes=[Mount("/shop", inner), Mount("/", page_app(PAGE))])
    outer = Omotenashi(site, settings=make_settings(RULES, exclude_paths=["/shop/*"]))
    async with running(outer, inner), client(outer) as c:
        page = await c.get("/shop/x", headers=HTML)
    assert 'data-omo-rule="hi"' in page.text and "shopc=" in page.headers["set-cookie"]
    assert views(omotenashi_redis, "shop") == ["1"] and views(omotenashi_redis) == []
    assert "inside another" not in caplog.text
