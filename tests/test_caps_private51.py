"""journey51: a rule with a ``cap:`` uses what is kept about the visitor (how often they saw
it), so it is held wherever a rule about their history is. Before, a contextual rule capped at
once ever showed on every page of a visitor under GPC or without consent (nothing counted its
showings), its "i" saying "We ask everyone once"."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from omotenashi import Omotenashi, Settings

from .conftest import client_for, page_app, switch_history

pytestmark = pytest.mark.anyio
UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0"
PAGE = (
    '<!doctype html><html><body><p data-omo-slot="ask">-</p>'
    '<p data-omo-slot="note">-</p></body></html>'
)
RULES = """
rules:
  - id: ask-once
    slot: ask
    text: "Join our club"
    when: {path: "/*"}
    cap: {views: 1, per: ever, until: signup}
    why: "We ask everyone once."
  - id: page-note
    slot: note
    text: "Tours for every season"
    when: {path: "/*"}
    why: "Shown on every page."
"""


@pytest.mark.parametrize(
    ("headers", "respect", "asked"),
    [
        ({}, {}, 1),
        ({"sec-gpc": "1"}, {}, 0),
        ({}, {"consent_required": True}, 0),
        ({"consent": "yes"}, {"consent_required": True}, 1),
    ],
    ids=["kept", "gpc", "no-consent", "consent"],
)
async def test_a_capped_rule_shows_only_where_its_showings_are_counted(
    make_settings: Callable[..., Settings],
    headers: dict[str, str],
    respect: dict[str, Any],
    asked: int,
) -> None:
    mw = Omotenashi(page_app(PAGE), settings=make_settings(RULES, respect=respect))
    sent = dict(headers)
    consent = sent.pop("consent", None)
    async with client_for(mw, headers={"user-agent": UA, **sent}) as browser:
        if consent is not None:  # the site's banner's cookie, beside ours
            browser.cookies.set("omo_consent", consent, domain="shop.test")
        pages = []
        for _ in range(4):
            pages.append((await browser.get("/tours")).text)
            await mw.drain()
    assert sum("Join our club" in p for p in pages) == asked
    assert all("Tours for every season" in p for p in pages)  # (uncapped: shown to all)


async def test_a_capped_rule_is_held_with_the_browsing_history_off_too(
    make_settings: Callable[..., Settings],
) -> None:
    """One rule for every block that uses what is kept about someone: with their browsing
    history off, a capped block is held as a block about their history is (its showings are
    still counted there: the choice is the quieter one, and the preferences page says it)."""
    mw = Omotenashi(page_app(PAGE), settings=make_settings(RULES))
    async with client_for(mw, headers={"user-agent": UA}) as browser:
        await browser.get("/tours")
        await switch_history(browser, on=False)
        pages = [(await browser.get("/tours")).text for _ in range(3)]
    assert not any("Join our club" in p for p in pages)
    assert all("Tours for every season" in p for p in pages)
