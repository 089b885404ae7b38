"""A visitor's year: a profile that expires idle (``OMOTENASHI_REDIS_IDLE_TTL``) starts again
from nothing while the visitor keeps their cookie, so what we say of their past says what we
know of it ("we have no record of an earlier visit of yours"), never that there was none.
Through the middleware against the real embedded Valkey, the clock moved in-process
(test_clock_skew's fixture) and the profile's keys deleted as their expiry would."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
import redis

from omotenashi import Omotenashi, Settings

from .conftest import client_for, page_app
from .test_clock_skew import clock as clock

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]
PAGE = (
    "<!doctype html><html><head></head><body>"
    '<div data-omo-slot="hero">Default</div><div data-omo-slot="foot">Default</div>'
    "</body></html>"
)
RULES = """\
rules:
  - {id: hello, slot: hero, text: "HELLO-NEW", why: "A welcome.", when: {new: true}}
  - {id: back, slot: hero, text: "HELLO-BACK", why: "Welcome back.", when: {returning: true}}
  - {id: few, slot: foot, text: "FEW-PAGES", why: "Few.", when: {views: {lt: 2}}}
"""
DAY = 86400.0


def said(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split()).lower()


async def test_a_visitor_back_after_their_profile_expired_is_not_told_it_is_their_first_visit(
    make_settings: Make, omotenashi_redis: redis.Redis, clock: list[float]
) -> None:
    settings = make_settings(RULES, respect={"disclosure": True, "page_panel": True})
    async with client_for(Omotenashi(page_app(PAGE), settings=settings)) as client:
        for path in ("/", "/a", "/b"):
            await client.get(path)
        clock[0] = 3 * DAY
        back = said((await client.get("/")).text)
        assert "hello-back" in back and "you have visited us before" in back
        profiles = list(omotenashi_redis.scan_iter("*:p2"))
        assert len(profiles) == 1
        omotenashi_redis.delete(*profiles)  # idle for OMOTENASHI_REDIS_IDLE_TTL
        clock[0] = 130 * DAY
        page = said((await client.get("/")).text)
        data = said((await client.get("/_omotenashi/preferences")).text)
    assert "hello-new" in page and "few-pages" in page  # a profile begun again, as documented
    assert "this is your first visit" not in page
    assert "we have no record of an earlier visit of yours" in page
    assert "you have seen fewer than 2 pages here" not in page  # they saw 4
    assert "we know of fewer than 2 pages you have seen here" in page
    assert "your first visit was on" not in data and "the first visit we have on record" in data
