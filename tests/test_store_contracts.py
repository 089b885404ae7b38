"""Contracts mutation testing showed were loose: every store call is bounded by its timeout,
merging is exact, the rate counter expires, erase waits for queued writes, cap periods and
users' profile ids never change meaning."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

import pytest
import redis
from hypothesis import given
from hypothesis import strategies as st

from omotenashi import Settings, StoreError
from omotenashi.engine.change import Change
from omotenashi.engine.periods import period_key
from omotenashi.engine.profile import Profile
from omotenashi.engine.restraint import Prefs
from omotenashi.identity.cookie import user_profile_id
from omotenashi.ids import new_vid
from omotenashi.metrics import Metrics
from omotenashi.store.store import Store

from .test_conditions import holds
from .test_untested_paths import SHOPPER

DAY = 86400.0
HALF_LIFE = 7 * DAY


Call = Callable[[Store, str], Coroutine[Any, Any, object]]
CALLS: dict[str, Call] = {
    "load": lambda s, v: s.load(v),
    "record": lambda s, v: s.record(v, Change(now=1.0, view=True), HALF_LIFE),
    "merge": lambda s, v: s.merge(v, "u" + v, 1.0, HALF_LIFE),
    "rate-limit": lambda s, v: s.hit_rate_limit(v, 5),
    "erase": lambda s, v: s.erase(v),
}


@pytest.mark.anyio
@pytest.mark.parametrize("call", CALLS.values(), ids=list(CALLS))
async def test_every_call_gives_up_at_its_timeout(
    omotenashi_redis_url: str, omotenashi_redis: redis.Redis, call: Call
) -> None:
    cfg = {"url": omotenashi_redis_url, "read_timeout": 2.0, "write_timeout": 2.0}
    paused = Store(Settings(redis=cfg).redis, Metrics())
    paused.connect(omotenashi_redis_url)
    vid = new_vid()
    try:
        await paused.load(vid)  # connected before the pause, with time to spare
        paused.cfg = paused.cfg.model_copy(update={"read_timeout": 0.05, "write_timeout": 0.05})
        # 30 times the timeout: a busy machine (2 shared cores) once took 400 ms to send the call
        # (CLIENT UNPAUSE is itself held by a pause of ALL, so the pause runs its course)
        omotenashi_redis.execute_command("CLIENT", "PAUSE", "1500", "ALL")
        # (a write waited for: its batch interval, 2 ms, besides)
        with pytest.raises(StoreError, match=r"did not answer within 0\.05\d*s"):
            await call(paused, vid)
    finally:
        await asyncio.sleep(1.55)  # the pause ends; close on a live server
        await paused.aclose()


@pytest.mark.anyio
@pytest.mark.parametrize("anon", ["", "u" + "a" * 32, "same"], ids=["none", "a-user", "itself"])
async def test_only_an_anonymous_profile_merges(
    store: Store, omotenashi_redis: redis.Redis, anon: str
) -> None:
    user = "same" if anon == "same" else "u" + "b" * 32
    if anon:
        await store.record(anon, Change(now=1.0, view=True, events={"x": 1}), HALF_LIFE)
    before = {k: omotenashi_redis.dump(k) for k in omotenashi_redis.keys("omo:*")}
    assert await store.merge(anon, user, 2.0, HALF_LIFE) is False
    assert {k: omotenashi_redis.dump(k) for k in omotenashi_redis.keys("omo:*")} == before


@pytest.mark.anyio
async def test_merging_carries_every_part_once(store: Store, omotenashi_redis: redis.Redis) -> None:
    anon, user = new_vid(), user_profile_id("salt", new_vid())
    change = Change(
        now=DAY,
        view=True,
        topics=["hawaii"],
        items=["kyoto"],
        events={"video_play": 2},
        stage="consideration",
    )
    await store.record(anon, change, HALF_LIFE)
    omotenashi_redis.hset(f"omo:{{{anon}}}:p2", "SG", "family,vip")
    assert await store.merge(anon, user, DAY, HALF_LIFE) is True
    merged = await store.load(user)
    assert (merged.stage, merged.views, merged.events) == ("consideration", 1, {"video_play": 2})
    assert merged.segments == frozenset({"family", "vip"})
    assert merged.interest_now(DAY, HALF_LIFE) == {"hawaii": 1.0}
    assert merged.viewed == {"kyoto": DAY}
    assert omotenashi_redis.keys(f"omo:{{{anon}}}:*") == []
    assert await store.merge(anon, user, DAY, HALF_LIFE) is False  # nothing left to merge


@pytest.mark.anyio
async def test_the_rate_window_expires(store: Store, omotenashi_redis: redis.Redis) -> None:
    vid = new_vid()
    assert [await store.hit_rate_limit(vid, 2, window=30) for _ in range(3)] == [
        False,
        False,
        True,
    ]
    assert 0 < omotenashi_redis.ttl(f"omo:{{{vid}}}:rate") <= 30


@pytest.mark.anyio
async def test_erase_waits_for_a_queued_page_view(
    store: Store, omotenashi_redis: redis.Redis
) -> None:
    vid = new_vid()
    await store.load(vid)  # connected: a page view is queued at once
    for _ in range(5):
        writing = asyncio.create_task(store.record(vid, Change(now=1.0, view=True), HALF_LIFE))
        await asyncio.sleep(0)  # queued, not yet written
        await store.erase(vid)
        await writing
        assert omotenashi_redis.keys(f"omo:{{{vid}}}:*") == []  # it did not come back


@pytest.mark.parametrize(
    ("per", "now", "start", "key"),
    [
        ("visit", 5 * DAY + 7.5, 5 * DAY, f"v{int(5 * DAY)}"),
        ("visit", 5 * DAY + 7.5, None, f"v{int(5 * DAY + 7.5)}"),
        ("day", 3 * DAY - 0.5, None, "d2"),
        ("day", 3 * DAY, None, "d3"),
        ("week", 11 * DAY - 1, None, "w1"),  # Sunday 1970-01-11: weeks run Monday to Sunday
        ("week", 11 * DAY, None, "w2"),
        ("ever", 14 * DAY, 1.0, "ever"),
    ],
)
def test_cap_periods(per: str, now: float, start: float | None, key: str) -> None:
    assert period_key(per, now, start) == key


@given(
    st.builds(
        Prefs,
        st.frozensets(st.text(min_size=1, max_size=8), max_size=3),
        st.frozensets(st.text(min_size=1, max_size=8), max_size=3),
        st.booleans(),
        st.booleans(),
        st.booleans(),
    )
)
def test_choices_round_trip_through_the_cookie(prefs: Prefs) -> None:
    assert Prefs.from_cookie(prefs.to_cookie()) == prefs
    assert all(value for value in prefs.to_cookie().values())  # only what was chosen


def test_a_users_profile_id_never_changes() -> None:
    """Changing the derivation orphans every signed-in user's profile: it is pinned."""
    assert user_profile_id("salt", "alice") == "u0a6382fa74ae7595f6fb583f73da0748"
    assert user_profile_id("pepper", "alice") != user_profile_id("salt", "alice")


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ({"event": {"purchase": {"at_most": 0}}}, True),  # never happened counts as 0
        ({"event": {"purchase": 0}}, True),
        ({"event": {"purchase": {"at_least": 1}}}, False),
    ],
)
def test_an_event_that_never_happened_counts_zero(when: dict[str, Any], expected: bool) -> None:
    assert holds(when, SHOPPER) is expected


@pytest.mark.anyio
@pytest.mark.parametrize("item", [None, "kyoto"], ids=["no-item", "an-item"])
async def test_a_visit_read_is_the_profile_and_counts_as_a_read(
    store: Store, item: str | None
) -> None:
    vid = new_vid()
    await store.record(vid, Change(now=1.0, view=True, events={"x": 2}), HALF_LIFE)
    reads = store.metrics.registry.get_sample_value("omotenashi_redis_read_seconds_count") or 0
    profile, _ = await store.load_visit(vid, item)
    assert (profile.views, profile.events) == (1, {"x": 2})
    nobody, _ = await store.load_visit(None, item)
    assert nobody == Profile()
    after = store.metrics.registry.get_sample_value("omotenashi_redis_read_seconds_count")
    assert after is not None and after >= reads + 1
    assert store.metrics.registry.get_sample_value("omotenashi_redis_write_seconds_count") == 1
