"""Omotenashi's own pages (preferences, data, a refused form) name their icon inline, so a
browser asks the site for no /favicon.ico (a 404 in its console on every visit: qa44)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import redis

from omotenashi import Omotenashi, Settings

from .conftest import client_for, page_app

pytestmark = pytest.mark.anyio
ICON = '<link rel="icon" href="data:,">'
RULES = """
rules:
  - {id: hello, slot: hero, text: "Hello", why: "Everyone sees it."}
"""


async def test_our_pages_ask_the_site_for_no_icon(
    make_settings: Callable[..., Settings], omotenashi_redis: redis.Redis
) -> None:
    mw = Omotenashi(page_app('<div data-omo-slot="hero">Hi</div>'), settings=make_settings(RULES))
    html = {"accept": "text/html"}
    async with client_for(mw) as client:
        await client.get("/", headers=html)
        pages = [
            (await client.get("/_omotenashi/preferences")).text,
            (await client.get("/_omotenashi/preferences/data")).text,
            (await client.post("/_omotenashi/preferences", data={}, headers=html)).text,
        ]
    for page in pages:
        head = page[: page.index("</head>")]
        assert ICON in head, head[:300]
