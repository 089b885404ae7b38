"""A reason given by blocks in two places is one choice: "Don't show me this" on one switches
both off, and says so: the button's name and the confirmation name every such block of this kind,
not the one pressed (visitor62: "…, the “tagline” block", and the hero went too)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from omotenashi import Omotenashi, Settings

from .conftest import client_for, page_app
from .test_dismiss_flash import form, said, submit

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]
PAGE = (
    "<!doctype html><html><head></head><body>"
    '<div id="hero" data-omo-slot="hero">Default hero</div>'
    '<p id="tagline" data-omo-slot="tagline">Default tagline</p></body></html>'
)
WHY = "Help with choosing a tour"
RULES = f"""
rules:
  - {{id: hero, slot: hero, text: "Compare tours", priority: 5, why: "{WHY}."}}
  - {{id: tagline, slot: tagline, text: "Still deciding?", why: "{WHY}."}}
  - {{id: alone, slot: hero, text: "Alone", priority: 0, why: "Another reason."}}
"""


async def test_a_reason_in_two_places_is_said_as_one_choice(make_settings: Make) -> None:
    settings = make_settings(RULES, respect={"disclosure": True, "fresh_share": 0.0})
    async with client_for(Omotenashi(page_app(PAGE), settings=settings)) as client:
        await client.get("/")
        page = await client.get("/")
        names = re.findall(r'aria-label="(Don\'t show me this: [^"]*)"', page.text)
        assert names == [f"Don't show me this: {WHY}, every such block of this kind"] * 2
        assert 'aria-label="i: why you see this: Help with choosing a tour, the “hero” block"' in (
            page.text
        )  # (the "i"s still name each block: they are two things to open)
        await submit(client, form(page.text, "omo-dismiss"))
        back = await client.get("/")
    assert said(back).startswith(f"Done: you won't see the blocks for “{WHY}” again.")
    assert "Compare tours" not in back.text and "Still deciding?" not in back.text


async def test_a_reason_given_by_another_kind_too_is_said_truly(make_settings: Make) -> None:
    # (eye62: the button said "every block that gives it" while a block of another kind giving
    # the reason stayed; the confirmation said "that block" of two)
    rules = (
        RULES
        + f'  - {{id: foot, slot: foot, text: "Foot offer", category: offers, why: "{WHY}."}}\n'
    )
    page = PAGE.replace("</body>", '<footer id="foot" data-omo-slot="foot">F</footer></body>')
    settings = make_settings(rules, respect={"disclosure": True, "fresh_share": 0.0})
    async with client_for(Omotenashi(page_app(page), settings=settings)) as client:
        await client.get("/")
        shown = await client.get("/")
        await submit(client, form(shown.text, "omo-dismiss"))
        back = await client.get("/")
    assert said(back).startswith("Done: you won't see those blocks again.")
    assert "Foot offer" in back.text and "Still deciding?" not in back.text
