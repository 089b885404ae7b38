"""A frequency cap counts every showing, also of pages a visitor opens at once (tabs): each
write adds its own showing to what is stored by then, where it used to store the count it had
read, so concurrent pages overwrote each other's and the cap let the rule show again."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
import redis
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route

from omotenashi import Omotenashi, Settings

from .conftest import client_for

pytestmark = pytest.mark.anyio
PAGE = '<!doctype html><html><body><div data-omo-slot="hero">Default</div></body></html>'
RULES = """
rules:
  - {id: capped, slot: hero, text: Sale, cap: {views: 3, per: day}, why: "A sale this week."}
"""


async def test_pages_opened_at_once_each_count_against_the_cap(
    make_settings: Callable[..., Settings], omotenashi_redis: redis.Redis
) -> None:
    app = Starlette(routes=[Route("/", lambda r: HTMLResponse(PAGE))])
    mw = Omotenashi(app, settings=make_settings(RULES, respect={"fresh_share": 0.0}))
    async with client_for(mw) as browser:
        await browser.get("/")  # a cookie, and one showing
        pages = await asyncio.gather(*(browser.get("/") for _ in range(4)))
        await mw.drain()
        shown = 1 + sum("data-omo-rule" in p.text for p in pages)
        vid = mw.signer.read(browser.cookies["omo_vid"])
        assert vid is not None
        key = next(omotenashi_redis.scan_iter(match=f"*{vid.vid}*:p*"))
        period, count = omotenashi_redis.hget(key, "kcapped").rsplit(":", 1)
        assert int(count) == shown  # every showing counted, none overwritten
        later = await browser.get("/")
    assert "data-omo-rule" not in later.text  # at least 3 shown today: the cap holds
