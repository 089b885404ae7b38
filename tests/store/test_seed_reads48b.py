"""The reads of co lists (store/seeds.py), against a real Valkey: requests that need the same
list at once share one round trip; a read's failure of any kind is looked at and logged, never
left for the event loop to find; the store's close is final for them (no read starts after
it); they are timed and counted as what they are, not as profile reads; and the lists kept
are only what ranking reads, in memory a few MB at most."""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from typing import Any

import pytest
import redis

from omotenashi.ids import new_vid
from omotenashi.metrics import Metrics
from omotenashi.recommend.coview import CO_HALF_LIFE, log_increment
from omotenashi.settings import RedisSettings
from omotenashi.store import recs
from omotenashi.store.recs import Recs
from omotenashi.store.seeds import seed_lists
from omotenashi.store.store import Store

pytestmark = pytest.mark.anyio
PATHS = pytest.mark.parametrize("options", ["", "?socket_keepalive=true"], ids=["fast", "redis-py"])


def _store(url: str) -> Store:
    store = Store(RedisSettings(url=url, key_prefix="reads48b"), Metrics())
    store.connect(url)
    return store


def _teach(r: redis.Redis, item: str, *others: str) -> None:
    top = log_increment(time.time(), CO_HALF_LIFE) + 4  # 16 decayed co-views: supported
    r.delete(f"reads48b:rec:co:{item}")
    r.zadd(f"reads48b:rec:co:{item}", {o: top - n / 100 for n, o in enumerate(others)})


def _list_reads(r: redis.Redis) -> int:
    """ZREVRANGE calls the server has answered (the lists' reads), from its own counts."""
    stats: dict[str, Any] = r.info("commandstats")
    return int(stats.get("cmdstat_zrevrange", {}).get("calls", 0))


@PATHS
async def test_requests_that_need_a_list_at_once_share_one_read(
    omotenashi_redis_url: str, omotenashi_redis: redis.Redis, options: str
) -> None:
    _teach(omotenashi_redis, "kyoto", "tokyo")
    _teach(omotenashi_redis, "paris", "nice")
    store = _store(omotenashi_redis_url + options)
    try:
        await store.load(new_vid())  # (the fast path's read connection up)
        before = _list_reads(omotenashi_redis)
        got = await asyncio.gather(
            *(seed_lists(store, ["kyoto", "paris"]) for _ in range(5)),
            seed_lists(store, ["paris"]),
        )
        read = _list_reads(omotenashi_redis) - before
    finally:
        await store.aclose()
    assert read == 2  # one round trip: each list once (until 48b: once per request)
    assert got[0] == {"kyoto": [("tokyo", 1.0)], "paris": [("nice", 1.0)]}
    assert all(g == got[0] for g in got[:5]) and got[5] == {"paris": [("nice", 1.0)]}
    assert store.metrics["seed_lists_read"] == 2 and store.metrics["seed_lists_unread"] == 0


async def test_a_read_failing_on_our_side_is_counted_and_logged_never_left_unretrieved(
    omotenashi_redis_url: str,
    omotenashi_redis: redis.Redis,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A list read again in the background fails with a bug of ours (not a Redis error): the
    failure is counted and logged, and the event loop never finds an exception no one looked at
    (until 48b only a StoreError was: "Task exception was never retrieved")."""
    monkeypatch.setattr(recs, "LISTS_FRESH", 0.0)
    _teach(omotenashi_redis, "kyoto", "tokyo")
    store = _store(omotenashi_redis_url)
    unseen: list[dict[str, Any]] = []
    loop = asyncio.get_running_loop()
    handler = loop.get_exception_handler()
    loop.set_exception_handler(lambda _, context: unseen.append(context))
    try:
        await store.load(new_vid())
        await seed_lists(store, ["kyoto"])

        def broken(self: Recs, items: list[str], replies: list[Any], now: Any = None) -> Any:
            raise RuntimeError("a bug of ours")

        monkeypatch.setattr(Recs, "take_lists", broken)
        with caplog.at_level(logging.ERROR, logger="omotenashi"):
            served = await seed_lists(store, ["kyoto"])  # stale: read again, and that fails
            for _ in range(100):  # (its end: the next ticks)
                await asyncio.sleep(0.01)
                if store.metrics["own_pairs_error"]:
                    break
        gc.collect()
    finally:
        loop.set_exception_handler(handler)
        await store.aclose()
    assert served == {"kyoto": [("tokyo", 1.0)]}
    assert store.metrics["own_pairs_error"] == 1
    assert "reading the co lists of viewed items failed" in caplog.text
    assert unseen == []


async def test_no_read_starts_once_the_store_has_closed(
    omotenashi_redis_url: str, omotenashi_redis: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A request still under way as the store closes (a server shutting down) asks for a
    stale list, then for one never read: neither read starts (until 48b a stale list's did,
    into a set the close had already let go of: a task left pending)."""
    monkeypatch.setattr(recs, "LISTS_FRESH", 0.0)
    _teach(omotenashi_redis, "kyoto", "tokyo")
    store = _store(omotenashi_redis_url)
    await store.load(new_vid())
    await seed_lists(store, ["kyoto"])
    await store.aclose()
    before = asyncio.all_tasks()
    served = await seed_lists(store, ["kyoto"])  # stale: served as kept
    unread = await seed_lists(store, ["paris"])
    assert served == {"kyoto": [("tokyo", 1.0)]} and unread == {}
    assert asyncio.all_tasks() - before == set()  # none started: none left pending
    store.connect(omotenashi_redis_url)  # connected again (a new event loop's startup)
    try:
        _teach(omotenashi_redis, "paris", "nice")
        assert await seed_lists(store, ["paris"]) == {"paris": [("nice", 1.0)]}
    finally:
        await store.aclose()


async def test_list_reads_have_their_own_timing_and_counts(
    omotenashi_redis_url: str, omotenashi_redis: redis.Redis
) -> None:
    """``redis_read`` is the profile read's (its help says so); a list read is ``seed_read``,
    and what the lists did is exported, each with its help."""
    _teach(omotenashi_redis, "kyoto", "tokyo")
    store = _store(omotenashi_redis_url)
    try:
        await store.load(new_vid())
        await seed_lists(store, ["kyoto", "paris"])
        await seed_lists(store, ["kyoto"])
    finally:
        await store.aclose()
    timings = store.metrics.tally.timings
    assert sum(timings["redis_read"].counts) == 1  # the profile's
    assert sum(timings["seed_read"].counts) == 1
    text = store.metrics.exposition().decode()
    for name, value in [
        ("omotenashi_seed_read_seconds_count", 1.0),
        ("omotenashi_seed_lists_read_total", 2.0),
        ("omotenashi_seed_lists_kept_total", 1.0),
        ("omotenashi_seed_lists_unread_total", 0.0),
        ("omotenashi_own_pairs_error_total", 0.0),
    ]:
        assert f"\n{name} {value}\n" in text, name
    helps = dict(
        line[len("# HELP ") :].split(" ", 1) for line in text.splitlines() if line[:7] == "# HELP "
    )
    assert helps["omotenashi_own_pairs_error_total"] != "own pairs error."
    assert "co lists" in helps["omotenashi_seed_read_seconds"]


def test_the_lists_a_process_keeps_take_a_few_mb_at_most() -> None:
    """Every list kept full (:data:`~recs.LISTS_KEPT` of them, :data:`~recs.LIST_KEEP` ids each,
    every id a string of its own): what the module's comment and the README say."""
    import tracemalloc

    for length, most in [(20, 9), (64, 16)]:  # typical ids; the longest
        kept = Recs("m")
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        for n in range(recs.LISTS_KEPT):
            ids = {
                f"{n:08}-{k:03}".ljust(length, "x"): 1.0 - k / 100 for k in range(recs.LIST_KEEP)
            }
            kept.keep_list(f"item-{n:08}".ljust(length, "x"), ids)
        used = tracemalloc.get_traced_memory()[0] - before
        tracemalloc.stop()
        assert used < most * 2**20, (length, used / 2**20)
