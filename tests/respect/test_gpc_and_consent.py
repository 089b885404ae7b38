"""both47: where consent is required, a browser that sends Global Privacy Control (or Do Not
Track) without consent is held back by both (respect/privacy.py: reason "gpc",
``consent_missing``), and what brings a block back is both lifted: the Undo, a block's entry,
a kind's card, the top note and the data page name both, in one set of words
(``Privacy.said``: "gpc+consent"), while every check of the decision still asks its reason.
And the details the site passed on with ``remember()`` are said alike on both pages. Through
the real middleware, against a real Redis."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
import redis

from omotenashi import Settings
from omotenashi.engine.journey import Journey
from omotenashi.engine.privacywords import (
    GPC_CONSENTED,
    GPC_NO_CONSENT,
    HELD_BY,
    NAMED_WHEN,
    undone_still_off,
)
from omotenashi.engine.profile import Profile
from omotenashi.engine.restraint import Prefs
from omotenashi.engine.ruleset import RuleSet
from omotenashi.respect import facts, shown
from omotenashi.respect.notes import (
    held_by_privacy,
    kind_comes_back,
    private_note,
)
from omotenashi.respect.notewords import KEPT_NOTES, PRIVATE_NOTES
from omotenashi.respect.privacy import decide_privacy
from omotenashi.settings import RespectSettings

from ..conftest import client_for, origin, page_words
from ..test_dismiss_flash import form, said
from ..test_prefs_truth44 import form_of
from .test_prefs47b import entry_line, kind_line, note, save, site

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]
PREFS = "/_omotenashi/preferences"
GPC = {"sec-gpc": "1"}
CONSENT = {"consent_required": True}
ASKS = "your browser asks sites not to track you (Global Privacy Control or Do Not Track)"
BOTH = f"{ASKS} and you have not given consent to personalisation"
UNTICK = "you untick “Personalise nothing for me”"
HERO = "You have been here before."
SENDS = (
    "Your browser sends Global Privacy Control (or Do Not Track): a signal that asks sites not "
    "to track you, and you have not given consent to personalisation. We honour both"
)


def one_line(page: str) -> str:
    return " ".join(page_words(page).split()).replace("&#39;", "'")


async def browsed(client: httpx.AsyncClient, *, nothing: bool = False) -> str:
    """With consent: two pages (the hero, on what they did, shown), "Personalise nothing"
    ticked where ``nothing``; then consent taken back and GPC sent: the preferences page."""
    client.cookies.set("omo_consent", "1")
    await client.get("/")
    assert "Welcome back" in (await client.get("/")).text
    if nothing:
        await save(client, form_of((await client.get(PREFS)).text, nothing="1"))
    client.cookies.delete("omo_consent")
    return (await client.get(PREFS, headers=GPC)).text


# --- the one decision, and its words' key ------------------------------------------------------


@pytest.mark.parametrize(
    ("consent_required", "headers", "reason", "said"),
    [
        (True, GPC, "gpc", GPC_NO_CONSENT),
        (True, {"dnt": "1"}, "gpc", GPC_NO_CONSENT),
        (True, {**GPC, "cookie": "omo_consent=1"}, "gpc", GPC_CONSENTED),  # consent given
        (False, GPC, "gpc", "gpc"),
        (True, {}, "consent", "consent"),
        (True, {"cookie": "omo_consent=1"}, "", ""),
    ],
)
def test_gpc_without_consent_is_said_as_both_and_decided_as_gpc(
    consent_required: bool, headers: dict[str, str], reason: str, said: str
) -> None:
    got = decide_privacy(headers, Prefs(), RespectSettings(consent_required=consent_required))
    assert (got.reason, got.said) == (reason, said)


@pytest.mark.parametrize(
    ("key", "held", "when", "named"),
    [
        (
            GPC_NO_CONSENT,
            BOTH,
            "when your browser no longer asks that and you give consent",
            "when your browser no longer asks sites not to track you and you give consent to "
            "personalisation",
        ),
        (
            "gpc",
            ASKS,
            "when your browser no longer asks that",
            "when your browser no longer asks sites not to track you",
        ),
    ],
)
def test_the_words_name_both_holds_and_both_conditions(
    key: str, held: str, when: str, named: str
) -> None:
    assert HELD_BY[key] == (held, when)
    assert NAMED_WHEN[key] == named
    assert (
        undone_still_off(key, also=False)
        == f" It still stays off while {held}: it uses what you did here."
    )
    assert held_by_privacy(key, True, True) == (
        f"{held}, and it uses what you did here. Left ticked, it may show again {when}."
    )
    assert (
        kind_comes_back(key, 1, 0, True, "")
        == f"Left ticked, these come back {named} and {UNTICK}."
    )


@pytest.mark.parametrize(
    ("is_kept", "cookie", "opening"),
    [
        (
            False,
            False,
            f"{SENDS}. We keep nothing about you from this browser, set no personalisation cookie",
        ),
        (
            False,
            True,
            f"{SENDS}. We keep nothing about you (our cookie on this device holds only a random id",
        ),
        (
            True,
            True,
            f"{SENDS}: until your browser no longer asks that and you give consent, we neither",
        ),
    ],
)
def test_the_top_note_names_consent_too(is_kept: bool, cookie: bool, opening: str) -> None:
    said = private_note(GPC_NO_CONSENT, is_kept, False, False, cookie=cookie)
    assert opening in said
    assert said.endswith("and we set none until you give consent.")  # (no switch: no cookie)


# --- through the middleware --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("respect", "kept", "still"),
    [
        (CONSENT, False, f" It still stays off while {BOTH}: it uses what you did here."),
        ({}, False, f" It still stays off while {ASKS}: it uses what you did here."),  # GPC alone
        # consent kept (consent50 P3): GPC comes before it, and the words say so
        (CONSENT, True, f" It still stays off while {ASKS}, which comes before the consent "
         "you gave: it uses what you did here."),
    ],
)  # fmt: skip
async def test_an_undo_under_gpc_without_consent_names_both(
    make_settings: Make,
    omotenashi_redis: redis.Redis,
    respect: dict[str, Any],
    kept: bool,
    still: str,
) -> None:
    """qa47b s19: consent given, browsed, the hero dismissed; consent gone (or ``kept``), GPC
    on, Undo."""
    async with client_for(site(make_settings, **respect)) as client:
        client.cookies.set("omo_consent", "1")
        await client.get("/")
        shown_ = await client.get("/")
        done = await client.post(
            PREFS, data=form(shown_.text, "omo-dismiss"), headers={"origin": origin(client)}
        )
        assert done.status_code == 303
        if not kept:
            client.cookies.delete("omo_consent")
        back = await client.get("/", headers=GPC)
        undo = await client.post(
            PREFS, data=form(back.text, "omo-undo"), headers={"origin": origin(client), **GPC}
        )
        assert undo.status_code == 303
        again = await client.get("/", headers=GPC)
    assert (
        said(again)
        == f"Undone: “{HERO.removesuffix('.')}” is switched back on.{still} Your choices"
    )


@pytest.mark.parametrize(
    ("respect", "entry", "top"),
    [
        (
            CONSENT,
            f"Not shown to you now: {BOTH}, and it uses what you did here. Left ticked, it may "
            "show again when your browser no longer asks that and you give consent.",
            KEPT_NOTES[GPC_NO_CONSENT],
        ),
        (
            {},
            f"Not shown to you now: {ASKS}, and it uses what you did here. Left ticked, it may "
            "show again when your browser no longer asks that.",
            KEPT_NOTES["gpc"],
        ),
    ],
)
async def test_the_entry_the_top_note_and_the_data_page_name_consent_too(
    make_settings: Make,
    omotenashi_redis: redis.Redis,
    respect: dict[str, Any],
    entry: str,
    top: str,
) -> None:
    async with client_for(site(make_settings, **respect)) as client:
        page = await browsed(client)
        data = one_line((await client.get(PREFS + "/data", headers=GPC)).text)
    assert entry_line(page, HERO) == entry
    assert note(page).startswith(top)
    assert top in data


async def test_a_kind_card_and_the_note_under_personalise_nothing_name_both(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    async with client_for(site(make_settings, **CONSENT)) as client:
        page = await browsed(client, nothing=True)
    assert kind_line(page, "History").endswith(
        f"Left ticked, these come back {NAMED_WHEN[GPC_NO_CONSENT]} and {UNTICK}."
    )
    assert note(page).endswith(
        "and those that use what you did here come back only when your browser no longer asks "
        "sites not to track you and you give consent to personalisation and you untick it."
    )


async def test_a_new_visitor_under_gpc_without_consent_is_told_both(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    async with client_for(site(make_settings, **CONSENT), headers=GPC) as client:
        await client.get("/")
        page = await client.get(PREFS)
        data = one_line((await client.get(PREFS + "/data")).text)
    assert note(page.text).startswith(PRIVATE_NOTES[GPC_NO_CONSENT])
    assert PRIVATE_NOTES[GPC_NO_CONSENT] in data
    assert "set-cookie" not in page.headers


# --- P3: the details the site passed on, said alike on both pages -----------------------------


def test_the_details_the_site_passed_on_are_said_alike_on_both_pages() -> None:
    profile = Profile(visits=1, attrs={"first_name": "Aiko"})
    listed = facts.describe(profile, 0.0, Journey(), None, "UTC")
    sections = dict(shown.data_sections(profile, RuleSet(rules=[]), Prefs()))
    assert "Details the site passed on to us: first name." in listed
    assert sections["Details the site passed on to us"] == ["first name: Aiko"]
