"""How a visitor first found us, as the preferences and data pages give it: the referrer as a
browser's address bar shows it (a Japanese search's words, not their percent-escapes; a host in
kana, CJK or Hangul in those), except what an address bar keeps encoded."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import redis

from omotenashi import Omotenashi, Settings
from omotenashi.engine.profile import Profile
from omotenashi.respect.yourdata import first_touch

from .conftest import client_for, page_app

pytestmark = pytest.mark.anyio
YAHOO = "https://search.yahoo.co.jp/search?p=%E4%BA%AC%E9%83%BD"


@pytest.mark.parametrize(
    ("sent", "shown"),
    [
        (YAHOO, "https://search.yahoo.co.jp/search?p=京都"),
        ("https://xn--r8jz45g.jp/%E3%83%84%E3%82%A2%E3%83%BC", "https://例え.jp/ツアー"),
        ("https://xn--pple-43d.com/", "https://xn--pple-43d.com/"),  # could pass for another
        ("https://example.com/?q=%FF", "https://example.com/?q=%FF"),  # not UTF-8: as sent
        ("https://example.com/?q=a%20b", "https://example.com/?q=a%20b"),  # a space: encoded
        ("https://example.com/%E2%80%AEgpj.exe", "https://example.com/%E2%80%AEgpj.exe"),
        ("https://example.com/?q=%0Aline", "https://example.com/?q=%0Aline"),
        ("https://[::1]:8080/x", "https://[::1]:8080/x"),
        # an escaped "&", "=" or "#" stays escaped: decoded, it reads as another address
        ("https://example.com/?q=a%26b%3Dc%23d%E4%BA%AC", "https://example.com/?q=a%26b%3Dc%23d京"),
        # invisible, or passing for "/": as sent
        ("https://example.com/?q=%E2%80%8Bx", "https://example.com/?q=%E2%80%8Bx"),
        ("https://example.com/a%EF%BC%8Fb", "https://example.com/a%EF%BC%8Fb"),
        ("https://example.com/?q=%C2%ADx", "https://example.com/?q=%C2%ADx"),
        # cut to a limit inside a character: what comes before it, decoded
        (YAHOO + "%E9", "https://search.yahoo.co.jp/search?p=京都%E9"),
        ("https://example.com/?q=%E4%BA%AC%FF%E9%83%BD", "https://example.com/?q=京%FF%E9%83%BD"),
    ],
)
def test_the_first_referrer_is_shown_as_an_address_bar_shows_it(sent: str, shown: str) -> None:
    profile = Profile(first_touch={"referrer": sent, "utm_source": "%E4%BA%AC"})
    assert first_touch(profile) == [
        f"The site you first came to us from: {shown}",
        "Where the link you first came by says it was from: %E4%BA%AC",
    ]


RULES = """
rules:
  - {id: hello, slot: hero, text: "Hello", why: "Everyone sees it."}
"""


async def test_the_pages_give_a_japanese_search_in_its_words(
    make_settings: Callable[..., Settings], omotenashi_redis: redis.Redis
) -> None:
    mw = Omotenashi(page_app('<div data-omo-slot="hero">Hi</div>'), settings=make_settings(RULES))
    async with client_for(mw) as client:
        await client.get("/", headers={"referer": YAHOO, "accept": "text/html"})
        await mw.drain()
        said = (await client.get("/_omotenashi/preferences")).text
        data = (await client.get("/_omotenashi/preferences/data")).text
    for page in (said, data):  # the site alone is kept: never the search's words (qa44)
        assert "the site you first came to us from: https://search.yahoo.co.jp/" in page.lower()
        assert "京都" not in page and "search?p=" not in page


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        (YAHOO, "https://search.yahoo.co.jp/"),
        ("https://user:secret@news.example:8443/a/b?token=x#y", "https://news.example:8443/"),
        ("https://www.google.com/search?q=divorce+lawyer", "https://www.google.com/"),
        ("android-app://com.google.android.gm/", "android-app://com.google.android.gm/"),
        ("https://[::1/x", None),  # no URL: nothing kept
    ],
)
async def test_the_first_referrer_is_kept_as_its_site_alone(
    make_settings: Callable[..., Settings], omotenashi_redis: redis.Redis, sent: str, kept: str
) -> None:
    mw = Omotenashi(page_app('<div data-omo-slot="hero">Hi</div>'), settings=make_settings(RULES))
    async with client_for(mw) as client:
        await client.get("/", headers={"referer": sent, "accept": "text/html"})
        await mw.drain()
        exported = (await client.get("/_omotenashi/preferences/export")).json()
    assert exported["profile"]["first_visit"].get("referrer") == kept
