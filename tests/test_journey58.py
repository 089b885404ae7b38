"""The journey's stage, true of the visitor at the edges (journey58): with the browsing history
off, no stage move from browsing (the views kept before the switch moved it, on the page path
and the beacon's); a move back (decay) made from a stale read does not undo a move forward
another request wrote since (a booking in another tab)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
import redis

from omotenashi import Omotenashi, Settings
from omotenashi.engine.change import Change, apply
from omotenashi.engine.profile import Profile
from omotenashi.engine.understand import Visit, build_change, understand
from omotenashi.ids import new_vid
from omotenashi.loader.journey import load_journey
from omotenashi.settings import RespectSettings
from omotenashi.store.store import Store

from .conftest import client_for, switch_history
from .keysizes import ago
from .test_events import Make, hero, me, mw, shop

pytestmark = pytest.mark.anyio

BEACON = {"name": "video_play", "data": {}}
SAME_SITE = {"origin": "http://shop.test", "sec-fetch-site": "same-origin"}
RULES_STAGE = """
rules:
  - {id: stage-hero, slot: hero, text: "Stage {{ visitor.stage }}", why: "Your stage."}
"""
RANK = {None: "awareness", "1": "awareness", "2": "interest", "4": "purchase", "5": "loyalty"}


def stored_stage(r: redis.Redis) -> str:
    [key] = r.keys("omo:*:p2")
    return RANK[r.hget(key, "G")]


@pytest.mark.parametrize("path", ["page", "beacon"])
@pytest.mark.parametrize("history", ["on", "off"])
async def test_with_the_history_off_browsing_moves_no_stage(
    make_settings: Make, omotenashi_redis: redis.Redis, path: str, history: str
) -> None:
    """Two views kept (the journey's `views: at_least 2` holds from the next request), then
    the history switched off: the next page or beacon event moves no stage; with the history
    on, the same request moves it (so the check can fail)."""
    async with client_for(mw(make_settings)) as client:
        for _ in range(2):
            await client.get("/")
        assert stored_stage(omotenashi_redis) == "awareness"
        if history == "off":
            await switch_history(client, False)
        if path == "page":
            await client.get("/")
        else:
            sent = await client.post("/_omotenashi/events", json=BEACON, headers=SAME_SITE)
            assert sent.status_code == 204, sent.text
        await client.get("/_omotenashi/preferences")  # (the page's write settled: a read)
        expected = "interest" if history == "on" else "awareness"
        assert stored_stage(omotenashi_redis) == expected
        assert (await me(client))["stage"] == expected


async def test_with_the_history_off_a_cart_still_moves_the_stage(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    """What is still recorded with the history off (a cart) still moves it (README)."""
    async with client_for(mw(make_settings)) as client:
        await client.get("/")
        await switch_history(client, False)
        await client.post("/add/kyoto")
        await client.get("/_omotenashi/preferences")
        assert (await me(client))["stage"] == "consideration"


@pytest.mark.parametrize("order", ["forward first", "back first"])
async def test_a_stale_move_back_does_not_undo_a_move_forward(
    store: Store, omotenashi_redis: redis.Redis, order: str
) -> None:
    """Two tabs at the start of a visit after a long absence read the same profile (purchase):
    one books again (loyalty), the other's page decays it (interest). Either write order
    leaves loyalty: the move back is made only from the stage it was judged from."""
    pid, now = new_vid(), time.time()
    await store.record(pid, Change(now=now - 10, purchases=1, stage="purchase"), 86400.0)
    forward = Change(now=now, purchases=1, stage="loyalty", new_visit=True)
    back = Change(now=now, stage="interest", stage_back=True, stage_was="purchase", new_visit=True)
    for change in (forward, back) if order == "forward first" else (back, forward):
        await store.record(pid, change, 86400.0)
    assert (await store.load(pid)).stage == "loyalty"
    read = Profile(stage="purchase")  # (the engine's own mirror of the write: the same)
    for change in (forward, back) if order == "forward first" else (back, forward):
        read = apply(read, change, 86400.0)
    assert read.stage == "loyalty"


async def test_a_move_back_from_the_stage_read_is_made(store: Store) -> None:
    pid, now = new_vid(), time.time()
    await store.record(pid, Change(now=now - 10, purchases=1, stage="purchase"), 86400.0)
    back = Change(now=now, stage="interest", stage_back=True, stage_was="purchase", new_visit=True)
    await store.record(pid, back, 86400.0)
    assert (await store.load(pid)).stage == "interest"
    old = Change(now=now + 1, stage="awareness", stage_back=True)  # (a release before: no
    await store.record(pid, old, 86400.0)  # stage_was) moves back as it did
    assert (await store.load(pid)).stage == "awareness"


@asynccontextmanager
async def two_tabs(settings: Settings) -> AsyncIterator[tuple[httpx.AsyncClient, ...]]:
    """Two tabs of one visitor, each answered by its own worker (a middleware and a store
    each) on one Redis: the second takes the first's cookie after the first request."""
    a, b = Omotenashi(shop(), settings=settings), Omotenashi(shop(), settings=settings)
    async with client_for(a) as on_a, client_for(b) as on_b:
        yield on_a, on_b


async def booked_twice_at_once(
    on_a: httpx.AsyncClient, on_b: httpx.AsyncClient, r: redis.Redis
) -> str:
    """A cart, then a booking in each tab at the same moment; the profile's key, its bookings'
    moves marked to be judged again (each judged on one booking)."""
    await on_a.post("/add/kyoto")
    on_b.cookies = on_a.cookies
    await asyncio.gather(on_a.post("/buy"), on_b.post("/buy"))
    [key] = r.keys("omo:*:p2")
    assert r.hget(key, "R") == "purchase"
    return str(key)


BOOKINGS = """
transitions:
  - {to: consideration, on: add_to_cart}
  - {to: purchase, on: purchase}
  - {to: loyalty, on: purchase, when: {purchases: {at_least: 2}}}
"""


async def test_two_bookings_at_once_reach_the_stage_two_bookings_give(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    """Two tabs (here two workers) book at the same moment: each judged `on: purchase` on one
    booking (its read), and Redis kept two bookings at `purchase`, for good: the journey says a
    second booking is loyalty. The write finds the count moved under the judgement and the
    next request judges the booking's moves again."""
    settings = make_settings(RULES_STAGE, journey=BOOKINGS)
    async with two_tabs(settings) as (on_a, on_b):
        key = await booked_twice_at_once(on_a, on_b, omotenashi_redis)
        assert omotenashi_redis.hget(key, "P") == "2"
        assert hero(await on_a.get("/")) == "Stage loyalty"
        assert omotenashi_redis.hget(key, "R") is None  # judged again: done
        assert stored_stage(omotenashi_redis) == "loyalty"


@pytest.mark.parametrize("history", ["on", "off"])
async def test_a_sign_in_carries_the_moves_still_to_judge_to_the_account(
    make_settings: Make, omotenashi_redis: redis.Redis, history: str
) -> None:
    """journey65: two bookings at once, then a sign-in: the anonymous profile's moves still to
    judge were dropped by the merge, and the account stayed at `purchase` with two bookings
    for good (the same without the sign-in reached loyalty on the next page). They are judged
    as it merges, on the anonymous profile's own counts (review65: never on the sums)."""
    settings = make_settings(RULES_STAGE, journey=BOOKINGS)
    async with two_tabs(settings) as (on_a, on_b):
        await booked_twice_at_once(on_a, on_b, omotenashi_redis)
        if history == "off":  # (last65: that sign-in path capped the stage at the unjudged one)
            await switch_history(on_a, False)
        await on_a.post("/login/aiko")
        [key] = [k for k in omotenashi_redis.keys("omo:*:p2") if omotenashi_redis.hget(k, "P")]
        assert RANK[omotenashi_redis.hget(key, "G")] == "loyalty"  # judged on its own counts
        assert omotenashi_redis.hget(key, "R") is None
        if history == "on":  # (off: no block on the stage is shown, a history-based fact)
            assert hero(await on_a.get("/")) == "Stage loyalty"


async def test_a_booking_judged_on_the_count_it_leaves_marks_nothing(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    async with client_for(mw(make_settings)) as client:
        await client.post("/add/kyoto")
        await client.post("/buy")
        await client.post("/buy")
        [key] = omotenashi_redis.keys("omo:*:p2")
        assert omotenashi_redis.hget(key, "R") is None


JOIN_AFTER_BOOKING = """
transitions:
  - {to: purchase, on: purchase}
  - {to: loyalty, on: join_club, when: {purchases: {at_least: 1}}}
"""


async def test_a_join_judged_on_a_booking_count_another_tab_moved_is_judged_again(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    """journey58b: one tab books while the other joins the club (loyalty when a member has
    booked): the join was judged on no booking; the count it read moved under it."""
    settings = make_settings(RULES_STAGE, journey=JOIN_AFTER_BOOKING)
    async with two_tabs(settings) as (on_a, on_b):
        await on_a.get("/")
        on_b.cookies = on_a.cookies
        await asyncio.gather(on_a.post("/buy"), on_b.post("/club"))
        assert hero(await on_a.get("/")) == "Stage loyalty"


async def test_moves_judged_again_come_before_a_decay_of_the_next_visit(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    """journey58b, deploy58: two bookings at once left R; the visitor's next page comes 200
    days later (a new visit the decay moves back): the booking's move is judged again from
    the stage it was judged from, then the decay moves the visitor back, as it would have
    without the race (before, R's move came after the decay: loyalty)."""
    journey = BOOKINGS + "decay:\n  - {from: [loyalty, purchase], to: interest, when: "
    journey += "{absent_days: {at_least: 180}}}\n"
    settings = make_settings(RULES_STAGE, journey=journey)
    async with two_tabs(settings) as (on_a, on_b):
        key = await booked_twice_at_once(on_a, on_b, omotenashi_redis)
        omotenashi_redis.hset(key, "L", ago(omotenashi_redis, key, 200 * 86400))
        assert hero(await on_a.get("/")) == "Stage interest"
        assert omotenashi_redis.hget(key, "R") is None


async def test_events_to_judge_again_are_joined_not_replaced(store: Store) -> None:
    """journey58b: two races one after the other (bookings, then carts) keep both events'
    moves to judge again (before, the second replaced the first)."""
    pid, now = new_vid(), time.time()
    await store.record(pid, Change(now=now - 10, purchases=2, stage="purchase"), 86400.0)
    booked = Change(now=now, counted={"P": 1}, judged="purchase")  # (judged on one booking)
    carted = Change(now=now, events={"add_to_cart": 2}, counted={"eadd_to_cart": 1})
    carted.judged = "add_to_cart"
    for change in (booked, carted):
        await store.record(pid, change, 86400.0)
    assert (await store.load(pid)).rejudge == {"purchase", "add_to_cart"}


@pytest.mark.parametrize("order", ["booking first", "join first"])
async def test_either_stale_side_is_judged_again(store: Store, order: str) -> None:
    """A booking and a club join judged at once, each on the other's count before it: whichever
    write lands second sees the other's count moved, and marks both events' moves (the first
    one's judgement missed the second's event as much)."""
    pid, now = new_vid(), time.time()
    await store.record(pid, Change(now=now - 10, view=True), 86400.0)
    both = {"P": 0, "epurchase": 0, "ejoin_club": 0}
    booked = Change(now=now, events={"purchase": 1}, purchases=1, judged="purchase")
    booked.counted = {**both, "P": 1, "epurchase": 1}
    joined = Change(now=now, events={"join_club": 1}, judged="join_club")
    joined.counted = {**both, "ejoin_club": 1}
    for change in (booked, joined) if order == "booking first" else (joined, booked):
        await store.record(pid, change, 86400.0)
    assert (await store.load(pid)).rejudge == {"purchase", "join_club"}


DECAY_AND_BOOKINGS = (
    BOOKINGS
    + """
decay:
  - {from: [loyalty, purchase], to: interest, when: {absent_days: {at_least: 60}}}
"""
)


@pytest.mark.parametrize("order", ["booking first", "page first"])
async def test_a_booking_at_a_visits_start_beats_its_pages_decay_in_either_order(
    store: Store, tmp_path: Path, order: str
) -> None:
    """journey65: back after 61 days, a page and a booking at once read the same profile
    (loyalty, two bookings). The page's decay (interest) stood in 8 of 30 such visits: the
    booking's own judgement (decay, then `on: purchase` at three bookings: loyalty) left the
    stage it read and wrote nothing. Now the booking writes its move forward, and the decay
    stands only on the counts it was judged on."""
    (tmp_path / "journey.yaml").write_text(DECAY_AND_BOOKINGS)
    journey = load_journey(tmp_path)
    day, t0 = 86400, time.time() - 100 * 86400
    pid = new_vid()
    await store.record(pid, Change(now=t0, purchases=2, stage="loyalty", new_visit=True), 1e7)
    read = await store.load(pid)
    assert read.stage == "loyalty" and read.purchases == 2
    changes = {}
    for kind in ("page", "booking"):
        booked = [("purchase", {})] if kind == "booking" else []  # (track(request, ...))
        visit = Visit(visitor_id=pid, profile=read, now=t0 + 61 * day, events=booked)
        change = build_change(
            visit, view=kind == "page", session_gap=1800, respect=RespectSettings()
        )
        understand(visit, change, journey)
        changes[kind] = change
    writes = ["booking", "page"] if order == "booking first" else ["page", "booking"]
    mirror = read
    for kind in writes:
        await store.record(pid, changes[kind], 1e7)
        mirror = apply(mirror, changes[kind], 1e7)
    stored = await store.load(pid)
    assert stored.purchases == 3 and stored.stage == "loyalty"
    assert mirror.stage == "loyalty"  # (the engine's own mirror of the write: the same)
