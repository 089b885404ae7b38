"""Global Privacy Control (or Do Not Track, or no consent) holds back every block on what the
visitor did: the preferences page says so of each such block left ticked ("Not shown to you
now: ...", read with its switch), and of each switched off ("Ticked, it still stays off
while ..."); an Undo says the block is still off, and a Done no longer says that others giving
its reason still show. Through the whole stack, against a real Redis."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import redis
from selectolax.lexbor import LexborHTMLParser

from omotenashi import Omotenashi, Settings
from omotenashi.respect.notes import held_by_privacy

from ..conftest import client_for, form_token, origin, page_app, page_words
from ..test_dismiss_flash import form, said

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]
PREFS = "/_omotenashi/preferences"
GPC = {"sec-gpc": "1"}
DNT = {"dnt": "1"}
PAGE = (
    "<!doctype html><html><head></head><body>"
    '<div id="hero" data-omo-slot="hero">Default hero</div>'
    '<aside id="promo" data-omo-slot="promo">Default promo</aside>'
    '<p data-omo-slot="note">Default note</p>'
    "</body></html>"
)
RULES = """
rules:
  - {id: seen-hero, slot: hero, text: "Welcome back", priority: 90, when: {views: {at_least: 1}},
     category: history, why: "You have been here before."}
  - {id: campaign-promo, slot: promo, text: "Spring offer", when: {query: {utm_campaign: spring}},
     category: campaigns, why: "You followed our spring link."}
  - {id: spring-again, slot: note, text: "Spring again", when: {views: {at_least: 1}},
     category: history, why: "You followed our spring link."}
  - {id: fan-note, slot: note, text: "A fan", priority: 90, when: {views: {at_least: 50}},
     category: history, why: "You come here often."}
"""
HERO = "You have been here before"
HELD = (
    "Not shown to you now: your browser asks sites not to track you (Global Privacy Control or "
    "Do Not Track), and {how}. Left ticked, it may show again when your browser no longer "
    "asks that."
)
USES = HELD.format(how="it uses what you did here")
UNTOUCHED = HELD.format(how="no page is adapted to you meanwhile")
STILL_PRIVATE = (  # after "Undone: ... is switched back on.": the one reason that holds
    " It still stays off while your browser asks sites not to track you (Global Privacy "
    "Control or Do Not Track): it uses what you did here."
)
STILL = (
    "Ticked, it still stays off while your browser asks sites not to track you (Global "
    "Privacy Control or Do Not Track)."
)


def site(make_settings: Make, **respect: Any) -> Omotenashi:
    settings = make_settings(RULES, respect={"disclosure": True, "page_panel": True, **respect})
    return Omotenashi(page_app(PAGE), settings=settings)


def cards(page: str, listed: str) -> dict[str, tuple[str, set[str]]]:
    """Per card of the list ``listed``, by its label: what its lines after the switch say
    (its "-off" or "-hint" line), and the ids its switch is described by."""
    out = {}
    for card in LexborHTMLParser(page).css(f"#{listed} > li"):
        box, label = card.css_first("input[type=checkbox]"), card.css_first("label")
        assert box is not None and label is not None
        lines = [
            " ".join(html.unescape(page_words(p.html or "")).split())
            for p in card.css("p")
            if (p.attributes.get("id") or "").endswith(("-off", "-hint"))
        ]
        described = set((box.attributes.get("aria-describedby") or "").split())
        ids = {p.attributes.get("id") for p in card.css("p, ul")}  # (its reasons too: a11y68)
        assert described <= ids, (described, ids)  # each names a line of the card
        out[label.text()] = (" ".join(lines), described)
    return out


async def browse(client: httpx.AsyncClient) -> None:
    """Shown the hero (on what they did) and the spring promo (on the link alone); the fan
    note (never shown) switched off from the preferences page."""
    await client.get("/?utm_campaign=spring")
    await client.get("/?utm_campaign=spring")
    page = await client.get(PREFS)
    fields = {"csrf": form_token(page.text), "action": "save", "listed": "fan-note"}
    saved = await client.post(
        PREFS, data={**fields, "listed_kind": ""}, headers={"origin": origin(client)}
    )
    assert saved.status_code == 303


@pytest.mark.parametrize(
    ("signal", "contextual", "hero", "promo"),
    [
        (GPC, True, USES, ""),  # the promo uses the link alone: shown still
        (DNT, True, USES, ""),
        (GPC, False, USES, UNTOUCHED),  # pages pass untouched: the promo is not shown either
        ({}, True, "", ""),  # no signal: nothing holds them back
    ],
)
async def test_a_block_held_back_by_gpc_says_so_with_its_switch(
    make_settings: Make,
    omotenashi_redis: redis.Redis,
    signal: dict[str, str],
    contextual: bool,
    hero: str,
    promo: str,
) -> None:
    async with client_for(site(make_settings, private_contextual=contextual)) as client:
        await browse(client)
        page = (await client.get(PREFS, headers=signal)).text
    shown = cards(page, "omo-shown")
    # the same reason in another kind: its own entry, on what they did (as the hero)
    again = "You followed our spring link. (History)"
    expected = {HERO + ".": hero, "You followed our spring link.": promo, again: hero}
    assert {label: text for label, (text, _) in shown.items()} == expected
    for label, (text, described) in shown.items():  # read with the switch
        assert any(d.endswith("-off") for d in described) == bool(text), label
    off = cards(page, "omo-switched-off")
    assert off == {
        "You come here often.": (
            f"Kind: History. {STILL}" if signal else "Kind: History.",
            {"omo-off-1-hint"},
        )
    }


@pytest.mark.parametrize(("signal", "more"), [(GPC, STILL_PRIVATE), (DNT, STILL_PRIVATE), ({}, "")])
async def test_an_undo_under_gpc_says_the_block_is_still_off(
    make_settings: Make, omotenashi_redis: redis.Redis, signal: dict[str, str], more: str
) -> None:
    async with client_for(site(make_settings)) as client:
        await client.get("/")
        shown = await client.get("/")
        done = await client.post(
            PREFS, data=form(shown.text, "omo-dismiss"), headers={"origin": origin(client)}
        )
        assert done.status_code == 303
        back = await client.get("/", headers=signal)  # the signal sent from now on
        undo = await client.post(
            PREFS, data=form(back.text, "omo-undo"), headers={"origin": origin(client), **signal}
        )
        assert undo.status_code == 303
        again = await client.get("/", headers=signal)
    assert said(again) == f"Undone: “{HERO}” is switched back on.{more} Your choices"
    assert ("Welcome back" in again.text) == (not signal)  # as it says


@pytest.mark.parametrize(
    ("signal", "done"),
    [
        # the other block giving that reason is on what they did: held back while GPC is
        # sent, shown again once it is not: the reason itself is not promised gone (final46)
        (GPC, "Done: you won't see that block again."),
        ({}, "Done: you won't see that block again."),  # ... it still shows
    ],
)
async def test_a_dismissal_under_gpc_promises_only_that_block(
    make_settings: Make, omotenashi_redis: redis.Redis, signal: dict[str, str], done: str
) -> None:
    async with client_for(site(make_settings)) as client:
        await client.get("/")
        shown = await client.get("/?utm_campaign=spring", headers=signal)
        fields = form(shown.text.split('data-omo-slot="promo"')[1], "omo-dismiss")
        assert fields["rule"] == "campaign-promo"
        went = await client.post(PREFS, data=fields, headers={"origin": origin(client), **signal})
        assert went.status_code == 303
        back = await client.get("/", headers=signal)
    assert said(back) == f"{done} Undo Your choices"


@pytest.mark.parametrize(
    ("reason", "behavioural", "adapts", "held"),
    [
        ("gpc", True, True, USES.removeprefix("Not shown to you now: ")),
        ("gpc", False, True, ""),  # on the page, the time, the link: shown still
        ("gpc", False, False, UNTOUCHED.removeprefix("Not shown to you now: ")),
        (
            "consent",
            True,
            True,
            "you have not given consent to personalisation, and it uses what you did here. "
            "Left ticked, it may show again once you give it.",
        ),
        (
            "withdrawn",
            False,
            False,
            "you have withdrawn your consent, and no page is adapted to you meanwhile. "
            "Left ticked, it may show again if you give it again.",
        ),
        (
            "revoked",
            True,
            True,
            "this site has turned personalisation off for you, and it uses what you did here.",
        ),
        ("", True, True, ""),  # nothing holds it back
        ("nothing", True, True, ""),  # said as their own choice instead
        ("bot", True, True, ""),  # (shown nothing to choose about)
    ],
)
def test_what_each_privacy_decision_says_of_a_block_it_holds_back(
    reason: str, behavioural: bool, adapts: bool, held: str
) -> None:
    assert held_by_privacy(reason, behavioural, adapts) == held
