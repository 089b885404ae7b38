"""recs60: "Popular this week" was said of an item whose decayed views came weeks ago (1,000
views three weeks back decay to 15, past the five a claim needs, while nobody viewed it this
week). An item is popular now when this calendar week's first views (``rec:popw:<week>``,
ISO, UTC) reach the support, whatever its decayed score; the decayed score still ranks.
Through the whole stack, against a real Redis."""

from __future__ import annotations

import math
import time

import pytest
import redis

from omotenashi.recommend.coview import (
    MIN_POPULAR_SUPPORT,
    POPULAR_GRAIN,
    POPULAR_HALF_LIFE,
    grained,
    log_add,
    log_increment,
)

from ..conftest import client_for
from .test_recommend_site import Make, Seed, _browse, _picks, _site, _teach

pytestmark = pytest.mark.anyio


def _views(n: int, days_ago: float) -> float:
    """The popular key's score ``n`` first views ``days_ago`` leave (as the learning does)."""
    at = grained(time.time() - days_ago * 86400, POPULAR_GRAIN)
    score = None
    for _ in range(n):
        score = log_add(score, log_increment(at, POPULAR_HALF_LIFE))
    assert score is not None
    return score


async def test_popular_this_week_is_said_of_this_week_s_views_alone(
    make_settings: Make, omotenashi_redis: redis.Redis, omotenashi_visitor: Seed
) -> None:
    omotenashi_redis.zadd("omo:rec:pop", {"paris-art": _views(1000, 21)})  # weeks ago
    async with client_for(_site(make_settings)) as client:
        before = _picks((await _browse(client, "/tours/kyoto-autumn")).text)
        await _teach(client, omotenashi_visitor, "/tours/bali-retreat")  # five, this week
        after = _picks((await _browse(client, "/tours/kyoto-autumn")).text)
    assert ("paris-art", "Popular this week") not in before + after
    assert ("bali-retreat", "Popular this week") in after
    week = time.strftime("omo:rec:popw:%G-%V", time.gmtime())
    assert omotenashi_redis.zscore(week, "bali-retreat") == pytest.approx(
        math.log2(MIN_POPULAR_SUPPORT)
    )
    expires = omotenashi_redis.expiretime(week)  # (a day past the week's Sunday)
    assert 86400 < expires - time.time() <= 8 * 86400 + 60


async def test_a_week_full_of_other_items_still_takes_a_new_one(
    make_settings: Make, omotenashi_redis: redis.Redis, omotenashi_visitor: Seed
) -> None:
    # (last60b: trimmed to its top 1,000, a week whose 1,000 items had two first views each
    # let a new item's first view in last and out at once, every time, all week)
    week = time.strftime("omo:rec:popw:%G-%V", time.gmtime())
    omotenashi_redis.zadd(week, {f"long-tail-{n}": 1.0 for n in range(1000)})
    async with client_for(_site(make_settings)) as client:
        await _teach(client, omotenashi_visitor, "/tours/bali-retreat")
        after = _picks((await _browse(client, "/tours/kyoto-autumn")).text)
    assert ("bali-retreat", "Popular this week") in after
    assert omotenashi_redis.zcard(week) == 1001
