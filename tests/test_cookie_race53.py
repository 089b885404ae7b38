"""race53: a page already in flight when the visitor makes a choice in another tab gives
their browser no cookie from before that choice.

A page re-signs the cookie it came with once it is older than
``OMOTENASHI_COOKIE_REFRESH_AFTER``. A switch-off (or an erase's new id) saved in another
tab answered first; the slower page's renewed cookie came after it, the browser kept that
one, and the block switched off came back on every later page (the erase's old id came
back with it). Now a choice marks its id in Redis (store/moved.py) and the page that came
with an older cookie sends none.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
import redis

from omotenashi import Omotenashi

from .conftest import form_token, page_app
from .test_middleware import Make

pytestmark = pytest.mark.anyio

PAGE = '<!doctype html><html><body><div data-omo-slot="hero">Default hero</div></body></html>'
RULES = """
rules:
  - {id: promo, slot: hero, text: "PROMO", category: offers, why: "A promotion."}
"""


def gated(gate: asyncio.Event, entered: asyncio.Event) -> Any:
    inner = page_app(PAGE)

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope.get("path") == "/slow":
            entered.set()
            await gate.wait()
        await inner(scope, receive, send)

    return app


def form_for(action: str, page: str) -> dict[str, Any]:
    if action == "save":  # the "offers" kind switched off
        return {
            "csrf": form_token(page),
            "action": "save",
            "listed": ["promo"],
            "listed_kind": ["offers,browsing-history"],
            "category": ["browsing-history"],
            "listed_category": ["offers", "browsing-history"],
        }
    return {"csrf": form_token(page), "action": action, "confirm": "yes"}


@pytest.mark.parametrize("action", ["save", "erase"])
async def test_a_slow_page_does_not_undo_a_choice_made_meanwhile(
    make_settings: Make, omotenashi_redis: redis.Redis, action: str
) -> None:
    gate, entered = asyncio.Event(), asyncio.Event()
    settings = make_settings(RULES, cookie={"refresh_after": 1})
    mw = Omotenashi(gated(gate, entered), settings=settings)
    await mw.startup()
    try:
        transport = httpx.ASGITransport(app=mw)
        async with httpx.AsyncClient(transport=transport, base_url="http://shop.test") as browser:
            assert "PROMO" in (await browser.get("/")).text
            before = mw.signer.identify(f"omo_vid={browser.cookies['omo_vid']}").vid
            await asyncio.sleep(1.2)  # the cookie is now one a page renews
            slow = asyncio.ensure_future(browser.get("/slow"))  # one tab
            await entered.wait()
            page = (await browser.get("/_omotenashi/preferences")).text  # another
            done = await browser.post(
                "/_omotenashi/preferences",
                data=form_for(action, page),
                headers={"origin": "http://shop.test"},
            )
            assert done.status_code == 303 and "failed" not in done.headers["location"]
            chosen = browser.cookies["omo_vid"]
            gate.set()
            late = await slow
            assert "set-cookie" not in late.headers  # its cookie was from before the choice
            assert browser.cookies["omo_vid"] == chosen
            after = mw.signer.identify(f"omo_vid={browser.cookies['omo_vid']}")
            if action == "save":
                assert "PROMO" not in (await browser.get("/")).text  # the switch holds
            else:
                assert after.vid != before  # the erase's new id holds
            # a page with the cookie of the choice renews it as before, once it is old
            await asyncio.sleep(1.2)
            assert "set-cookie" in (await browser.get("/")).headers
    finally:
        await mw.shutdown()
