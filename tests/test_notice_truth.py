"""What the preferences page says was just done ("Done: everything we kept about you is
erased", "Your choices are saved" ...) is said only to the browser it was done for, within
minutes, and an erase or a reset only while nothing is kept since: a link (``?erased=1``), a
look-alike parameter (``?xerased=1``), a reload after browsing on, or another visitor's mark
makes it say nothing (hunt44). Through the demo site, against a real Redis."""

from __future__ import annotations

import re

import httpx
import pytest
from demo_site.app import create_app, demo_settings

from omotenashi import Settings
from omotenashi.identity.cookie import NOTICE_AGE, CookieSigner

from .conftest import ROOT, client_for, origin

pytestmark = pytest.mark.anyio
UA = {
    "user-agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0 Safari/537.36",
    "accept": "text/html",
}
PREFS = "/_omotenashi/preferences"


def _words(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


async def _post(client: httpx.AsyncClient, **form: str) -> httpx.Response:
    page = (await client.get(PREFS)).text
    token = re.search(r'name="csrf" value="([^"]+)"', page)
    assert token is not None
    same = {"origin": origin(client)}
    return await client.post(PREFS, data={"csrf": token.group(1), **form}, headers=same)


@pytest.mark.parametrize(
    "query",
    [
        "erased=1",
        "erased_all=1",
        "reset=1",
        "xerased=1",
        "saved=1",
        "&".join(f"p{n}=1" for n in range(500)) + "&erased=1",  # (final44: it broke the page)
    ],
)
async def test_a_link_cannot_make_the_page_say_something_was_done(
    omotenashi_redis_url: str, query: str
) -> None:
    settings = demo_settings(ROOT, redis={"url": omotenashi_redis_url}, respect={"fresh_share": 0})
    async with client_for(create_app(ROOT, settings), headers=UA) as client:
        for path in ["/", "/tours/hawaii-family"]:
            await client.get(path)
        page = _words((await client.get(f"{PREFS}?{query}")).text)
    assert "You have visited once and seen 2 pages" in page  # kept, and listed
    assert "Done:" not in page and "choices are saved" not in page


@pytest.mark.parametrize("action", ["erase", "reset"])
async def test_an_erase_is_said_once_done_and_no_more_once_they_browse_on(
    omotenashi_redis_url: str, action: str
) -> None:
    settings = demo_settings(ROOT, redis={"url": omotenashi_redis_url}, respect={"fresh_share": 0})
    async with client_for(create_app(ROOT, settings), headers=UA) as client:
        await client.get("/tours/hawaii-family")
        done = await _post(client, action=action, confirm="yes")
        assert done.status_code == 303
        told = _words((await client.get(done.headers["location"])).text)
        for path in ["/", "/tours/kyoto-autumn"]:
            await client.get(path)
        again = _words((await client.get(done.headers["location"])).text)  # a reload
    assert "Done:" in told
    assert "Done:" not in again and "seen 2 pages" in again


async def test_a_save_is_said_to_the_browser_it_was_made_in_only(
    omotenashi_redis_url: str,
) -> None:
    settings = demo_settings(ROOT, redis={"url": omotenashi_redis_url}, respect={"fresh_share": 0})
    app = create_app(ROOT, settings)
    async with client_for(app, headers=UA) as one, client_for(app, headers=UA) as two:
        await one.get("/")
        await two.get("/")
        saved = await _post(one, action="save", category="campaigns")
        where = saved.headers["location"]
        mine = _words((await one.get(where)).text)
        theirs = _words((await two.get(where)).text)  # the same link, another visitor
    assert "Your choices are saved" in mine
    assert "Your choices are saved" not in theirs


@pytest.mark.parametrize(
    ("mark", "holds"),
    [
        (None, True),
        ("", False),
        ("0.0", False),
        ("zz.ab", False),
        ("1" * 65, False),
    ],
)
def test_a_notice_mark_holds_for_its_visitor_its_notice_and_its_minutes(
    mark: str | None, holds: bool
) -> None:
    signer = CookieSigner(Settings(secret_keys=["k" * 32]))
    good = signer.notice_mark("v1", "saved")
    assert signer.notice_holds("v1", "saved", good if mark is None else mark) is holds
    assert not signer.notice_holds("v2", "saved", good)  # another visitor
    assert not signer.notice_holds("v1", "erased", good)  # another notice
    at = int(good.partition(".")[0], 16) - NOTICE_AGE - 5
    assert not signer.notice_holds("v1", "saved", signer.notice_mark("v1", "saved", at))
    ahead = int(good.partition(".")[0], 16) + 30  # made on a server whose clock is ahead
    assert signer.notice_holds("v1", "saved", signer.notice_mark("v1", "saved", ahead))
