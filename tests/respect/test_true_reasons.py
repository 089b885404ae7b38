"""undone47: what the visitor is told about the privacy decision is true of them now. An Undo
names the one reason a block on what they did still stays off (GPC, no consent, consent
withdrawn, revoked), in the preferences page's words; a signed-in GPC visitor with nothing
kept is not told "we set no personalisation cookie" while their cookie holds their sign-in;
and "Left ticked, it may show again when ..." names all that would bring it back. Through the
whole stack, against a real Redis."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import redis
from selectolax.lexbor import LexborHTMLParser
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse
from starlette.routing import Route

from omotenashi import Omotenashi, Settings, consent
from omotenashi.ids import is_user_id

from ..conftest import client_for, form_token, origin, page_words
from ..test_dismiss_flash import form, said
from ..test_preferences_truth import my_id
from ..test_privacy_paths import login, revoke_me
from .test_counts_stay_true import GPC, PREFS

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]
PAGE = (
    "<!doctype html><html><head></head><body>"
    '<div id="hero" data-omo-slot="hero">Default hero</div>'
    '<aside id="promo" data-omo-slot="promo">Default promo</aside>'
    '<p id="note" data-omo-slot="note">Default note</p>'
    "</body></html>"
)
RULES = """
rules:
  - {id: seen-hero, slot: hero, text: "Welcome back", when: {views: {at_least: 1}},
     category: history, why: "You have been here before."}
  - {id: campaign-promo, slot: promo, text: "Spring offer", when: {query: {utm_campaign: spring}},
     category: campaigns, why: "You followed our spring link."}
  - {id: fan-note, slot: note, text: "A fan", when: {views: {at_least: 50}},
     category: campaigns, why: "You come here often."}
"""
HERO = "You have been here before"
GPC_CAUSE = "your browser asks sites not to track you (Global Privacy Control or Do Not Track)"
UNTICK = "you untick “Personalise nothing for me”"


def shop() -> Starlette:
    async def page(request: Request) -> HTMLResponse:
        return HTMLResponse(PAGE)

    async def withdraw(request: Request) -> PlainTextResponse:
        await consent(request, False)
        return PlainTextResponse("ok")

    return Starlette(
        routes=[
            Route("/", page),
            Route("/login/{user}", login, methods=["POST"]),
            Route("/withdraw", withdraw, methods=["POST"]),
            Route("/revoke-me", revoke_me, methods=["POST"]),
            Route("/me", my_id),
        ]
    )


def site(make_settings: Make, **respect: Any) -> Omotenashi:
    settings = make_settings(RULES, respect={"disclosure": True, "page_panel": True, **respect})
    return Omotenashi(shop(), settings=settings)


def text(fragment: str) -> str:
    return " ".join(html.unescape(page_words(fragment)).split())


async def post(client: httpx.AsyncClient, url: str, data: Any = None, **headers: str) -> None:
    sent = await client.post(url, data=data, headers={"origin": origin(client), **headers})
    assert sent.status_code in (200, 303), (url, sent.status_code)


async def go_private(client: httpx.AsyncClient, reason: str) -> dict[str, str]:
    """Make the privacy decision ``reason`` hold for the browser; the headers it sends then."""
    if reason == "withdrawn":
        await post(client, "/withdraw")
    elif reason == "revoked":
        await post(client, "/revoke-me")
    elif reason == "consent":  # the consent banner's cookie gone (the site asks for consent)
        client.cookies.delete("omo_consent")
    return GPC if reason == "gpc" else {}


@pytest.mark.parametrize(
    ("reason", "cause"),
    [
        ("gpc", GPC_CAUSE),
        ("consent", "you have not given consent to personalisation"),
        ("withdrawn", "you have withdrawn your consent"),
        ("revoked", "this site has turned personalisation off for you"),
    ],
)
async def test_an_undo_names_the_one_reason_the_block_stays_off(
    make_settings: Make, omotenashi_redis: redis.Redis, reason: str, cause: str
) -> None:
    mw = site(make_settings, consent_required=reason == "consent")
    async with client_for(mw, cookies={"omo_consent": "1"}) as client:
        await client.get("/")
        shown = await client.get("/")
        assert "Welcome back" in shown.text
        await post(client, PREFS, form(shown.text, "omo-dismiss"))
        signal = await go_private(client, reason)
        fields = {"csrf": form_token((await client.get(PREFS, headers=signal)).text)}
        undo = {**fields, "action": "undo", "rule": "seen-hero", "next": "/"}
        await post(client, PREFS, undo, **signal)
        again = await client.get("/", headers=signal)
        prefs = await client.get(PREFS, headers=signal)
    assert said(again) == (
        f"Undone: “{HERO}” is switched back on. It still stays off while {cause}: it uses "
        "what you did here. Your choices"
    )
    assert "Welcome back" not in again.text  # as it says
    if reason in ("gpc", "consent"):  # (withdrawn, revoked: what was shown is erased)
        line = LexborHTMLParser(prefs.text).css_first("#omo-rule-1-off")
        assert line is not None
        assert text(line.html or "").startswith(f"Not shown to you now: {cause}, and it uses")


SIGNED_IN_ONLY = (
    "We keep nothing about you (our cookie on this device holds only your sign-in, the link to "
    "your account, with nothing stored under it; the site's own cookies, such as one that "
    "keeps your cart, are the site's)."
)


@pytest.mark.parametrize("where", [PREFS, PREFS + "/data"])
async def test_a_signed_in_gpc_visitor_with_nothing_kept_is_not_told_no_cookie_is_set(
    make_settings: Make, omotenashi_redis: redis.Redis, where: str
) -> None:
    async with client_for(site(make_settings)) as client:
        await post(client, "/login/mei")
        start = await client.get(PREFS, headers=GPC)  # start afresh: nothing under the account
        await post(client, PREFS, {"csrf": form_token(start.text), "action": "reset"}, **GPC)
        said_there = text((await client.get(where, headers=GPC)).text)
        signed_in = (await client.get("/me", headers=GPC)).text
    assert is_user_id(signed_in)  # the cookie holds their sign-in, as it says
    assert not omotenashi_redis.keys(f"*{signed_in}*")  # and nothing is stored under it
    assert "set no personalisation cookie" not in said_there
    assert SIGNED_IN_ONLY in said_there


def lines(page: str) -> dict[str, str]:
    """Per switch of the preferences page, by its label: what its "-off" line says."""
    out = {}
    for card in LexborHTMLParser(page).css("li.card"):
        label, off = card.css_first("label"), card.css_first("p[id$='-off']")
        if label is not None and off is not None:
            out[label.text()] = text(off.html or "")
    return out


async def save(client: httpx.AsyncClient, nothing: bool, off: tuple[str, ...]) -> None:
    """The preferences page saved with every block left ticked, ``nothing`` and the kinds
    ``off`` switched off."""
    page = (await client.get(PREFS)).text
    tree = LexborHTMLParser(page)
    values = {
        name: [i.attributes.get("value") or "" for i in tree.css(f"input[name={name}]")]
        for name in ("rule", "listed", "listed_kind", "listed_category", "category")
    }
    fields: dict[str, Any] = {**values, "csrf": form_token(page), "action": "save"}
    fields["category"] = [k for k in values["category"] if k not in off]
    if nothing:
        fields["nothing"] = "1"
    await post(client, PREFS, fields)


NOT_SHOWN = f"Not shown to you now: {GPC_CAUSE}, and it uses what you did here."
AGAIN = "Left ticked, it may show again when your browser no longer asks that"


@pytest.mark.parametrize(
    ("nothing", "off", "hero"),
    [
        ((False), (), f"{NOT_SHOWN} {AGAIN}."),
        (
            True,
            (),
            f"{NOT_SHOWN} You also chose to personalise nothing. {AGAIN} and {UNTICK}.",
        ),
        (
            False,
            ("history",),
            f"{NOT_SHOWN} You also switched off “History” below. {AGAIN} and you switch "
            "“History” back on.",
        ),
        (
            False,
            ("browsing-history",),
            f"{NOT_SHOWN} Your browsing history is off too. {AGAIN} and you switch “Browsing "
            "history” back on.",
        ),
    ],
)
async def test_a_block_held_back_by_gpc_says_only_what_would_bring_it_back(
    make_settings: Make,
    omotenashi_redis: redis.Redis,
    nothing: bool,
    off: tuple[str, ...],
    hero: str,
) -> None:
    async with client_for(site(make_settings)) as client:
        await client.get("/?utm_campaign=spring")
        await client.get("/?utm_campaign=spring")
        await save(client, nothing, off)
        said_there = lines((await client.get(PREFS, headers=GPC)).text)
    assert said_there[HERO + "."] == hero


NOTHING = "Not shown to you now: you chose to personalise nothing."


async def test_a_kind_under_gpc_and_personalise_nothing_says_what_brings_its_blocks_back(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    async with client_for(site(make_settings)) as client:
        await client.get("/?utm_campaign=spring")
        await client.get("/?utm_campaign=spring")
        await save(client, True, ())
        kinds = lines((await client.get(PREFS, headers=GPC)).text)
    assert kinds["History"] == (  # its one block uses what they did
        f"{NOTHING} Left ticked, these come back when your browser no longer asks sites not to "
        f"track you and {UNTICK}."
    )
    assert kinds["Campaigns"] == (  # the spring link's needs nothing kept; "often" does
        f"{NOTHING} Left ticked, those that need nothing we keep come back when {UNTICK}; the "
        f"others come back when your browser no longer asks sites not to track you and {UNTICK}."
    )
