"""consent50 P3: where consent is required and was given, a browser that sends Global Privacy
Control (or Do Not Track) is held back by GPC, and every page says that GPC comes before the
consent they gave (``Privacy.said``: "gpc+consented"). Before, the pages named GPC alone, and a
visitor who had just accepted the banner was left to wonder why it did nothing. Where consent
is not asked for, or not given, the words are as before. Through the real middleware, against a
real Redis."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import redis

from omotenashi import Settings
from omotenashi.engine.privacywords import GPC_CONSENTED, HELD_BY, undone_still_off
from omotenashi.engine.restraint import Prefs
from omotenashi.respect.notes import devices_note, private_note
from omotenashi.respect.notewords import KEPT_NOTES, PRIVATE_NOTES
from omotenashi.respect.privacy import decide_privacy
from omotenashi.settings import RespectSettings

from ..conftest import client_for
from .test_gpc_and_consent import ASKS, HERO, one_line
from .test_prefs47b import entry_line, note, sign_in, site

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]
PREFS = "/_omotenashi/preferences"
GPC = {"sec-gpc": "1"}
FIRST = "You gave consent to personalisation here, but that signal comes first."
BEFORE = f"{ASKS}, which comes before the consent you gave"


@pytest.mark.parametrize(
    ("respect", "cookie", "said"),
    [
        ({"consent_required": True}, "omo_consent=1", GPC_CONSENTED),
        ({"consent_required": True}, "omo_consent=granted", GPC_CONSENTED),
        ({"consent_required": True}, "omo_consent=0", "gpc+consent"),  # refused: both named
        ({"consent_required": True}, "", "gpc+consent"),
        ({}, "omo_consent=1", "gpc"),  # no consent asked for: none to name
        ({"consent_required": True, "honour_gpc": False}, "omo_consent=1", ""),
    ],
)
def test_gpc_over_given_consent_has_its_own_words(
    respect: dict[str, Any], cookie: str, said: str
) -> None:
    headers = {**GPC, "cookie": cookie} if cookie else GPC
    got = decide_privacy(headers, Prefs(), RespectSettings(**respect))
    assert got.said == said
    assert got.reason == ("gpc" if said else "")  # (every check asks the reason: unchanged)


@pytest.mark.parametrize(("is_kept", "choices"), [(False, False), (True, False), (False, True)])
def test_every_note_says_gpc_comes_first(is_kept: bool, choices: bool) -> None:
    got = private_note(GPC_CONSENTED, is_kept, choices, True)
    assert FIRST in got
    gpc = private_note("gpc", is_kept, choices, True)
    assert FIRST not in gpc
    assert got.replace(" " + FIRST, "") == gpc  # (the rest is GPC's, word for word)


def test_the_held_words_and_the_devices_note_say_it_too() -> None:
    assert HELD_BY[GPC_CONSENTED] == (BEFORE, HELD_BY["gpc"][1])
    assert undone_still_off(GPC_CONSENTED, also=False) == (
        f" It still stays off while {BEFORE}: it uses what you did here."
    )
    assert "which comes before the consent you gave here" in devices_note(GPC_CONSENTED)


async def test_the_preferences_and_data_pages_say_gpc_comes_before_consent(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    """Consent given on the banner, two pages browsed, then GPC turned on, consent kept."""
    async with client_for(site(make_settings, consent_required=True)) as client:
        client.cookies.set("omo_consent", "1")
        await client.get("/")
        assert "Welcome back" in (await client.get("/")).text
        page = (await client.get(PREFS, headers=GPC)).text
        data = one_line((await client.get(PREFS + "/data", headers=GPC)).text)
        await sign_in(client)  # (with consent, no GPC: under GPC a sign-in links nothing)
        signed = (await client.get(PREFS, headers=GPC)).text
    assert note(page).startswith(KEPT_NOTES[GPC_CONSENTED])
    assert FIRST in data
    assert entry_line(page, HERO).startswith(f"Not shown to you now: {BEFORE}, and it uses")
    assert "which comes before the consent you gave here" in one_line(signed)


async def test_a_new_visitor_who_accepted_is_told_gpc_comes_first(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    async with client_for(site(make_settings, consent_required=True), headers=GPC) as client:
        client.cookies.set("omo_consent", "yes")
        page = await client.get(PREFS)
    assert note(page.text).startswith(PRIVATE_NOTES[GPC_CONSENTED])
    assert "set-cookie" not in page.headers  # (GPC: still no cookie of ours)
