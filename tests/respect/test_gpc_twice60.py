"""inputs60: a Global Privacy Control (or Do Not Track) "1" holds when the header comes twice
(a proxy adding its own line, or folding both into one list): the last line alone was read,
so ``Sec-GPC: 1`` then ``Sec-GPC: 0`` was not private, and the visitor's page view was kept.
The one decision (respect/privacy.py) reads what asgi/arrival.py keeps; through the real
middleware, against a real Redis."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import redis

from omotenashi import Omotenashi, Settings
from omotenashi.asgi.requestheaders import request_headers
from omotenashi.engine.restraint import Prefs
from omotenashi.respect.privacy import decide_privacy

from ..conftest import client_for, page_app

Make = Callable[..., Settings]
PAGE = '<!doctype html><html><body><div data-omo-slot="hero">Default</div></body></html>'
RULES = """
rules:
  - {id: hero, slot: hero, text: "Welcome back", when: {views: {at_least: 1}},
     why: "You have been here before."}
"""
SENT = [
    ([("sec-gpc", "1"), ("sec-gpc", "0")], True),
    ([("sec-gpc", "1"), ("sec-gpc", "")], True),
    ([("sec-gpc", "0"), ("sec-gpc", "1")], True),
    ([("sec-gpc", "1, 1")], True),
    ([("dnt", "1"), ("dnt", "0")], True),
    ([("dnt", "0"), ("sec-gpc", " 1 ,0")], True),
    ([("sec-gpc", "1, 0"), ("sec-gpc", "0")], True),  # (last60)
    ([("dnt", "1,1"), ("dnt", "0")], True),
    ([("sec-gpc", "0"), ("sec-gpc", "0")], False),
    ([("sec-gpc", "10")], False),
    ([("sec-gpc", "")], False),
    ([("dnt", "0, 0")], False),
]


@pytest.mark.parametrize(("headers", "private"), SENT)
def test_a_privacy_signal_on_any_line_is_read(
    headers: list[tuple[str, str]], private: bool, omotenashi_settings: Settings
) -> None:
    scope = {"headers": [(k.encode(), v.encode()) for k, v in headers]}
    decided = decide_privacy(request_headers(scope), Prefs(), omotenashi_settings.respect)
    assert decided.private is private


@pytest.mark.anyio
@pytest.mark.parametrize(("headers", "private"), SENT[:2] + SENT[-4:-3])
async def test_nothing_is_kept_of_a_visitor_whose_signal_came_twice(
    headers: list[tuple[str, str]],
    private: bool,
    make_settings: Make,
    omotenashi_redis: redis.Redis,
) -> None:
    mw = Omotenashi(page_app(PAGE), settings=make_settings(RULES))
    before = set(omotenashi_redis.keys("*"))
    async with client_for(mw) as client:
        for _ in range(2):
            got = await client.get("/", headers=[("accept", "text/html"), *headers])
            assert got.status_code == 200
    kept = set(omotenashi_redis.keys("*")) - before
    assert bool(kept) is not private, kept
    assert ("Welcome back" in got.text) is not private
