"""hunt46: after a sign-in merge, each item bought keeps its own last purchase time (the
export's purchased_at, the latest-first lists): the anonymous profile bought "alps" at NOW and
"zen" at NOW+5 days; the merge stamped both with the last purchase, and a user's older time for
an item bought again anonymously was never replaced."""

from __future__ import annotations

import pytest
import redis

from omotenashi.engine.change import Change
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
    import secrets

    uid = "u" + secrets.token_hex(16)
    await store.record(uid, Change(now=NOW - DAY, view=True), DAY)
    assert await store.merge(anon, uid, NOW + 6 * DAY, DAY)
    after = await store.load(uid)
    assert after.bought_at == {"alps": NOW, "zen": NOW + 5 * DAY}, after.bought_at


async def test_a_later_anonymous_purchase_is_the_last_time(
    store: Store, omotenashi_redis: redis.Redis
) -> None:
    import secrets

    uid, anon = "u" + secrets.token_hex(16), new_vid()
    await store.record(uid, Change(now=NOW, bought=["alps"], purchases=1), DAY)
    await store.record(anon, Change(now=NOW + 3 * DAY, bought=["alps"], purchases=1), DAY)
    assert await store.merge(anon, uid, NOW + 4 * DAY, DAY)
    assert (await store.load(uid)).bought_at == {"alps": NOW + 3 * DAY}
