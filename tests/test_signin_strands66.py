"""A sign-in joins what the anonymous id kept to the account whenever the cookie becomes the
user's (privacy66: where the page itself records nothing, the cookie moved to the account and
the anonymous profile stayed in Redis for days, out of anyone's reach: a magic link fetched
ahead with ``count_prefetch`` false, a "personalise nothing" browser with ``private_contextual``
false). A sign-out of a cookie that holds no user erases what was kept under it (it was left
behind the same way: the app signs out a user who signed in before consenting, or under GPC).
The demo shop, a real Redis."""

from __future__ import annotations

from typing import Any

import pytest
import redis
from demo_site.app import create_app, demo_settings
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from omotenashi import Omotenashi, identify

from .conftest import client_for, form_token, page_words
from .test_demo import ROOT
from .test_nothing_signin64 import PREFS, SAME_SITE, choose

pytestmark = pytest.mark.anyio


def shop(url: str, **respect: Any) -> Any:
    settings = demo_settings(ROOT, redis={"url": url}, respect={"fresh_share": 0, **respect})
    return create_app(ROOT, settings)


async def _keys(r: redis.Redis, vid: str) -> list[str]:
    return sorted(k.decode() for k in r.keys(f"omo:{{{vid}}}:*"))


def magic_link_site(url: str) -> Omotenashi:
    """Tour pages, and a sign-in by a link (a GET, as a magic link is): the demo's rules."""

    async def tour(request: Request) -> HTMLResponse:
        return HTMLResponse("<html><body><h1>A tour</h1></body></html>")

    async def magic(request: Request) -> HTMLResponse:
        await identify(request, "magic-user")
        return HTMLResponse("<html><body><p>Signed in</p></body></html>")

    routes = [Route("/tours/{tour}", tour), Route("/magic", magic)]
    settings = demo_settings(
        ROOT, redis={"url": url}, respect={"fresh_share": 0, "count_prefetch": False}
    )
    return Omotenashi(Starlette(routes=routes), settings=settings)


async def test_a_sign_in_by_a_link_fetched_ahead_joins_the_anonymous_profile(
    omotenashi_redis_url: str, omotenashi_redis: redis.Redis
) -> None:
    async with client_for(magic_link_site(omotenashi_redis_url)) as browser:
        for path in ("/tours/kyoto-autumn", "/tours/hawaii-family"):
            await browser.get(path)
        before = (await browser.get(PREFS + "/export")).json()["visitor_id"]
        await browser.get("/magic", headers={"sec-purpose": "prefetch;prerender"})
        export = (await browser.get(PREFS + "/export")).json()
    assert export["visitor_id"] != before  # the account's now
    assert "kyoto-autumn" in export["profile"]["viewed"]  # joined
    assert await _keys(omotenashi_redis, before) == []  # none left behind


async def test_a_sign_in_under_nothing_not_shown_contextual_rules_joins_the_profile(
    omotenashi_redis_url: str, omotenashi_redis: redis.Redis
) -> None:
    async with client_for(shop(omotenashi_redis_url, private_contextual=False)) as browser:
        for path in ("/", "/tours/kyoto-autumn", "/tours/hawaii-family"):
            await browser.get(path)
        await browser.post("/cart", data={"tour": "kyoto-autumn"})
        before = (await browser.get(PREFS + "/export")).json()["visitor_id"]
        await choose(browser, nothing=True)
        await browser.post("/login", data={"username": "strand-nothing"})
        export = (await browser.get(PREFS + "/export")).json()
    assert export["visitor_id"] != before  # the account's now
    assert "kyoto-autumn" in export["profile"]["viewed"]  # joined
    assert await _keys(omotenashi_redis, before) == []  # none left behind


async def test_a_sign_out_of_a_cookie_holding_no_user_erases_what_it_kept(
    omotenashi_redis_url: str, omotenashi_redis: redis.Redis
) -> None:
    async with client_for(shop(omotenashi_redis_url)) as browser:
        await browser.post("/login", data={"username": "gpc-signin"}, headers={"sec-gpc": "1"})
        for path in ("/", "/tours/kyoto-autumn"):
            await browser.get(path)  # GPC off again: kept, under the anonymous id
        before = (await browser.get(PREFS + "/export")).json()
        await browser.post("/logout")
        after = (await browser.get(PREFS + "/export")).json()
    assert before["kept"] and before["profile"]["viewed"] == ["kyoto-autumn"]
    assert after["visitor_id"] != before["visitor_id"]
    assert not (after["profile"] or {}).get("viewed")
    assert await _keys(omotenashi_redis, before["visitor_id"]) == []  # not left behind


async def test_an_erase_under_gpc_while_signed_in_keeps_the_link_to_the_account(
    omotenashi_redis_url: str, omotenashi_redis: redis.Redis
) -> None:
    """privacy66: the cookie was expired, and with it the account's link: the other device
    started the account again, which this browser could no longer see or erase."""
    app = shop(omotenashi_redis_url)
    async with client_for(app) as other, client_for(app) as browser:
        for client in (other, browser):
            await client.get("/tours/kyoto-autumn")
            await client.post("/login", data={"username": "erase-under-gpc"})
        account = (await browser.get(PREFS + "/export")).json()["visitor_id"]
        browser.headers["sec-gpc"] = "1"
        token = form_token((await browser.get(PREFS)).text)
        erased = await browser.post(
            PREFS, data={"csrf": token, "action": "erase", "confirm": "yes"}, headers=SAME_SITE
        )
        said = page_words((await browser.get(erased.headers["location"])).text)
        await other.get("/tours/hawaii-family")  # the other device, still signed in
        export = (await browser.get(PREFS + "/export")).json()
    assert "max-age=0" not in erased.headers["set-cookie"].lower()
    assert export["visitor_id"] == account  # still the account's: theirs to see and erase
    assert export["profile"]["viewed"] == ["hawaii-family"]  # what the other device adds
    assert "On your other devices" in said and "cookie is gone" not in said
