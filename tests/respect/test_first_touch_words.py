"""How a visitor first found us, on their preferences and data pages, in plain words: what the
first page's link named (its campaign, where it says it was from ...) and the site they came
from, never "utm campaign" or "referrer"; the JSON download keeps the machine names."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from urllib.parse import urlencode

import pytest
import redis

from omotenashi import Omotenashi, Settings
from omotenashi.engine.profile import FIRST_TOUCH, Profile
from omotenashi.respect.yourdata import first_touch

from ..conftest import client_for, page_app, page_words

Make = Callable[..., Settings]
SENT = {  # what the first page's link named, a value per field the profile keeps
    "utm_source": "newsletter",
    "utm_medium": "email",
    "utm_campaign": "winter-sale",
    "utm_term": "kyoto",
    "utm_content": "banner-two",
}
JARGON = re.compile(r"utm|referr?er|\bsource\b|\bmedium\b", re.I)


@pytest.mark.parametrize("key", FIRST_TOUCH)
def test_each_field_kept_is_said_in_plain_words(key: str) -> None:
    (line,) = first_touch(Profile(first_touch={key: "https://news.example"}))
    label, _, value = line.rpartition(": ")
    assert value == "https://news.example" and label[:1].isupper()
    assert not JARGON.search(label) and "_" not in label, label


@pytest.mark.anyio
async def test_the_visitors_pages_say_how_they_found_us_in_plain_words(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    mw = Omotenashi(page_app('<div data-omo-slot="hero">Hi</div>'), settings=make_settings())
    async with client_for(mw) as client:
        await client.get("/?" + urlencode(SENT), headers={"referer": "https://news.example/a"})
        await mw.drain()
        pages = [
            html.unescape(page_words((await client.get(f"/_omotenashi/preferences{p}")).text))
            for p in ("", "/data")
        ]
        exported = (await client.get("/_omotenashi/preferences/export")).json()
    for page in pages:
        assert "the campaign the link you first came by was part of: winter-sale" in page.lower()
        assert "the site you first came to us from: https://news.example" in page.lower()
        assert all(value in page for value in SENT.values())
        assert not re.search(r"utm|referrer", page, re.I), page
    assert set(exported["profile"]["first_visit"]) == {*SENT, "referrer"}  # machine names
