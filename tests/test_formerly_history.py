"""A category's former names never take the visitor's browsing history
(``OMOTENASHI_RESPECT_HISTORY_CATEGORY``) away from them: a visitor who switched it off keeps it
off when a rule file names it as another category's former name; and the beacon reads a
visitor's choices under the names now, as pages do (a site that renamed its history category
kept view_item events of visitors who had switched it off). Against a real Redis."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import redis

from omotenashi import Omotenashi, Settings

from .conftest import client_for, page_app
from .test_formerly import OFFER, PAGE, boxes, choices, offer, post, visit
from .test_history_off import browsing, profile
from .test_switch_back_on import sent

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]
PREFS = "/_omotenashi/preferences"


@pytest.mark.parametrize(
    ("history", "categories", "off"),
    [
        ("browsing-history", "other: {formerly: [x]}", "browsing-history"),
        ("browsing-history", "mine: {formerly: [browsing-history]}", "browsing-history"),
        ("browsing-history", "mine: {formerly: [browsing-history, x]}", "browsing-history"),
        # the site renames its history category, in the settings and the rules: it goes on
        ("my-history", "my-history: {formerly: [browsing-history]}", "my-history"),
        # ... in the settings only (upgrade67: the history was on again, recorded)
        ("my-history", "other: {formerly: [x]}", "my-history"),
    ],
    ids=["control", "claimed", "claimed-among-others", "renamed-with-the-setting", "setting-only"],
)
async def test_a_former_category_name_keeps_the_history_off(
    make_settings: Make,
    omotenashi_redis: redis.Redis,
    history: str,
    categories: str,
    off: str,
) -> None:
    old = make_settings("rules:\n" + offer("spring"))
    (_, prefs), cookie = await visit(old, None, "/", PREFS)
    cookie = await post(old, cookie, sent(prefs, leave="browsing-history"))
    assert choices(old, cookie)["c"] == ["browsing-history"]
    kept = browsing(profile(omotenashi_redis))
    new = make_settings(
        f"categories:\n  {categories}\nrules:\n" + offer("spring"),
        respect={"history_category": history},
    )
    async with client_for(Omotenashi(page_app(PAGE), settings=new)) as client:
        client.cookies.set("omo_vid", cookie, domain="shop.test")
        page = await client.get("/")
        await client.get("/")
        viewed = await client.post(
            "/_omotenashi/events",
            json={"name": "view_item", "data": {"item": "kyoto-autumn"}},
            headers={"origin": "http://shop.test"},
        )
        listed = (await client.get(PREFS)).text
    assert OFFER in page.text
    assert browsing(profile(omotenashi_redis)) == kept  # still off: no page view recorded
    assert viewed.status_code == 202 and "browsing history is off" in viewed.json()["reason"]
    assert boxes(listed, "category").get(off) is False  # and said so on the preferences page
