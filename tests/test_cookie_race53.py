"""race53: a page already in flight when the visitor makes a choice in another tab gives
their browser no cookie from before that choice.

A page re-signs the cookie it came with once it is older than
``OMOTENASHI_COOKIE_REFRESH_AFTER``. A switch-off (or an erase's new id) saved in another
tab answered first; the slower page's renewed cookie came after it, the browser kept that
one, and the block switched off came back on every later page (the erase's old id came
back with it). Now a choice marks its id (identity/moves.py, in memory: nothing is stored)
and a page that came with an older cookie sends none; a choice made by another process is
not known, so a page renews a cookie only when it answers soon after it arrived.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest
import redis

from omotenashi import Omotenashi
from omotenashi.asgi import setcookie

from .conftest import form_token, page_app
from .test_middleware import Make
from .test_switch_races import gated

pytestmark = pytest.mark.anyio

PAGE = '<!doctype html><html><body><div data-omo-slot="hero">Default hero</div></body></html>'
RULES = """
rules:
  - {id: promo, slot: hero, text: "PROMO", category: offers, why: "A promotion."}
"""


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


def streamed(gate: asyncio.Event, entered: asyncio.Event) -> Any:
    """The test page; ``/slow`` sends its start and a part at once, the rest once ``gate``
    is set (a page held whole before it is rewritten, whose cookie is chosen then: eye53)."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        body = PAGE.encode()
        start = [(b"content-type", b"text/html; charset=utf-8")]
        await send({"type": "http.response.start", "status": 200, "headers": start})
        if scope.get("path") == "/slow":
            await send({"type": "http.response.body", "body": body[:20], "more_body": True})
            entered.set()
            await gate.wait()
            body = body[20:]
        await send({"type": "http.response.body", "body": body})

    return app


@pytest.mark.parametrize(
    ("action", "elsewhere", "in_parts"),
    [
        ("save", False, False),
        ("erase", False, False),
        ("save", True, False),
        ("save", False, True),
        ("erase", False, True),
    ],
)
async def test_a_slow_page_does_not_undo_a_choice_made_meanwhile(
    make_settings: Make,
    omotenashi_redis: redis.Redis,
    monkeypatch: pytest.MonkeyPatch,
    action: str,
    elsewhere: bool,
    in_parts: bool,
) -> None:
    """``elsewhere``: the choice is made through another process (another instance over the
    same Redis and keys), which this one knows nothing of: the slow page, slower than
    RENEW_WITHIN (made short here), renews nothing. ``in_parts``: the app has sent its
    response's start before the choice is made."""
    monkeypatch.setattr(setcookie, "RENEW_WITHIN", 0.2 if elsewhere else 60.0)
    gate, entered = asyncio.Event(), asyncio.Event()
    settings = make_settings(RULES, cookie={"refresh_after": 1})
    app = (streamed if in_parts else gated)(gate, entered, *([] if in_parts else [PAGE]))
    mw = Omotenashi(app, settings=settings)
    other = Omotenashi(gated(gate, entered, PAGE), settings=settings)
    await mw.startup()
    await other.startup()
    try:
        transport = httpx.ASGITransport(app=mw)
        there = httpx.ASGITransport(app=other if elsewhere else mw)
        async with httpx.AsyncClient(transport=transport, base_url="http://shop.test") as browser:
            assert "PROMO" in (await browser.get("/")).text
            before = mw.signer.identify(f"omo_vid={browser.cookies['omo_vid']}").vid
            await asyncio.sleep(1.2)  # the cookie is now one a page renews
            slow = asyncio.ensure_future(browser.get("/slow"))  # one tab
            await entered.wait()
            browser._transport = there  # another tab (another process, maybe)
            page = (await browser.get("/_omotenashi/preferences")).text
            done = await browser.post(
                "/_omotenashi/preferences",
                data=form_for(action, page),
                headers={"origin": "http://shop.test"},
            )
            assert done.status_code == 303 and "failed" not in done.headers["location"]
            browser._transport = transport
            chosen = browser.cookies["omo_vid"]
            if elsewhere:
                await asyncio.sleep(0.3)  # the slow page is slower than RENEW_WITHIN
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
        await other.shutdown()
        await mw.shutdown()


async def test_a_slow_page_still_ends_a_confirmation(
    make_settings: Make, omotenashi_redis: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page that says a choice's confirmation ends it however long it took (else it would
    be said again on the next page); a slow page that only renews waits for a later one."""
    monkeypatch.setattr(setcookie, "RENEW_WITHIN", 0.0)
    settings = make_settings(RULES, cookie={"refresh_after": 1}, respect={"disclosure": True})
    mw = Omotenashi(page_app(PAGE), settings=settings)
    await mw.startup()
    try:
        transport = httpx.ASGITransport(app=mw)
        async with httpx.AsyncClient(transport=transport, base_url="http://shop.test") as browser:
            page = (await browser.get("/")).text
            await asyncio.sleep(1.2)  # old enough to renew
            assert "set-cookie" not in (await browser.get("/")).headers  # slow: not renewed
            form = {"csrf": form_token(page), "action": "dismiss", "rule": "promo", "next": "/"}
            done = await browser.post(
                "/_omotenashi/preferences", data=form, headers={"origin": "http://shop.test"}
            )
            assert done.status_code == 303
            said = await browser.get("/")  # the confirmation, said and ended
            assert ">Undo</button>" in said.text and "set-cookie" in said.headers
            again = await browser.get("/")
            assert "PROMO" not in again.text and ">Undo</button>" not in again.text
    finally:
        await mw.shutdown()


@pytest.mark.parametrize(
    ("age", "slow", "renewed"),
    [
        (2 * 3600, False, True),  # old enough to renew, answered at once
        (2 * 3600, True, False),  # answered late: left to a later page
        (40 * 3600, True, True),  # half its life gone: renewed however slow the page
    ],
)
def test_a_late_page_renews_only_a_cookie_half_its_life_old(
    make_settings: Make, age: int, slow: bool, renewed: bool
) -> None:
    """A site whose every page answers late must not let cookies expire (eye53)."""
    from omotenashi.asgi.visitor import Visitor
    from omotenashi.engine.facts import Device
    from omotenashi.engine.profile import Profile
    from omotenashi.identity.cookie import Identity

    settings = make_settings(RULES, cookie={"refresh_after": 3600, "max_age": 72 * 3600})
    mw = Omotenashi(page_app(PAGE), settings=settings)
    ident = Identity(vid="v" * 22, is_new=False, issued_at=time.time() - age)
    visitor = Visitor(ident, Profile(), Device("desktop", "Chrome", "Linux", False))
    if slow:
        visitor.arrived -= setcookie.RENEW_WITHIN + 1
    assert setcookie.renews(visitor, mw.tools) is renewed
