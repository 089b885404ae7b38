"""Each visitor counts an item, and a pair, once: support behind "Popular this week" and
"Often viewed with" is a number of visitors, not of views (a recommendations audit's P1s),
through the whole stack against a real Redis."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable

import httpx
import pytest
import redis

from omotenashi import Settings
from omotenashi.engine.change import Change
from omotenashi.errors import StoreError
from omotenashi.recommend.coview import (
    CO_HALF_LIFE,
    MIN_CO_SUPPORT,
    MIN_POPULAR_SUPPORT,
    POPULAR_HALF_LIFE,
    Learning,
    decayed,
    log_increment,
)
from omotenashi.store.store import Store
from omotenashi.testing import SeededVisitor

from ..conftest import client_for
from .test_recommend_trust import BEACON, _picks, _site

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]
Seed = Callable[..., SeededVisitor]
DAY = 86400


def _count(r: redis.Redis, key: str, member: str, half_life: float) -> float:
    score = r.zscore(key, member)
    return 0.0 if score is None else decayed(float(score), time.time(), half_life)


def _days_later(r: redis.Redis, vid: str, days: float) -> None:
    """The visitor comes back ``days`` later: every time in the profile counts from its first
    visit, so moving that back ages all of them (and the visit is a new one)."""
    key = f"omo:{{{vid}}}:p2"
    first = float(r.hget(key, "F") or time.time())
    r.hset(key, "F", int(first - days * DAY))


async def _beacon_fillers(client: httpx.AsyncClient, calls: int, tag: str) -> None:
    for call in range(calls):
        events = [
            {"name": "view_item", "data": {"item": f"made-up-{tag}-{call}-{n}"}} for n in range(20)
        ]
        sent = await client.post(
            "/_omotenashi/events", content=json.dumps({"events": events}), headers=BEACON
        )
        assert sent.status_code < 300, sent.text


@pytest.mark.parametrize("fillers", [0, 3], ids=["days-later", "viewed-list-flushed"])
async def test_one_cookie_counts_an_item_once_whatever_it_sends(
    make_settings: Make, omotenashi_redis: redis.Redis, omotenashi_visitor: Seed, fillers: int
) -> None:
    """The audit: three beacon calls of 20 made-up items pushed a view out of the kept list,
    and the next page view counted again: one cookie made an item popular in 25 requests."""
    seed = omotenashi_visitor(visits=2)
    async with client_for(_site(make_settings)) as client:
        seed.apply(client)
        for round_ in range(int(MIN_POPULAR_SUPPORT) + 1):
            await client.get("/tours/paris-art")
            await _beacon_fillers(client, fillers, str(round_))
            _days_later(omotenashi_redis, seed.id, 2)
        client.cookies.clear()
        page = await client.get("/tours/kyoto-autumn")  # someone else
    count = _count(omotenashi_redis, "omo:rec:pop", "paris-art", POPULAR_HALF_LIFE)
    assert 0.5 < count < 1.5, count
    assert dict(_picks(page)).get("paris-art", "") != "Popular this week"
    full = omotenashi_redis.hget(f"omo:{{{seed.id}}}:p2", "WX")
    assert (full is not None) == (fillers > 0)  # past 50 viewed items: it teaches no more


async def test_one_person_coming_back_makes_no_co_view_claim_for_another(
    make_settings: Make, omotenashi_redis: redis.Redis, omotenashi_visitor: Seed
) -> None:
    """The audit: one visitor viewing Kyoto then Tokyo on five days raised the pair to four,
    and the only other visitor read "Often viewed with Kyoto in autumn": what one person
    looked at."""
    seed = omotenashi_visitor(visits=2)
    async with client_for(_site(make_settings)) as client:
        seed.apply(client)
        for _ in range(int(MIN_CO_SUPPORT) + 2):
            await client.get("/tours/kyoto-autumn")
            await client.get("/tours/tokyo-lights")
            _days_later(omotenashi_redis, seed.id, 2)
        client.cookies.clear()
        page = await client.get("/tours/kyoto-autumn")
    pair = _count(omotenashi_redis, "omo:rec:co:kyoto-autumn", "tokyo-lights", CO_HALF_LIFE)
    assert pair < 1.5, pair
    assert not any(reason.startswith("Often viewed with") for _, reason in _picks(page))


async def test_one_visitor_s_concurrent_first_views_count_once(
    store: Store, omotenashi_redis: redis.Redis
) -> None:
    """Concurrent requests each read the profile before any of them records, so each thinks
    its view the first: the record script, where they meet, decides which one was, and only
    that one teaches the shared keys."""
    now = time.time()
    x = log_increment(now, POPULAR_HALF_LIFE)
    y = log_increment(now, CO_HALF_LIFE)

    async def view() -> None:
        learning = Learning(
            [("bali-retreat", x)], {"bali-retreat": [("kyoto-autumn", y)]}, "bali-retreat"
        )
        change = Change(now=now, view=True, items=["bali-retreat"])
        await store.record("racer", change, DAY, learning)

    await asyncio.gather(*(view() for _ in range(20)))
    assert 0.5 < _count(omotenashi_redis, "omo:rec:pop", "bali-retreat", POPULAR_HALF_LIFE) < 1.5
    pair = _count(omotenashi_redis, "omo:rec:co:bali-retreat", "kyoto-autumn", CO_HALF_LIFE)
    assert 0.5 < pair < 1.5, pair


async def test_enough_different_visitors_still_make_the_claim(
    make_settings: Make, omotenashi_redis: redis.Redis, omotenashi_visitor: Seed
) -> None:
    async with client_for(_site(make_settings)) as client:
        for _ in range(int(MIN_POPULAR_SUPPORT)):
            client.cookies.clear()
            omotenashi_visitor(visits=2).apply(client)
            await client.get("/tours/paris-art")
        client.cookies.clear()
        page = await client.get("/tours/kyoto-autumn")
    assert dict(_picks(page)).get("paris-art") == "Popular this week", _picks(page)


async def test_shared_counts_that_cannot_be_written_after_the_record_are_counted_lost(
    store: Store, omotenashi_redis: redis.Redis
) -> None:
    """The record marks the item seen before the shared counts are written: if their write
    fails, this visitor never counts the item, and the metric says how often that happens."""
    omotenashi_redis.set("omo:rec:pop", "not a sorted set")  # the learn script fails on it
    now = time.time()
    learning = Learning(
        [("bali-retreat", log_increment(now, POPULAR_HALF_LIFE))], {}, "bali-retreat"
    )
    try:
        with pytest.raises(StoreError):
            await store.record(
                "unlucky", Change(now=now, view=True, items=["bali-retreat"]), DAY, learning
            )
    finally:  # a test after this one that reads the shared key (without a flush) reads a set
        omotenashi_redis.delete("omo:rec:pop")
    assert store.metrics["learn_lost"] == 1
    assert "bali-retreat" in (await store.load("unlucky")).viewed  # the page view was written


async def test_a_landing_view_before_the_cookie_counts_once_the_cookie_comes_back(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    """A visitor's first page (from an ad or a search) comes without their cookie: it counts
    no popular view then (a cookie-less request could be sent again and again), but their
    next view of it with the cookie does, once."""
    async with client_for(_site(make_settings)) as client:
        await client.get("/tours/paris-art")  # the landing page: a new cookie comes back
        assert _count(omotenashi_redis, "omo:rec:pop", "paris-art", POPULAR_HALF_LIFE) == 0
        for _ in range(3):
            await client.get("/tours/paris-art")
    assert 0.5 < _count(omotenashi_redis, "omo:rec:pop", "paris-art", POPULAR_HALF_LIFE) < 1.5


async def test_an_item_a_profile_kept_before_the_mark_is_not_counted_again(
    make_settings: Make, omotenashi_redis: redis.Redis, omotenashi_visitor: Seed
) -> None:
    """Profiles written before the '?' mark hold their viewed items as "<time>" (counted then,
    once a day): an upgrade must not count them all once more."""
    seed = omotenashi_visitor(visits=2)
    omotenashi_redis.hset(f"omo:{{{seed.id}}}:p2", "wparis-art", "0")  # as kept before
    async with client_for(_site(make_settings)) as client:
        seed.apply(client)
        _days_later(omotenashi_redis, seed.id, 2)
        await client.get("/tours/paris-art")
        await client.get("/tours/bali-retreat")  # a new item still counts
    assert _count(omotenashi_redis, "omo:rec:pop", "paris-art", POPULAR_HALF_LIFE) == 0
    assert 0.5 < _count(omotenashi_redis, "omo:rec:pop", "bali-retreat", POPULAR_HALF_LIFE) < 1.5
