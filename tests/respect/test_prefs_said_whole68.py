"""What a screen reader hears on the preferences page is whole (a11y68): a shown block's
switch is described by its reasons too (it ended at "At that moment:"), and the erase
question is focused when the page opens on it (``#erase``), as the notices are."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
import redis

from omotenashi import Omotenashi, Settings

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
