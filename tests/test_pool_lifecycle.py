"""The Redis pool closes cleanly even when the server sends no lifespan events."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
import redis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from omotenashi import Omotenashi, Settings

from .live_server import serving

PAGE = '<!doctype html><html><body><p data-omo-slot="hello">Hello</p></body></html>'
RULES = """
rules:
  - id: welcome-back
    slot: hello
    text: "Welcome back"
    when: {views: {at_least: 1}}
    why: "You have been here before."
"""


async def page(request: Request) -> HTMLResponse:
    return HTMLResponse(PAGE)


def run_like_a_server(job: Coroutine[Any, Any, str]) -> str:
    """``asyncio.run`` as a server process runs, in a thread of its own (a test session may
    already have a loop running in this one: Playwright's sync API leaves one)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, job).result()


def clients(store: redis.Redis) -> int:
    return len(store.client_list())


def settle(store: redis.Redis, expected: int) -> int:
    """The server's count of client connections, once it has seen closed ones go."""
    deadline = time.monotonic() + 10
    while (count := clients(store)) != expected and time.monotonic() < deadline:
        time.sleep(0.02)
    return count


@pytest.mark.parametrize("lifespan", ["off", "on"])
def test_each_event_loop_gets_a_pool_that_closes_when_the_loop_ends(
    make_settings: Callable[..., Settings], omotenashi_redis: redis.Redis, lifespan: str
) -> None:
    mw = Omotenashi(Starlette(routes=[Route("/", page)]), settings=make_settings(rules=RULES))
    baseline = clients(omotenashi_redis)

    async def serve_one_run(cookies: httpx.Cookies) -> str:
        async with serving(mw, lifespan=lifespan) as url:
            async with httpx.AsyncClient(base_url=url, cookies=cookies) as client:
                response = await client.get("/")
                cookies.update(client.cookies)
        if lifespan == "off":  # no one has said the site stops: the pool is still open
            assert mw.store.client is not None
        return response.text

    cookies = httpx.Cookies()
    first = run_like_a_server(serve_one_run(cookies))
    assert mw.store.client is None  # closed as that loop ended
    assert settle(omotenashi_redis, baseline) == baseline
    again = run_like_a_server(serve_one_run(cookies))  # a new loop: a pool of its own
    assert mw.store.client is None
    assert settle(omotenashi_redis, baseline) == baseline
    assert ">Hello<" in first and ">Welcome back<" in again
