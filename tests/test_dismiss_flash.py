""" "Don't show me this" says what it did: the page it returns to says so once, with an Undo that
works without script, and later pages say nothing; a flash the cookie's signer never wrote, or
one no longer true, is never said. Through the whole stack against a real Redis."""

from __future__ import annotations

import hashlib
import html
import re
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import httpx
import pytest
import redis

from omotenashi import Omotenashi, Settings
from omotenashi.engine.flash import FLASH_TTL, Flash
from omotenashi.engine.restraint import Prefs
from omotenashi.identity.cookie import SAVE_BUDGET, CookieSigner, Identity
from omotenashi.ids import new_vid

from .conftest import client_for, origin, page_app, page_words

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]
PREFS = "/_omotenashi/preferences"
PAGE = (
    "<!doctype html><html><head></head><body>"
    '<div id="hero" data-omo-slot="hero">Default hero</div>'
    '<aside id="promo" data-omo-slot="promo">Default promo</aside>'
    "</body></html>"
)
RULES = """
rules:
  - {id: seen-hero, slot: hero, text: "Welcome back", priority: 90, when: {views: {at_least: 1}},
     category: history, why: "You have been here before & we remembered."}
  - {id: seen-hero-too, slot: hero, text: "Welcome back too", priority: 10,
     when: {views: {at_least: 1}}, category: history,
     why: "You have been here before & we remembered."}
  - {id: campaign-promo, slot: promo, text: "Spring offer", when: {query: {utm_campaign: spring}},
     category: campaigns, why: "You followed our spring link."}
"""
HERO = "You have been here before & we remembered"
DONE = f"Done: you won't see “{HERO}” again."


def site(make_settings: Make, page: str = PAGE, **respect: Any) -> Omotenashi:
    settings = make_settings(RULES, respect={"disclosure": True, "page_panel": True, **respect})
    return Omotenashi(page_app(page), settings=settings)


def form(page: str, css_class: str) -> dict[str, str]:
    """The fields of the page's form of that class, as a browser would send them."""
    found = re.search(rf'<form method="post" action="[^"]+" class="{css_class}">(.*?)</form>', page)
    assert found, f"no {css_class} form on the page"
    return {k: html.unescape(v) for k, v in re.findall(r'name="(\w+)" value="([^"]*)"', found[1])}


def said(response: httpx.Response) -> str:
    """What the page's confirmation says ("" without one)."""
    found = re.search(r'<div class="omo-done" id="omo-done"[^>]*>(.*?)</div>', response.text)
    return page_words(html.unescape(found[1])).strip() if found else ""


def hero(response: httpx.Response) -> str:
    return response.text.split('data-omo-slot="hero"')[1].split(">", 1)[1].split("<")[0]


async def submit(client: httpx.AsyncClient, fields: dict[str, str]) -> httpx.Response:
    return await client.post(PREFS, data=fields, headers={"origin": origin(client)})


async def test_a_dismissal_is_confirmed_once_and_undo_brings_the_block_back(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    mw = site(make_settings)
    async with client_for(mw) as client:
        await client.get("/")
        before = await client.get("/")
        assert hero(before) == "Welcome back" and said(before) == ""
        dismissed = await submit(client, form(before.text, "omo-dismiss"))
        # back to the confirmation (focused there), which follows the block
        assert (dismissed.status_code, dismissed.headers["location"]) == (303, "/#omo-done")
        back = await client.get("/")
        assert hero(back) == "Default hero"  # its whole entry is off: the other rule too
        assert said(back) == f"{DONE} Undo Your choices"
        # right after the block (#hero, kept in the flash), where the visitor is taken back to
        assert '<div id="hero" data-omo-slot="hero">Default hero</div><div class="omo-done"' in (
            back.text
        )
        assert "private" in back.headers["cache-control"]  # never a shared cache's copy
        kept = mw.signer.read(client.cookies["omo_vid"])
        assert kept is not None and kept.flash is None  # its response took the flash away
        assert Prefs.from_cookie(kept.prefs).off_rules == {"seen-hero", "seen-hero-too"}
        later = await client.get("/")
        assert said(later) == "" and hero(later) == "Default hero"
        undo = form(back.text, "omo-undo")
        assert undo["rule"] == "seen-hero" and undo["next"] == "/#hero"
        undone = await submit(client, undo)
        assert (undone.status_code, undone.headers["location"]) == (303, "/#omo-done")
        again = await client.get("/")
        assert hero(again) == "Welcome back"
        assert said(again) == f"Undone: “{HERO}” is switched back on. Your choices"
        assert 'class="omo-undo"' not in again.text
        assert said(await client.get("/")) == ""


async def test_the_confirmation_is_said_on_the_next_page_the_engine_rewrites(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    """Wherever the form returned to; a response that says nothing (a HEAD) keeps it."""
    mw = site(make_settings)
    async with client_for(mw) as client:
        await client.get("/")
        fields = {**form((await client.get("/")).text, "omo-dismiss"), "next": "/elsewhere"}
        assert (await submit(client, fields)).headers["location"] == "/elsewhere"
        assert "set-cookie" not in (await client.head("/")).headers  # nothing said: kept
        ahead = await client.get("/elsewhere", headers={"sec-purpose": "prefetch"})
        assert said(ahead) == "" and "set-cookie" not in ahead.headers  # may never be seen
        page = await client.get("/elsewhere")
        assert said(page).startswith(DONE) and form(page.text, "omo-undo")["next"] == "/elsewhere"
        assert said(await client.get("/elsewhere")) == ""


async def test_a_refused_dismissal_is_not_confirmed(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    mw = site(make_settings)
    async with client_for(mw) as client:
        await client.get("/")
        fields = form((await client.get("/")).text, "omo-dismiss")
        refused = await submit(client, {**fields, "csrf": "not-theirs"})
        assert refused.status_code == 403
        page = await client.get("/")
        assert said(page) == "" and hero(page) == "Welcome back"
        unknown = await submit(client, {**fields, "rule": "no-such-rule"})
        assert unknown.status_code == 303  # nothing switched off: nothing to say
        assert said(await client.get("/")) == ""


async def test_a_gpc_browser_is_told_too_and_its_undo_is_kept(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    """Without our cookie, the dismissal gives it one keeping only the choice; the page that
    says so re-signs that same id, so the Undo's token is still the cookie's. The Undo's
    answer carries its confirmation; the page that says it lets the cookie go (no choice
    left in it, nothing under its id): the browser is as one never given our cookie."""
    mw = site(make_settings)
    async with client_for(mw, headers={"sec-gpc": "1"}) as client:
        before = await client.get("/?utm_campaign=spring")
        assert "omo_vid" not in client.cookies
        await submit(client, form(before.text, "omo-dismiss"))
        back = await client.get("/?utm_campaign=spring")
        assert "Default promo" in back.text
        assert said(back).startswith("Done: you won't see “You followed our spring link” again.")
        undone = await submit(client, form(back.text, "omo-undo"))
        back_to = "/?utm_campaign=spring#omo-done"  # the page, query and all
        assert (undone.status_code, undone.headers["location"]) == (303, back_to)
        again = await client.get("/?utm_campaign=spring")
        assert "Spring offer" in again.text and said(again).startswith("Undone: ")
        assert "Max-Age=0" in again.headers["set-cookie"] and "omo_vid" not in client.cookies
        prefs = await client.get(PREFS)
    async with client_for(mw, headers={"sec-gpc": "1"}) as stranger:
        theirs = await stranger.get(PREFS)
    note = r'id="omo-private"[^>]*>(.*?)</'  # what the page says of our cookie: as to them
    assert re.findall(note, prefs.text, re.S) == re.findall(note, theirs.text, re.S) != []
    assert list(omotenashi_redis.scan_iter(match="omo:*")) == []  # nothing kept about them


async def test_an_undo_says_when_other_choices_still_keep_the_block_off(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    mw = site(make_settings)
    async with client_for(mw) as client:
        await client.get("/")
        back = (await submit(client, form((await client.get("/")).text, "omo-dismiss"))).headers
        page = await client.get(back["location"])
        prefs_page = (await client.get(PREFS)).text
        token = re.search(r'name="csrf" value="([^"]+)"', prefs_page)
        assert token is not None  # the kind "history" switched off as well
        saved = await submit(client, {"csrf": token[1], "action": "save", "category": "campaigns"})
        assert saved.status_code == 303
        await submit(client, form(page.text, "omo-undo"))
        again = await client.get("/")
        assert hero(again) == "Default hero"
        assert said(again).startswith(
            f"Undone: “{HERO}” is switched back on. Your other choices still keep it off."
        )


def signed(mw: Omotenashi, prefs: Prefs, flash: Any) -> str:
    """A cookie as our signer writes it, with ``flash`` as the payload's flash."""
    payload: dict[str, object] = {"v": new_vid(), "p": prefs.to_cookie()}
    if flash is not None:
        payload["f"] = flash
    return mw.signer._serializer.dumps(payload)


OFF = Prefs(off_rules=frozenset({"seen-hero", "seen-hero-too"}))
NOW, STALE = "now", "stale"  # the time of the test, and a moment too long before it


@pytest.mark.parametrize(
    ("prefs", "flash", "told"),
    [
        (OFF, {"r": "seen-hero", "t": NOW}, True),  # ours and true: said
        (OFF, {"r": "seen-hero", "t": NOW, "a": "hero"}, True),
        (Prefs(), {"r": "seen-hero", "t": NOW}, False),  # it was switched back on since
        (OFF, {"r": "seen-hero", "t": NOW, "u": True}, False),  # an undo, but it is off
        (OFF, {"r": "no-such-rule", "t": NOW}, False),  # not a rule of this site
        (OFF, {"r": "seen-hero", "t": STALE}, False),
        (OFF, {"r": "seen-hero", "t": "yesterday"}, False),  # garbled
        (OFF, {"r": "<b>seen-hero</b>", "t": NOW}, False),
        (OFF, {"r": "seen-hero", "t": NOW, "a": '"><script>'}, False),
        (OFF, {"r": ["seen-hero"], "t": NOW}, False),
        (OFF, "seen-hero", False),
        (OFF, {"r": "seen-hero", "t": float("nan")}, False),
    ],
)
async def test_a_flash_is_said_only_when_ours_and_true(
    make_settings: Make, omotenashi_redis: redis.Redis, prefs: Prefs, flash: Any, told: bool
) -> None:
    mw = site(make_settings)
    if isinstance(flash, dict) and flash.get("t") in (NOW, STALE):
        flash = {**flash, "t": int(time.time() - (FLASH_TTL + 5) * (flash["t"] == STALE))}
    async with client_for(mw) as client:
        client.cookies.set("omo_vid", signed(mw, prefs, flash), domain="shop.test")
        page = await client.get("/")
    assert said(page).startswith(DONE) is told
    assert ("set-cookie" in page.headers) is told  # a page that said nothing takes nothing


async def test_a_flash_signed_with_another_key_is_no_cookie_of_ours(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    mw = site(make_settings)
    other = CookieSigner(Settings(secret_keys=["another-key-entirely"]))
    ident = Identity(new_vid(), False, time.time(), None, OFF.to_cookie())
    forged = other.sign(replace(ident, flash=Flash("seen-hero", time.time())))
    async with client_for(mw) as client:
        client.cookies.set("omo_vid", forged, domain="shop.test")
        page = await client.get("/")
    assert said(page) == "" and mw.signer.read(forged) is None


@pytest.mark.parametrize(
    ("page", "placed", "undo"),
    [
        (PAGE, True, True),
        (PAGE.replace("</body></html>", "<!-- </body></html> -->"), False, False),
        (PAGE.replace("</body>", "</body><p>after</p>"), False, False),  # not the page's end
        (PAGE.replace("<body>", "<body><form action=/search>"), True, False),  # left open
        (PAGE.replace("</aside>", "</aside><form></form>"), True, True),
    ],
    ids=["end", "in-a-comment", "not-last", "a-form-left-open", "forms-closed"],
)
async def test_the_confirmation_goes_where_the_page_panel_may_and_stays_out_of_a_page_form(
    make_settings: Make, omotenashi_redis: redis.Redis, page: str, placed: bool, undo: bool
) -> None:
    mw = site(make_settings, page)
    async with client_for(mw) as client:
        client.cookies.set(
            "omo_vid", signed(mw, OFF, {"r": "seen-hero", "t": int(time.time())}), "shop.test"
        )
        response = await client.get("/")
    assert said(response).startswith(DONE) is placed
    assert ('class="omo-undo"' in response.text) is undo
    if placed and not undo:
        assert said(response) == f"{DONE} Your choices"  # where it can be switched back on


def test_a_flash_never_costs_a_choice_that_fits_the_cookie() -> None:
    signer = CookieSigner(Settings(secret_keys=["test-key-long-enough-for-this"]))
    # names that do not compress (the signer compresses what it signs when that is shorter)
    categories = {hashlib.sha256(b"%d" % n).hexdigest()[:24]: "kind" for n in range(400)}
    off: list[str] = []
    ident = Identity(new_vid(), False, time.time())
    for rule in sorted(categories):  # as many switched-off blocks as fit, no room for a flash
        candidate = Identity(ident.vid, False, ident.issued_at, None, {"r": [*off, rule]})
        if len(signer.set_cookie_header(candidate, secure=True)) > SAVE_BUDGET - 10:
            break
        off.append(rule)
    full = Identity(ident.vid, False, ident.issued_at, None, {"r": off})
    flash = Flash(off[0], time.time(), anchor="hero")
    fitted, kept = signer.fit(replace(full, flash=flash), categories, secure=True)
    assert kept.notice == "" and fitted.prefs == {"r": sorted(off)} and fitted.flash is None
    roomy = Identity(ident.vid, False, ident.issued_at, None, {"r": off[:3]})
    fitted, kept = signer.fit(replace(roomy, flash=flash), categories, secure=True)
    assert fitted.flash == flash
    again = signer.read(signer.sign(fitted))
    assert again is not None and again.flash == Flash(flash.rule, int(flash.at), anchor="hero")


@pytest.mark.parametrize(
    ("user", "done"),
    [
        (None, DONE),
        # signed in: the choice is kept in this browser's cookie, not the account (their other
        # devices still show the block: the preferences page says so), so "again" says where
        ("u" + "0" * 32, f"Done: you won't see “{HERO}” again on this device."),
    ],
)
async def test_a_dismissal_says_where_it_holds(
    make_settings: Make, omotenashi_redis: redis.Redis, user: str | None, done: str
) -> None:
    mw = site(make_settings)
    payload: dict[str, object] = {"v": new_vid(), "p": OFF.to_cookie()}
    payload["f"] = {"r": "seen-hero", "t": int(time.time())}
    if user:
        payload["u"] = user
    async with client_for(mw) as client:
        client.cookies.set("omo_vid", mw.signer._serializer.dumps(payload), domain="shop.test")
        page = await client.get("/")
    assert said(page) == f"{done} Undo Your choices"


async def test_the_pages_title_is_left_as_it_is(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    """The confirmation names the block's reason ("You have been looking at ..."): in the
    page's title, it would go wherever the title goes (analytics' page_title, bookmarks,
    history), so it stays in the region near the page's end."""
    page = PAGE.replace("<head></head>", "<head><title>Kyoto &amp; tours</title></head>")
    mw = site(make_settings, page=page)
    async with client_for(mw) as client:
        await client.get("/")
        await submit(client, form((await client.get("/")).text, "omo-dismiss"))
        back = await client.get("/")
    assert said(back) == f"{DONE} Undo Your choices"
    assert back.text.startswith(
        "<!doctype html><html><head><title>Kyoto &amp; tours</title></head>"
    )
