"""What a screen reader hears on the preferences page is whole (a11y68): a shown block's
switch is described by its reasons too (it ended at "At that moment:"), and the erase
question is focused when the page opens on it (``#erase``), as the notices are."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
import redis

from omotenashi import ConfigError, Omotenashi, Settings

from ..conftest import client_for, page_app

pytestmark = pytest.mark.anyio
PREFS = "/_omotenashi/preferences"
PAGE = '<!doctype html><html><body><div data-omo-slot="hero">Default</div></body></html>'
RULES = """
rules:
  - {id: back, slot: hero, text: "Welcome back", when: {views: {at_least: 1}},
     category: history, why: "You have been here before."}
"""


async def test_a_shown_blocks_switch_is_described_by_its_reasons(
    make_settings: Callable[..., Settings], omotenashi_redis: redis.Redis
) -> None:
    async with client_for(Omotenashi(page_app(PAGE), settings=make_settings(RULES))) as client:
        await client.get("/")
        assert "Welcome back" in (await client.get("/")).text
        prefs = (await client.get(PREFS)).text
    box = re.search(r'<input type="checkbox" id="omo-rule-1"[^>]*>', prefs)
    assert box, prefs
    described = re.search(r'aria-describedby="([^"]+)"', box[0])
    assert described and "omo-rule-1-because" in described[1].split()
    because = re.search(r'<ul class="because" id="omo-rule-1-because">(.*?)</ul>', prefs, re.S)
    assert because and "<li>" in because[1]
    assert all(f'id="{i}"' in prefs for i in described[1].split())  # none dangling


@pytest.mark.parametrize("visits", [0, 2], ids=["nothing-kept", "kept"])
async def test_the_erase_question_takes_the_focus_it_is_opened_on(
    make_settings: Callable[..., Settings], omotenashi_redis: redis.Redis, visits: int
) -> None:
    async with client_for(Omotenashi(page_app(PAGE), settings=make_settings(RULES))) as client:
        for _ in range(visits):
            await client.get("/")
        prefs = (await client.get(PREFS, params={"confirm": "erase"})).text
    assert re.search(r'<section id="erase" aria-labelledby="erase-title" tabindex="-1">', prefs)


JA_RULES = """
categories:
  onsen: {label: 温泉}
rules:
  - {id: back, slot: hero, text: "おかえりなさい", when: {views: {at_least: 1}},
     category: onsen, why: "前にもいらっしゃいました"}
"""


@pytest.mark.parametrize("language", ["ja", ""])
async def test_the_editors_words_are_marked_with_the_sites_language(
    make_settings: Callable[..., Settings], omotenashi_redis: redis.Redis, language: str
) -> None:
    """a11y68 P2: on the (English) preferences page, a Japanese site's reasons and kinds were
    read by screen readers as English; OMOTENASHI_RESPECT_SITE_LANGUAGE marks them."""
    settings = make_settings(JA_RULES, respect={"site_language": language})
    async with client_for(Omotenashi(page_app(PAGE), settings=settings)) as client:
        await client.get("/")
        assert "おかえりなさい" in (await client.get("/")).text
        prefs = (await client.get(PREFS)).text
    assert prefs.startswith('<!doctype html>\n<html lang="en">')
    for words in ("前にもいらっしゃいました", "温泉"):
        marked = f'<span lang="ja">{words}</span>'
        assert (marked in prefs) is bool(language), words
        assert words in prefs
    assert re.search(r'<label for="omo-rule-1"><span lang="ja">前に', prefs) or not language
    assert "Shown to you recently" in prefs and '<span lang="ja">Shown' not in prefs
    # (review69) our own kind's words are English, and the page's link home is the site's
    assert "Browsing history" in prefs and '<span lang="ja">Browsing' not in prefs
    assert '<a href="/">Back to the site</a>' in prefs


@pytest.mark.parametrize("tag", ["japanese", "ja_JP", "j", "ja-", "ja JP"])
def test_a_site_language_that_is_no_tag_is_refused_by_name(tag: str) -> None:
    with pytest.raises(ConfigError, match=r"OMOTENASHI_RESPECT_SITE_LANGUAGE .*language tag"):
        Settings(respect={"site_language": tag})
