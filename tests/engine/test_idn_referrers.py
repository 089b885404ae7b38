"""A referrer glob written with an international host (``*bücher.de*``, as editors read it)
matches the punycode host browsers send (``xn--bcher-kva.de``), for the page's referrer and the
first visit's; a punycode glob still matches, and nothing else starts to."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from omotenashi.engine.compare import explain
from omotenashi.engine.conditions import all_hold, compile_when
from omotenashi.engine.facts import Facts
from omotenashi.rules.model import When

from ..test_conditions import BASE

BUECHER = "https://www.xn--bcher-kva.de/angebote?x=1"


@pytest.mark.parametrize(
    ("glob", "referrer", "expected"),
    [
        ("*bücher.de*", BUECHER, True),
        ("*://www.bücher.de/angebote*", BUECHER, True),
        ("*xn--bcher-kva.de*", BUECHER, True),  # as sent, still
        ("*bücher.de*", "https://bucher.de/", False),
        ("*bücher.de*", "https://example.com/?next=xn--bcher-kva.de", False),  # not its host
        ("*bücher.de*", "https://user@xn--bcher-kva.de:8443/", True),
        ("*.de*", "https://xn--zz.de/", True),  # not punycode at all: as it is
        ("*日本.jp*", "https://xn--wgv71a.jp/", True),
    ],
)
@pytest.mark.parametrize("field", ["referrer", "first_referrer"])
def test_a_referrer_glob_matches_an_international_host(
    field: str, glob: str, referrer: str, expected: bool
) -> None:
    facts: Facts = (
        replace(BASE, referrer=referrer)
        if field == "referrer"
        else replace(BASE, referrer="", first_touch={"referrer": referrer})
    )
    when: dict[str, Any] = {field: [glob]}
    assert all_hold(compile_when(When.model_validate(when), "UTC"), facts) is expected


@pytest.mark.parametrize(
    ("referrer", "said"),
    [
        ("https://xn--r8jz45g.jp/page", "例え.jp"),  # Japanese: as its readers write it
        ("https://xn--eckwd4c7c.xn--zckzah/", "ドメイン.テスト"),
        ("https://xn--3e0b707e.kr/", "한국.kr"),
        ("https://shop.xn--wgv71a119e.jp:8443/", "shop.日本語.jp:8443"),
        # a name that could pass for another stays as sent, as browsers keep it
        ("https://xn--pple-43d.com/", "xn--pple-43d.com"),  # a Cyrillic а: "аpple.com"
        ("https://xn--80ak6aa92e.com/", "xn--80ak6aa92e.com"),  # all Cyrillic, "apple.com"
        ("https://www.xn--bcher-kva.de/", "www.xn--bcher-kva.de"),
        # kana that pass for ASCII beside Latin letters ("google・com"), a long vowel mark
        # with no kana before it: as sent (Chromium's spoof checks)
        ("https://xn--googlecom-gl5h.evil.jp/", "xn--googlecom-gl5h.evil.jp"),
        ("https://xn--ab-8j4a.jp/", "xn--ab-8j4a.jp"),
        ("https://xn--wekx33g.jp/", "xn--wekx33g.jp"),
        ("https://xn--cck7c3h.jp/", "ツアー.jp"),  # after kana: a word
        ("https://xn--vekv70gs3pnfb5j.jp/", "日本・東京.jp"),  # no Latin letter beside it
        ("https://xn--zz.de/", "xn--zz.de"),  # not punycode at all
        ("https://search.yahoo.co.jp/search?p=x", "search.yahoo.co.jp"),
    ],
)
def test_a_reason_names_a_japanese_chinese_or_korean_site_as_its_readers_write_it(
    referrer: str, said: str
) -> None:
    """A Japanese visitor read "you came from xn--r8jz45g.jp"."""
    facts = replace(BASE, referrer=referrer)
    compiled = compile_when(When.model_validate({"referrer": ["*"]}), "UTC")
    assert all_hold(compiled, facts)
    assert f"you came from {said}" in explain(compiled, facts)
