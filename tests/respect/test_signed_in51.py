"""signedin51: a signed-in visitor stays linked to their account while the site shows them
signed in, so what the pages say of what is kept is true of the account:

* under GPC, a cookie that holds a choice renews (a day on) with its sign-in: before, it got
  a fresh id and no user, and the data page said "We keep nothing about you" while the
  account's profile was kept, out of this browser's reach until the next sign-in;
* "Erase everything" erases the account's profile and keeps the link: before, the browser got
  an anonymous id, so what the account's other devices kept next was never listed here, and a
  second erase said "everything we kept about you is erased" while the account's stayed."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
import redis

from omotenashi import Omotenashi, Settings
from omotenashi.identity.cookie import user_profile_id
from tests.conftest import client_for, page_words
from tests.conftest import form_token as csrf

from .test_withdraw_device50 import RULES, UA, shop

pytestmark = pytest.mark.anyio
PREFS = "/_omotenashi/preferences"
FORM = {"content-type": "application/x-www-form-urlencoded"}
NOTHING = "We keep nothing about you"


async def test_a_signed_in_gpc_visitor_s_renewed_cookie_keeps_the_account(
    make_settings: Callable[..., Settings], omotenashi_redis: redis.Redis
) -> None:
    mw = Omotenashi(shop(), settings=make_settings(RULES, cookie={"refresh_after": 1}))
    alice = user_profile_id(mw.signer.user_salt, "alice")
    async with client_for(mw, headers={"user-agent": UA}) as browser:
        await browser.post("/login")
        for _ in range(3):
            await browser.get("/tours")
        await mw.drain()
        browser.headers["sec-gpc"] = "1"  # GPC from now on: nothing read or added
        asked = await browser.get(PREFS)
        saved = await browser.post(  # a choice: the cookie renews from now on
            PREFS, data={"csrf": csrf(asked.text), "listed": "back"}, headers=FORM
        )
        assert saved.status_code == 303
        time.sleep(2.1)  # the cookie is older than refresh_after (whole seconds)
        page = await browser.get("/")
        data = page_words((await browser.get(PREFS + "/data")).text)
        export = (await browser.get(PREFS + "/export")).json()
        renewed = mw.signer.identify(f"omo_vid={browser.cookies['omo_vid']}")
    assert page.headers.get_list("set-cookie"), "renewed on this page"
    assert renewed.user == alice  # still linked to the account
    assert omotenashi_redis.exists(f"omo:{{{alice}}}:p2")
    assert NOTHING not in data, data
    assert export["kept"] is True


async def test_an_erase_while_signed_in_keeps_the_device_on_the_account(
    make_settings: Callable[..., Settings], omotenashi_redis: redis.Redis
) -> None:
    mw = Omotenashi(shop(), settings=make_settings(RULES))
    alice = user_profile_id(mw.signer.user_salt, "alice")
    key = f"omo:{{{alice}}}:p2"
    async with client_for(mw, headers={"user-agent": UA}) as one:
        async with client_for(mw, headers={"user-agent": UA}) as two:
            for device in (one, two):
                await device.post("/login")
                await device.get("/tours")
            await mw.drain()

            async def erase() -> str:
                asked = await one.get(PREFS + "?confirm=erase")
                done = await one.post(
                    PREFS,
                    data={"csrf": csrf(asked.text), "action": "erase", "confirm": "yes"},
                    headers=FORM,
                )
                return page_words((await one.get(done.headers["location"])).text)

            first = await erase()
            assert not omotenashi_redis.exists(key)
            linked = mw.signer.identify(f"omo_vid={one.cookies['omo_vid']}")
            await two.get("/tours")  # the account's other device keeps it again
            await two.get("/tours")
            await mw.drain()
            data = page_words((await one.get(PREFS + "/data")).text)
            second = await erase()
    assert "everything we kept about you is erased" in first
    assert linked.user == alice
    assert NOTHING not in data and "Pages seen" in data, data  # the account's, from device two
    assert "everything we kept about you is erased" in second
    assert not omotenashi_redis.exists(key)  # true of the account this time
