"""A sign-in with the browsing history off carries nothing the visitor browsed into the user's
profile: not the reasons their last blocks were shown for either ("Because you viewed ..."),
which the preferences page and the download show on every device the user signs in on.
Through the real middleware, against a real Redis."""

from __future__ import annotations

import pytest
import redis

from omotenashi.identity.cookie import user_profile_id

from .conftest import client_for
from .test_sign_in_switches import TOURS, _site
from .test_switches40 import PREFS, SAME_SITE, Make, Seed, _returning, _save

pytestmark = pytest.mark.anyio


async def test_a_sign_in_with_the_history_off_carries_no_reason_naming_what_they_viewed(
    make_settings: Make, omotenashi_redis: redis.Redis, omotenashi_visitor: Seed
) -> None:
    site = _site(make_settings)
    async with client_for(site) as client:
        for _ in range(3):  # others teach co-views
            await _returning(client, omotenashi_visitor, *TOURS)
        mine = omotenashi_visitor(visits=2)
        await _returning(client, lambda **_: mine, *TOURS)
        await client.get("/")  # the list's reasons name what they viewed
        await site.drain()
        (said,) = (await site.store.load(mine.id)).shown_why.values()
        assert any("you viewed" in reason for reason in said[1])
        await _save(client, off="browsing-history")
        card = " ".join((await client.get(PREFS)).text.split())  # what the card tells them
        assert "signing in while this is off erases it rather than bringing it into" in card
        assert (await client.post("/login", headers=SAME_SITE)).status_code == 303
        await site.drain()
        user = await site.store.load(user_profile_id(site.signer.user_salt, "aiko"))
        client.cookies.clear()  # another device, its history on, the same user
        await client.get("/")
        assert (await client.post("/login", headers=SAME_SITE)).status_code == 303
        elsewhere = (await client.get(PREFS)).text + (await client.get(PREFS + "/export")).text
    assert not [r for _, why in user.shown_why.values() for r in why if "you viewed" in r]
    assert "you viewed" not in elsewhere
