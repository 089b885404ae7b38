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
    marks.mark("v", 100, "new")
    assert marks.outdated(_Cookie("v", issued + 0.5, signed)) is outdated
    assert not marks.outdated(_Cookie("w", issued, signed))  # another id: no choice made
    marks.mark("v", moves.GONE)
    assert marks.gone("v") and marks.outdated(_Cookie("v", issued, "new"))
