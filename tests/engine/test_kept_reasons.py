"""What the profile keeps of why a block was shown: the sentences of the conditions that chose
it, not of a ``not:`` that held back nothing (said in the block's "i", not kept about the
visitor: engine/disclosure.py ``kept_reasons``); all of them when only a ``not:`` chose it."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
import redis

from omotenashi import Omotenashi, Settings
from omotenashi.identity.cookie import CookieSigner

from ..conftest import client_for, page_app

pytestmark = pytest.mark.anyio
RULES = """
rules:
  - id: chosen
    slot: hero
    text: Hello
    why: "For a first visit."
    when: {new: true, not: {device: [mobile]}}
  - id: guarded
    slot: tag
    text: Hi
    why: "Not for phones."
    when: {not: {device: [mobile]}}
"""
PAGE = (
    '<!doctype html><html><body><div data-omo-slot="hero">a</div>'
    '<div data-omo-slot="tag">b</div></body></html>'
)
DESKTOP = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"


async def test_a_not_is_said_but_not_kept(
    make_settings: Callable[..., Settings], omotenashi_redis: redis.Redis
) -> None:
    respect = {"disclosure": True, "page_panel": False}
    mw = Omotenashi(page_app(PAGE), settings=make_settings(RULES, respect=respect))
    async with client_for(mw) as client:
        page = await client.get("/", headers={"accept": "text/html", "user-agent": DESKTOP})
        await mw.drain()
        name = mw.settings.cookie.name
        vid = CookieSigner(mw.settings).identify(f"{name}={client.cookies[name]}").vid
        kept = (await mw.store.load(vid)).shown_why
    said = re.sub(r"\s+", " ", page.text).lower()
    # the "i" says every sentence, the not:'s too
    assert "<li>we have no record of an earlier visit of yours.</li>" in said
    assert said.count("<li>you are on a computer.</li>") == 2
    (_, chosen), (_, guarded) = kept["chosen"], kept["guarded"]
    assert chosen == ["we have no record of an earlier visit of yours"]  # the not: is not kept
    assert guarded == ["you are on a computer"]  # nothing else chose it: kept
