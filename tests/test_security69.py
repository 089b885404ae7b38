"""security69: what an outsider sends is refused or said truly. A beacon's view_item (or cart
or purchase event) naming an item that would not be kept is a 422 saying why, storing
nothing (it was a 204, the event counted, the item dropped); the "erased, and our cookie is
gone" notice is not said on a page that sets a cookie (a link marked for a browser without
our cookie, given to another such browser, said it while setting one)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
import redis
from demo_site.app import create_app, demo_settings

from omotenashi import Settings
from omotenashi.engine.change import bad_item

from .conftest import ROOT, client_for
from .test_beacon_edges import BEACON, JSON, me, site

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]
UA = {
    "user-agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0 Safari/537.36",
    "accept": "text/html",
}


@pytest.mark.parametrize(
    "data",
    [
        {"item": ""},
        {"item": "x" * 101},
        {"item": "tab\there"},
        {"item": "nul\u0000"},
        {"item": 42},
    ],
)
async def test_a_view_item_naming_no_item_is_refused_and_stores_nothing(
    make_settings: Make, omotenashi_redis: redis.Redis, data: dict[str, Any]
) -> None:
    mw = site(make_settings)
    async with client_for(mw) as client:
        await client.get("/")
        before = await me(client)
        answer = await client.post(BEACON, json={"name": "view_item", "data": data}, headers=JSON)
        after = await me(client)
    assert answer.status_code == 422, answer.text
    assert "is not an item id: 1 to 100 characters" in answer.json()["error"]
    assert after.get("events") == before.get("events") and after.get("viewed") == before.get(
        "viewed"
    )


async def test_a_good_item_and_an_event_without_one_are_kept(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    mw = site(make_settings)
    async with client_for(mw) as client:
        await client.get("/")
        for data in ({"item": "商品３"}, {}, {"item": None}):
            answer = await client.post(
                BEACON, json={"name": "view_item", "data": data}, headers=JSON
            )
            assert answer.status_code == 204, answer.text
        kept = await me(client)
    assert kept["events"]["view_item"] == 3 and kept["viewed"] == ["商品３"], kept


@pytest.mark.parametrize("gpc", [False, True])
async def test_the_cookie_is_gone_is_not_said_on_a_page_that_sets_one(
    omotenashi_redis_url: str, gpc: bool
) -> None:
    settings = demo_settings(ROOT, redis={"url": omotenashi_redis_url})
    mw = create_app(ROOT, settings)
    headers = {**UA, **({"sec-gpc": "1"} if gpc else {})}
    async with client_for(mw, headers=headers) as browser:  # no cookie of ours
        mark = mw.signer.notice_mark("", "erased_all")
        page = await browser.get(f"/_omotenashi/preferences?erased_all=1&n={mark}")
    said = "our cookie is gone from this browser" in re.sub(r"\s+", " ", page.text)
    assert ("set-cookie" in page.headers) is not gpc
    assert said is gpc  # (under GPC no cookie is set: the erase's own page says it)


@pytest.mark.parametrize(
    ("data", "bad"),
    [
        ({"items": ["a", ""]}, True),  # one of its items is none
        ({"item": "", "items": ["a"]}, False),  # (its items are read, not its item: eye69)
        ({"item": "a", "items": "b"}, False),  # (items not a list: its item is read)
        ({"item": "", "items": "b"}, True),
    ],
)
def test_a_purchase_is_checked_as_it_is_read(data: dict[str, Any], bad: bool) -> None:
    """(A browser may not send a purchase: the app's ``track`` does; the check reads a
    purchase's items as :meth:`Change.add_event` does, should a journey allow it.)"""
    assert (bad_item("purchase", data) is not None) is bad
