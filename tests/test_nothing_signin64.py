"""A sign-in while "Personalise nothing" is on signs the browser in (visitor64: it linked
nothing, like a GPC browser's: the account's saved cart never came back, and still did not once
the visitor unticked the choice). What this browser kept before the choice joins the account;
nothing new is kept while the choice holds; unticked, the account's pages are personalised
again. The demo shop, a real Redis."""

from __future__ import annotations

import re

import pytest
import redis

from omotenashi import revoke

from .conftest import client_for, form_token, page_words
from .test_demo import TOURS, demo

pytestmark = pytest.mark.anyio
PREFS = "/_omotenashi/preferences"
SAME_SITE = {"origin": "http://shop.test"}


async def choose(client, nothing: bool) -> None:  # type: ignore[no-untyped-def]
    page = (await client.get(PREFS)).text
    kinds = re.findall(r'name="category" value="([^"]+)"', page)  # every kind on
    form = {"csrf": form_token(page), "action": "save", "category": kinds}
    if nothing:
        form["nothing"] = "1"
    await client.post(PREFS, data=form, headers=SAME_SITE)


async def test_a_sign_in_under_personalise_nothing_links_the_account(
    omotenashi_redis_url: str, omotenashi_redis: redis.Redis
) -> None:
    async with client_for(demo(omotenashi_redis_url)) as first:
        await first.post("/login", data={"username": "qa-nothing-pia"})
        await first.post("/cart", data={"tour": "paris-art"})
        account = (await first.get(PREFS + "/export")).json()["visitor_id"]
    async with client_for(demo(omotenashi_redis_url)) as second:
        await second.get("/tours/kyoto-autumn")  # kept before the choice
        before = (await second.get(PREFS + "/export")).json()["visitor_id"]
        await choose(second, nothing=True)
        await second.post("/login", data={"username": "qa-nothing-pia"})
        cart = await second.get("/cart")
        views = int(omotenashi_redis.hget(f"omo:{{{account}}}:p2", "V") or 0)
        for _ in range(2):
            await second.get("/tours/hawaii-family")  # nothing new kept while it holds
        held = int(omotenashi_redis.hget(f"omo:{{{account}}}:p2", "V") or 0)
        export = (await second.get(PREFS + "/export")).json()
        said = page_words((await second.get(PREFS)).text)
        await choose(second, nothing=False)
        await second.get("/tours/hawaii-family")
        after = int(omotenashi_redis.hget(f"omo:{{{account}}}:p2", "V") or 0)
    assert "Cart (1)" in cart.text and TOURS["paris-art"]["title"] in cart.text
    assert export["visitor_id"] == account and export["choices"]  # this browser: the account's
    assert "kyoto-autumn" in export["profile"]["viewed"]  # kept before the choice: joined
    assert held == views and after == views + 1
    # (last64: "We keep only that choice, in a cookie", beside "You are signed in")
    assert "We keep only that choice and your sign-in (the link to your account)" in said
    assert omotenashi_redis.exists(f"omo:{{{before}}}:p2") == 0  # merged, none left behind


async def test_a_revoked_browser_under_personalise_nothing_links_no_one(
    omotenashi_redis_url: str, omotenashi_redis: redis.Redis
) -> None:
    # (last64: its profile is never read under "nothing", so the sign-in did not see the
    # revocation: it linked the revoked browser and merged into the account, which was then
    # personalised and recorded once the choice was unticked)
    app = demo(omotenashi_redis_url)
    async with client_for(app) as browser:
        await browser.get("/tours/kyoto-autumn")
        vid = (await browser.get(PREFS + "/export")).json()["visitor_id"]
        await choose(browser, nothing=True)
        await revoke(app, visitor_id=vid)
        before = set(omotenashi_redis.keys("omo:*"))
        await browser.post("/login", data={"username": "qa-nothing-revoked"})
        linked = (await browser.get(PREFS + "/export")).json()["visitor_id"]
        await choose(browser, nothing=False)
        await browser.get("/tours/hawaii-family")
    assert linked == vid  # the browser itself, linked to no one
    assert set(omotenashi_redis.keys("omo:*")) - before <= {
        k for k in omotenashi_redis.keys("omo:*") if "rate" in k
    }  # nothing written for the account
