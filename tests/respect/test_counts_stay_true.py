"""What the preferences page, the data page and the export say stays true afterwards: pages
seen while the browsing history was off are said not to be counted once it is back on (the
profile keeps that they went uncounted, until it is erased), and under Global Privacy Control
a browser whose cookie is left with no choice (after "Don't show me this", then "Undo") is not
told "we set no personalisation cookie": it keeps its id (which may be the key to a profile
kept from before GPC, theirs to see and erase: hunt46b), and the pages say the cookie holds an
id only. Through the whole stack, against a real Redis."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest
import redis

from omotenashi import Omotenashi, Settings
from omotenashi.engine.change import Change, apply
from omotenashi.engine.profile import Profile
from omotenashi.engine.recommending import Carried
from omotenashi.identity.cookie import user_profile_id
from omotenashi.ids import new_vid
from omotenashi.respect.facts import visits_sentence
from omotenashi.respect.notes import private_note
from omotenashi.store.argument import payload, record_argument
from omotenashi.store.store import Store

from ..conftest import client_for, form_token, origin, page_app, page_words, switch_history
from ..test_dismiss_flash import form, said
from ..test_profile_drift import HALF_LIFE, record

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]
PREFS = "/_omotenashi/preferences"
GPC = {"sec-gpc": "1"}
PAGE = (
    "<!doctype html><html><head></head><body>"
    '<aside id="promo" data-omo-slot="promo">Default promo</aside>'
    "</body></html>"
)
RULES = """
rules:
  - {id: campaign-promo, slot: promo, text: "Spring offer", when: {query: {utm_campaign: spring}},
     category: campaigns, why: "You followed our spring link."}
"""
WERE_OFF = "(pages you saw while your browsing history was off are not counted)"
NO_COOKIE = "set no personalisation cookie"
ID_ONLY = "our cookie on this device holds only a random id, with nothing stored under it"


def site(make_settings: Make) -> Omotenashi:
    settings = make_settings(RULES, respect={"disclosure": True})
    return Omotenashi(page_app(PAGE), settings=settings)


def words(response: httpx.Response) -> str:
    return " ".join(page_words(response.text).split())


async def export(client: httpx.AsyncClient) -> dict[str, object]:
    data: dict[str, object] = json.loads((await client.get(PREFS + "/export")).text)
    return data


@pytest.mark.parametrize(
    ("off", "prefs_says", "data_says", "flag"),
    [
        (
            2,
            f"You have visited once. We have a record of 3 pages you saw {WERE_OFF}.",
            f"Pages seen: 3 {WERE_OFF}",
            True,
        ),
        (0, "You have visited once and seen 3 pages.", "Pages seen: 3 Purchases", False),
    ],
)
async def test_pages_seen_with_the_history_off_are_said_uncounted_once_it_is_back_on(
    make_settings: Make,
    omotenashi_redis: redis.Redis,
    off: int,
    prefs_says: str,
    data_says: str,
    flag: bool,
) -> None:
    async with client_for(site(make_settings)) as client:
        for _ in range(2):
            await client.get("/")
        await switch_history(client, on=False)
        for _ in range(off):  # not counted
            await client.get("/")
        await switch_history(client, on=True)
        await client.get("/")
        prefs, data = words(await client.get(PREFS)), words(await client.get(PREFS + "/data"))
        exported = await export(client)
        # "Start afresh": the mark goes with the rest
        page = await client.get(PREFS)
        reset = {"csrf": form_token(page.text), "action": "reset"}
        went = await client.post(PREFS, data=reset, headers={"origin": origin(client)})
        assert went.status_code == 303
        await client.get("/")
        afresh = words(await client.get(PREFS))
    assert prefs_says in prefs
    assert data_says in data
    profile = exported["profile"]
    assert isinstance(profile, dict)
    assert profile["views"] == 3
    assert profile["pages_seen_with_history_off_not_counted"] is flag
    assert "You have visited once and seen 1 page." in afresh


async def dismiss_and_undo(client: httpx.AsyncClient) -> httpx.Response:
    """ "Don't show me this" on the campaign block, then "Undo": the page that says Undone."""
    shown = await client.get("/?utm_campaign=spring")
    went = await client.post(
        PREFS, data=form(shown.text, "omo-dismiss"), headers={"origin": origin(client)}
    )
    assert went.status_code == 303
    back = await client.get("/?utm_campaign=spring")
    assert said(back).startswith("Done: ")
    assert "omo_vid" in client.cookies  # it keeps the choice
    undo = await client.post(
        PREFS, data=form(back.text, "omo-undo"), headers={"origin": origin(client)}
    )
    assert undo.status_code == 303
    undone = await client.get("/?utm_campaign=spring")
    assert said(undone).startswith("Undone: ")
    return undone


@pytest.mark.parametrize("signal", [GPC, {}])
async def test_a_cookie_left_with_no_choice_under_gpc_is_said_as_it_is(
    make_settings: Make, omotenashi_redis: redis.Redis, signal: dict[str, str]
) -> None:
    """stale48b: under GPC the page that says Undone expires the cookie its dismissal minted
    (no choice left in it, nothing stored under its id): the pages then speak to a browser
    without our cookie. Without GPC the cookie stays (its id holds the profile)."""
    async with client_for(site(make_settings), headers=signal) as client:
        undone = await dismiss_and_undo(client)
        gone = "max-age=0" in undone.headers.get("set-cookie", "").lower()
        has_cookie = "omo_vid" in client.cookies
        prefs, data = words(await client.get(PREFS)), words(await client.get(PREFS + "/data"))
        exported = await export(client)
    assert (gone, has_cookie) == (bool(signal), not signal)
    if signal:  # what the pages say is true now: no cookie of ours, nothing kept
        assert NO_COOKIE in prefs and NO_COOKIE in data
        assert ID_ONLY not in prefs and ID_ONLY not in data
        assert exported["kept"] is False and exported["profile"] is None
        assert exported["visitor_id"] is None


async def test_a_profile_kept_before_gpc_stays_in_reach_after_undo(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    """hunt46b P1: the cookie was expired after Undo under GPC, and a profile kept under its id
    before GPC was out of the visitor's reach (not shown, not erasable) while still stored."""
    async with client_for(site(make_settings)) as client:
        for _ in range(3):  # before GPC: a profile is kept under this id
            await client.get("/")
        client.headers.update(GPC)
        assert (await export(client))["kept"] is True
        await dismiss_and_undo(client)
        after = await export(client)
    assert after["kept"] is True  # still theirs to see, and to erase


async def test_the_export_has_no_profile_where_nothing_is_kept(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    """A GPC browser that keeps a choice (its cookie, an id nothing is stored under): no first
    stage made up beside ``kept`` false; as a browser without our cookie."""
    async with client_for(site(make_settings), headers=GPC) as client:
        shown = await client.get("/?utm_campaign=spring")
        went = await client.post(
            PREFS, data=form(shown.text, "omo-dismiss"), headers={"origin": origin(client)}
        )
        assert went.status_code == 303
        exported = await export(client)
    assert exported["visitor_id"] is not None and exported["choices"]
    assert (exported["kept"], exported["profile"]) == (False, None)


@pytest.mark.parametrize(
    ("args", "said"),
    [
        ((1, 6, False, False), "You have visited once and seen 6 pages."),
        (
            (1, 3, True, False),
            "You have visited once. We have a record of 3 pages you saw: pages you see while "
            "your browsing history is off are not counted.",
        ),
        (
            (1, 3, True, True),  # still off: as it is now
            "You have visited once. We have a record of 3 pages you saw: pages you see while "
            "your browsing history is off are not counted.",
        ),
        (
            (2, 6, False, True),
            f"You have visited 2 times. We have a record of 6 pages you saw {WERE_OFF}.",
        ),
        (
            (1, 0, False, True),
            f"You have visited once. We have no record of any page you saw {WERE_OFF}.",
        ),
    ],
)
def test_the_count_of_pages_says_which_are_not_in_it(
    args: tuple[int, int, bool, bool], said: str
) -> None:
    assert visits_sentence(*args) == said


COOKIE_SAID = "in a cookie on this device"


@pytest.mark.parametrize(
    ("choices", "dismiss", "ends"),
    [
        (
            True,
            True,
            "so they still hold later. You can switch those blocks off below, or with "
            "“Don't show me this” on a block.",
        ),
        (True, False, "so they still hold later. You can switch those blocks off below."),
        (
            False,
            True,
            "on a block: we keep that choice in a cookie on this device, and nothing "
            "about you with it.",
        ),
    ],
)
def test_the_gpc_note_says_the_cookie_once(choices: bool, dismiss: bool, ends: str) -> None:
    note = private_note("gpc", False, choices, True, dismiss=dismiss)
    assert note.count(COOKIE_SAID) == 1
    assert note.endswith(ends)


@pytest.mark.parametrize(
    ("view", "unrecorded", "marked"),
    [(False, True, True), (True, False, False), (False, False, False)],
)
def test_the_mark_is_kept_alike_by_the_engine_and_the_store(
    omotenashi_redis: redis.Redis, view: bool, unrecorded: bool, marked: bool
) -> None:
    """The record script and ``change.apply`` agree (tests/test_profile_drift.py's way)."""
    vid = new_vid()
    change = Change(now=1_800_000_000.0, view=view, new_visit=True, unrecorded=unrecorded)
    stored = record(omotenashi_redis, vid, change)
    assert (apply(Profile(), change, HALF_LIFE).unrecorded, stored.unrecorded) == (marked, marked)
    assert stored.views == int(view)


@pytest.mark.parametrize(
    ("unrecorded", "history", "marked"),
    [
        (True, True, True),  # the anonymous profile's mark joins the user's
        (False, False, True),  # its views are not carried (history off): uncounted there
        (False, True, False),
    ],
)
async def test_a_sign_in_carries_the_mark(
    store: Store, unrecorded: bool, history: bool, marked: bool
) -> None:
    anon, user = new_vid(), user_profile_id("salt", new_vid())
    now = 1_800_000_000.0
    await store.record(anon, Change(now=now, view=True, new_visit=True), HALF_LIFE)
    if unrecorded:
        await store.record(anon, Change(now=now + 1, unrecorded=True), HALF_LIFE)
    await store.record(user, Change(now=now, view=True, new_visit=True), HALF_LIFE)
    assert await store.merge(anon, user, now + 2, HALF_LIFE, Carried(history=history))
    assert (await store.load(user)).unrecorded is marked


@pytest.mark.parametrize("unrecorded", [True, False])
def test_the_record_argument_carries_the_mark_only_when_set(unrecorded: bool) -> None:
    change = Change(now=1_800_000_000.5, unrecorded=unrecorded)
    fast = record_argument(change, 3600, HALF_LIFE, 86400)
    assert fast == json.dumps(payload(change, 3600, HALF_LIFE, 86400), separators=(",", ":"))
    assert ('"unrecorded":true' in fast) is unrecorded
