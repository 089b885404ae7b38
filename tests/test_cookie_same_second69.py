"""concurrency67: a choice and a cookie signed in the same second. Cookies carry whole
seconds, so a page in flight whose cookie was signed in the second of a choice made meanwhile
in another tab (a renewal just before, or a first choice) was taken for the choice's own: its
renewal went out after the choice's cookie and undid it. Now the choice's mark keeps its
cookie's value too (identity/moves.py): in that second only that cookie is the choice's."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
import redis
from itsdangerous.timed import TimestampSigner

from omotenashi import Omotenashi
from omotenashi.asgi import setcookie
from omotenashi.identity import moves
from omotenashi.identity.moves import Moves

from .conftest import client_for, form_token, page_app
from .test_cookie_race53 import PAGE, RULES, form_for
from .test_middleware import Make
from .test_switch_races import gated

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("action", ["save", "erase"])
async def test_a_slow_page_signed_in_the_choices_second_does_not_undo_it(
    make_settings: Make,
    omotenashi_redis: redis.Redis,
    monkeypatch: pytest.MonkeyPatch,
    action: str,
) -> None:
    second = int(time.time())  # every cookie signed, and the choice made, in one second
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: second)
    monkeypatch.setattr(moves, "stamp", lambda: second)
    monkeypatch.setattr(setcookie, "RENEW_WITHIN", 60.0)
    gate, entered = asyncio.Event(), asyncio.Event()
    # (refresh_after 0: every page renews its cookie, as OMOTENASHI_COOKIE_REFRESH_AFTER=0 does)
    mw = Omotenashi(
        gated(gate, entered, PAGE), settings=make_settings(RULES, cookie={"refresh_after": 0})
    )
    await mw.startup()
    try:
        transport = httpx.ASGITransport(app=mw)
        async with httpx.AsyncClient(transport=transport, base_url="http://shop.test") as browser:
            assert "PROMO" in (await browser.get("/")).text
            slow = asyncio.ensure_future(browser.get("/slow"))  # one tab
            await entered.wait()
            page = (await browser.get("/_omotenashi/preferences")).text  # the other
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
            # the choice's own cookie, in the same second, is renewed as before
            again = await browser.get("/")
            assert "set-cookie" in again.headers
            if action == "save":
                assert "PROMO" not in again.text
    finally:
        await mw.shutdown()


async def test_a_cookie_the_choices_page_signs_in_its_second_is_renewed_later(
    make_settings: Make, omotenashi_redis: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    """review69: the page after a "Don't show me this" ends its confirmation with a cookie
    signed in the choice's second; taken for one from before the choice, it was never renewed
    again by this process, and the switch-off lapsed with it."""
    clock = [int(time.time()) - 1000]  # the choice and its page: 1000 s ago, in one second
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: clock[0])
    monkeypatch.setattr(moves, "stamp", lambda: clock[0])
    settings = make_settings(
        RULES, cookie={"refresh_after": 60}, respect={"disclosure": True, "page_panel": True}
    )
    async with client_for(Omotenashi(page_app(PAGE), settings=settings)) as client:
        page = (await client.get("/")).text
        form = {"csrf": form_token(page), "action": "dismiss", "rule": "promo", "next": "/"}
        done = await client.post(
            "/_omotenashi/preferences", data=form, headers={"origin": "http://shop.test"}
        )
        assert done.status_code == 303
        back = await client.get("/")  # the confirmation, said and ended: a new cookie
        assert ">Undo</button>" in back.text and "set-cookie" in back.headers
        clock[0] = int(time.time())  # the cookie is 1000 s old now, past refresh_after
        later = await client.get("/")
        prefs = await client.get("/_omotenashi/preferences")
    assert "PROMO" not in later.text
    assert "set-cookie" in later.headers and "set-cookie" in prefs.headers


class _Cookie:
    def __init__(self, vid: str, issued_at: float, signed: str) -> None:
        self.vid, self.issued_at, self.signed = vid, issued_at, signed


@pytest.mark.parametrize(
    ("issued", "signed", "outdated"),
    [
        (99, "old", True),  # before the choice's second
        (100, "old", True),  # in it, but not the choice's cookie
        (100, "new", False),  # the choice's own
        (101, "old", False),  # signed after it
    ],
)
def test_a_mark_tells_the_choices_cookie_from_others_in_its_second(
    issued: int, signed: str, outdated: bool
) -> None:
    marks = Moves()
    marks.note_signed("v", 100, "old")  # (signed before the choice: no mark to tell yet)
    marks.mark("v", 100, "new")
    assert marks.outdated(_Cookie("v", issued + 0.5, signed)) is outdated
    marks.note_signed("v", 100, "newer")  # signed here after the choice, in its second
    assert not marks.outdated(_Cookie("v", 100, "newer"))
    marks.note_signed("v", 101, "later")  # (a later second: nothing to tell)
    assert marks.outdated(_Cookie("v", 100, "later"))
    assert not marks.outdated(_Cookie("w", issued, signed))  # another id: no choice made
    marks.mark("v", moves.GONE)
    assert marks.gone("v") and marks.outdated(_Cookie("v", issued, "new"))
