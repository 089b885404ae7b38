"""visitor58: signing out and in again within one visit counted it twice ("Visits: 2" on the
data page) and began it anew (the once-a-visit greeting shown again): the merge added the
anonymous profile's visit to the user's although it was the user's own visit going on. A
visit of the anonymous profile that began within the user's (the session gap) is that one."""

from __future__ import annotations

import time
import uuid

import pytest

from omotenashi.engine.change import Change
from omotenashi.engine.periods import period_key
from omotenashi.ids import new_vid
from omotenashi.store.merging import ALL
from omotenashi.store.store import Store

from .conftest import client_for
from .test_events import Make, me, mw

pytestmark = pytest.mark.anyio
HALF_LIFE, GAP = 86400.0, 1800


def visit(now: float) -> Change:
    return Change(now=now, view=True, new_visit=True, gap=GAP)


@pytest.mark.parametrize(
    ("anon_began", "gap", "visits"),
    [
        (-60, GAP, 1),  # signed out a minute ago and in again: the same visit
        (-60, 0, 2),  # (a caller that gives no gap: as before)
        (2 * 3600, GAP, 2),  # two hours after the user was last seen: a visit of its own
    ],
)
async def test_a_visit_going_on_is_one_visit(
    store: Store, anon_began: int, gap: int, visits: int
) -> None:
    now = time.time()
    user, anon = "u" + uuid.uuid4().hex, new_vid()
    await store.record(user, visit(now - 600), HALF_LIFE)
    await store.record(user, Change(now=now - 120, view=True, gap=GAP), HALF_LIFE)
    began = now - 120 + anon_began if anon_began > 0 else now + anon_began
    await store.record(anon, visit(began), HALF_LIFE)
    before = await store.load(user)
    assert await store.merge(anon, user, began + 30, HALF_LIFE, ALL, gap)
    after = await store.load(user)
    assert after.visits == visits
    if visits == 1:
        assert after.visit_start == before.visit_start  # (a per-visit cap holds)


async def test_sign_out_and_in_again_within_a_visit_counts_one_visit(make_settings: Make) -> None:
    async with client_for(mw(make_settings)) as client:
        await client.get("/")
        await client.post("/login/aiko")
        await client.get("/")
        await client.post("/logout")
        await client.get("/")
        await client.post("/login/aiko")
        assert (await me(client))["visits"] == 1


async def test_a_once_a_visit_block_shown_before_the_sign_in_stays_shown_in_that_visit(
    store: Store,
) -> None:
    """(eye58) The visit going on keeps its start: a per-visit cap the anonymous part of it
    counted is that visit's (it was kept under the anonymous visit's period, which the next
    page no longer reads: the block showed again)."""
    now = time.time()
    user, anon = "u" + uuid.uuid4().hex, new_vid()
    began = now - 600
    shown = Change(now=began, view=True, new_visit=True, gap=GAP, shown=["greet"])
    shown.caps = {"greet": [f"v{int(began)}", 1]}
    await store.record(user, shown, HALF_LIFE)
    await store.record(user, Change(now=now - 300, view=True, gap=GAP), HALF_LIFE)
    again = Change(now=now - 240, view=True, new_visit=True, gap=GAP, shown=["greet"])
    again.caps = {"greet": [f"v{int(now - 240)}", 1]}
    await store.record(anon, again, HALF_LIFE)  # signed out: the block shown to the anonymous
    assert await store.merge(anon, user, now - 200, HALF_LIFE, ALL, GAP)
    after = await store.load(user)
    assert after.visit_start is not None
    assert after.caps["greet"] == (period_key("visit", now, after.visit_start), 1)


async def test_a_user_seen_on_no_page_yet_gets_the_anonymous_visit(store: Store) -> None:
    """(eye58) A user profile with an event and no page yet (no visit) is no visit going on:
    the anonymous one is counted (it read "Visits: 0")."""
    now = time.time()
    user, anon = "u" + uuid.uuid4().hex, new_vid()
    await store.record(user, Change(now=now - 600, events={"signup": 1}, gap=GAP), HALF_LIFE)
    await store.record(anon, visit(now - 300), HALF_LIFE)
    assert await store.merge(anon, user, now - 100, HALF_LIFE, ALL, GAP)
    assert (await store.load(user)).visits == 1
