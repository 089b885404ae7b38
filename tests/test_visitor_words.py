"""What a visitor reads on the preferences and data pages is plain and true of them: the stage
in words, nothing listed when nothing is kept, what history off leaves and hides, what GPC
still adapts, and the shared totals. Against a real Redis."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import httpx
import pytest
import redis

from omotenashi import Settings
from omotenashi.respect import shown
from omotenashi.respect.yourdata import STAGE_WORDS

from .conftest import client_for, page_words
from .conftest import form_token as csrf
from .test_switch_back_on import HISTORY_OFF, SAME_SITE, look, site

pytestmark = [pytest.mark.anyio, pytest.mark.security]
Make = Callable[..., Settings]
PREFS = "/_omotenashi/preferences"
GPC = {"sec-gpc": "1"}
BEHAVIOUR_OFF = "Not shown to you now: your browsing history is off."


def text(page: str) -> str:
    return html.unescape(page_words(page))


def cards(page: str) -> list[str]:
    """Each card's words, up to the next card (a card may hold a list of its own)."""
    return [text(c).strip() for c in page.split('<li class="card">')[1:]]


async def history_off(client: httpx.AsyncClient) -> str:
    page = (await client.get(PREFS)).text
    form = {"csrf": csrf(page), "action": "save", "category": ["offers", "interests"]}
    form |= {"listed": re.findall(r'name="listed" value="([^"]+)"', page)}
    form |= {"rule": re.findall(r'name="rule" value="([^"]+)" checked', page)}
    await client.post(PREFS, data=form, headers=SAME_SITE)
    return (await client.get(PREFS)).text


async def test_the_data_page_says_the_stage_in_words(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    async with client_for(site(make_settings)) as client:
        await look(client)
        data = text((await client.get(PREFS + "/data")).text)
    assert "How far along we think you are" in data
    assert any(sentence in data for sentence in STAGE_WORDS.values())
    assert "Stage:" not in data and "Where we think you are" not in data


@pytest.mark.parametrize("choices", [False, True], ids=["no-choices", "a-choice-kept"])
async def test_the_data_page_lists_nothing_when_nothing_is_kept(
    make_settings: Make, omotenashi_redis: redis.Redis, choices: bool
) -> None:
    async with client_for(site(make_settings), headers=GPC) as client:
        if choices:  # a GPC visitor's choice: kept in the cookie, nothing else is
            page = (await client.get(PREFS)).text
            form = {"csrf": csrf(page), "action": "save", "category": ["interests"]}
            await client.post(PREFS, data=form, headers=SAME_SITE)
        raw = (await client.get(PREFS + "/data")).text
    data = text(raw)
    # (from this browser: an account signed in to elsewhere is not linked here: privacy64)
    assert "We keep nothing about you from this browser." in data
    assert "Visits:" not in data and "Pages seen:" not in data and "Stage" not in data
    # the download is offered only when it holds something: here, the choices cookie
    assert ("/preferences/export" in raw) is choices


async def test_history_off_says_what_stays_and_marks_what_it_hides(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    async with client_for(site(make_settings)) as client:
        await look(client)
        before = (await client.get(PREFS)).text
        after = await history_off(client)
    facts = re.search(r'<ul id="omo-facts">.*?</ul>', after, re.S)
    assert facts and "You have visited" in text(facts.group(0))  # earlier history stays listed
    assert HISTORY_OFF in text(after) and HISTORY_OFF not in text(before)
    fan = next(c for c in cards(after) if c.startswith("You like tours"))
    offer = next(c for c in cards(after) if c.startswith("Our offer"))
    kind = next(c for c in cards(after) if c.startswith("Interests"))
    assert BEHAVIOUR_OFF in fan  # behavioural: hidden by history off, and a kind says why
    assert re.search(
        r"Not shown to you now: your browsing history is off, and (it uses|they all use) what", kind
    )
    assert BEHAVIOUR_OFF not in offer  # contextual: still shown
    assert BEHAVIOUR_OFF not in text(before)


@pytest.mark.parametrize("reason", sorted(shown.ADAPTED - {"revoked"}))
@pytest.mark.parametrize(("kept", "choices"), [(False, False), (True, False), (False, True)])
def test_what_still_adapts_is_said_with_its_condition(
    reason: str, kept: bool, choices: bool
) -> None:
    note = shown.private_note(reason, kept, choices)
    # every note that says pages may adapt to the device says when (a withdrawn visitor whose
    # profile is still kept is told only about that)
    assert "your device" not in note or "when a block needs nothing we would keep" in note
    assert "your device" in note or (reason, kept) == ("withdrawn", True)
    assert "only adapt" not in note and "adapt only" not in note


async def test_the_gpc_page_says_what_may_adapt_and_when(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    async with client_for(site(make_settings), headers=GPC) as client:
        page = text((await client.get(PREFS)).text)
    assert "may still adapt to the moment" in page
    assert "when a block needs nothing we would keep" in page


@pytest.mark.parametrize("where", ["/data", "?confirm=erase"])
async def test_the_shared_totals_are_said_plainly(
    make_settings: Make, omotenashi_redis: redis.Redis, where: str
) -> None:
    async with client_for(site(make_settings)) as client:
        await look(client)
        page = text((await client.get(PREFS + where)).text)
    assert "Totals kept for all visitors together" in page
    assert "may still include your visits, without any id of yours" in page
    assert "Counts shared with everyone's" not in page
