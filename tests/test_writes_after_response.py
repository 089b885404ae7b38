"""Requests do not wait for Redis to acknowledge their page view: the write is queued, batched,
flushed ahead of the next read, drained by ``drain()`` and by shutdown."""

from __future__ import annotations

import httpx
import pytest

from omotenashi import Omotenashi

from .conftest import page_app
from .test_middleware import PAGE, RULES, SNIPPETS, Make

pytestmark = pytest.mark.anyio


async def _views(mw: Omotenashi, cookie: str) -> int:
    ident = mw.signer.identify(f"omo_vid={cookie}")
    return (await mw.store.load(ident.user or ident.vid)).views


async def _visit(mw: Omotenashi, times: int) -> str:
    """``times`` page views of one visitor through a plain in-process client (it returns as
    soon as the app has; nothing waits for the writes); the visitor's cookie."""
    transport = httpx.ASGITransport(app=mw)
    async with httpx.AsyncClient(transport=transport, base_url="http://shop.test") as client:
        for _ in range(times):
            await client.get("/")
        cookie = client.cookies["omo_vid"]
    assert isinstance(cookie, str)
    return cookie


@pytest.mark.parametrize("times", [1, 3])
async def test_drain_waits_for_every_page_view_recorded_so_far(
    make_settings: Make, times: int
) -> None:
    mw = Omotenashi(page_app(PAGE), settings=make_settings(RULES, SNIPPETS))
    await mw.startup()
    try:
        cookie = await _visit(mw, times)
        await mw.drain()
        assert await _views(mw, cookie) == times
        assert not mw._writing  # nothing left in flight
    finally:
        await mw.shutdown()


async def test_each_read_sees_the_page_views_before_it_without_any_wait(
    make_settings: Make,
) -> None:
    mw = Omotenashi(page_app(PAGE), settings=make_settings(RULES, SNIPPETS))
    await mw.startup()
    try:
        cookie = await _visit(mw, 4)
        # The read goes out on the same connection, after the queued writes: no drain needed.
        assert await _views(mw, cookie) == 4
    finally:
        await mw.shutdown()


async def test_shutdown_writes_what_the_last_requests_recorded(make_settings: Make) -> None:
    settings = make_settings(RULES, SNIPPETS)
    mw = Omotenashi(page_app(PAGE), settings=settings)
    await mw.startup()
    cookie = await _visit(mw, 2)
    await mw.shutdown()  # no drain first
    again = Omotenashi(page_app(PAGE), settings=settings)
    await again.startup()
    try:
        assert await _views(again, cookie) == 2
    finally:
        await again.shutdown()
