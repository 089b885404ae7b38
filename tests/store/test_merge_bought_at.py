"""hunt46: after a sign-in merge, each item bought keeps its own last purchase time (the
export's purchased_at, the latest-first lists): the anonymous profile bought "alps" at NOW and
"zen" at NOW+5 days; the merge stamped both with the last purchase, and a user's older time for
an item bought again anonymously was never replaced."""

from __future__ import annotations

import secrets

import pytest
import redis

from omotenashi.engine.change import Change, apply
from omotenashi.engine.limits import MAX_BOUGHT
from omotenashi.engine.profile import Profile
from omotenashi.ids import new_vid
from omotenashi.store.store import Store

pytestmark = pytest.mark.anyio
NOW = 1_796_000_000.0
DAY = 86400.0


async def test_each_item_keeps_its_own_purchase_time_through_a_merge(
    store: Store, omotenashi_redis: redis.Redis
) -> None:
    anon = new_vid()
    await store.record(anon, Change(now=NOW, view=True), DAY)
    await store.record(anon, Change(now=NOW, bought=["alps"], purchases=1), DAY)
    await store.record(anon, Change(now=NOW + 5 * DAY, bought=["zen"], purchases=1), DAY)
    before = await store.load(anon)
    assert before.bought_at == {"alps": NOW, "zen": NOW + 5 * DAY}

    uid = "u" + secrets.token_hex(16)
    await store.record(uid, Change(now=NOW - DAY, view=True), DAY)
    assert await store.merge(anon, uid, NOW + 6 * DAY, DAY)
    after = await store.load(uid)
    assert after.bought_at == {"alps": NOW, "zen": NOW + 5 * DAY}, after.bought_at


async def test_a_later_anonymous_purchase_is_the_last_time(
    store: Store, omotenashi_redis: redis.Redis
) -> None:

    uid, anon = "u" + secrets.token_hex(16), new_vid()
    await store.record(uid, Change(now=NOW, bought=["alps"], purchases=1), DAY)
    await store.record(anon, Change(now=NOW + 3 * DAY, bought=["alps"], purchases=1), DAY)
    assert await store.merge(anon, uid, NOW + 4 * DAY, DAY)
    assert (await store.load(uid)).bought_at == {"alps": NOW + 3 * DAY}


# hunt46b P3: a full list of items bought let the newest purchase go (record and merge)
async def test_record_at_the_cap_forgets_the_newest(
    store: Store, omotenashi_redis: redis.Redis
) -> None:
    vid = new_vid()
    await store.record(vid, Change(now=NOW, view=True), DAY)
    old = [f"old{i:02}" for i in range(MAX_BOUGHT)]
    await store.record(vid, Change(now=NOW, bought=old, purchases=1), DAY)
    await store.record(vid, Change(now=NOW + DAY, bought=["just-bought"], purchases=1), DAY)
    p = await store.load(vid)
    assert "just-bought" in p.purchased, "the purchase just made is not remembered as bought"


async def test_merge_at_the_cap_keeps_the_latest(
    store: Store, omotenashi_redis: redis.Redis
) -> None:
    uid, anon = "u" + secrets.token_hex(16), new_vid()
    await store.record(
        uid, Change(now=NOW, bought=[f"u{i:02}" for i in range(MAX_BOUGHT - 1)], purchases=1), DAY
    )
    await store.record(anon, Change(now=NOW, bought=["aa-long-ago"], purchases=1), DAY)
    await store.record(anon, Change(now=NOW + 9 * DAY, bought=["zz-yesterday"], purchases=1), DAY)
    assert await store.merge(anon, uid, NOW + 10 * DAY, DAY)
    p = await store.load(uid)
    assert "zz-yesterday" in p.purchased, "the merge kept the older anonymous purchase instead"


def test_the_engine_keeps_the_latest_purchases_as_the_store_does() -> None:
    p = Profile()
    p = apply(
        p, Change(now=NOW, bought=[f"old{i:02}" for i in range(MAX_BOUGHT)], purchases=1), DAY
    )
    p = apply(p, Change(now=NOW + DAY, bought=["just-bought"], purchases=1), DAY)
    assert "just-bought" in p.purchased and len(p.purchased) == MAX_BOUGHT
    assert "old00" not in p.purchased and set(p.bought_at) == set(p.purchased)


async def test_a_sign_in_before_any_page_joins_nothing_and_is_dated_when_it_happened(
    store: Store, omotenashi_redis: redis.Redis
) -> None:
    """qa46b P1: signing in before any page was counted (the login page is not tracked) left
    neither profile a first-seen time, so the merge's time was kept absolute and read back
    with the first visit's added to it: "the last joined 08 November 2083". data47 P2: nor is
    such a sign-in recorded as a merge: nothing was kept before it, and the data page said
    "1 record from before you signed in"."""
    uid, anon = "u" + secrets.token_hex(16), new_vid()
    assert not await store.merge(anon, uid, NOW, DAY)
    await store.record(uid, Change(now=NOW + 60, view=True), DAY)
    p = await store.load(uid)
    assert p.merged == {}
    assert p.first_seen is not None and abs(p.first_seen - (NOW + 60)) < 2


async def test_a_purchase_listing_thousands_of_items_carries_the_fifty_kept(
    store: Store, omotenashi_redis: redis.Redis
) -> None:
    """last46 P2: a purchase beacon of ~9,000 ids was checked as a list (quadratic) and every id
    written by the record script, which sorted them all in Redis to keep 50; the change now
    carries only the 50 the store keeps (one time for all: the largest ids), so the same stay."""
    items = [f"item-{n:05}" for n in range(9000)]
    change = Change(now=NOW)
    change.add_event("purchase", {"items": [*items, *items[:10]]})
    assert change.bought == items[-MAX_BOUGHT:]
    vid = new_vid()
    await store.record(vid, change, DAY)
    assert (await store.load(vid)).purchased == set(items[-MAX_BOUGHT:])
