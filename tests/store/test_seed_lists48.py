"""The co lists a visitor's own pairs come from (store/seeds.py), against a real Valkey: a seed
never kept is read once and then kept (only what ranking reads of it); a list gone stale is
served and read again in the background; a read that gets no answer leaves those seeds out,
never raises and leaves no connection a reply behind; a store that closes leaves no read
pending. On the auto-pipelined connection (a plain URL) and through redis-py (a URL with
options: Sentinel, Cluster and TLS go that way too)."""

from __future__ import annotations

import asyncio
import time

import pytest
import redis

from omotenashi.ids import new_vid
from omotenashi.metrics import Metrics
from omotenashi.recommend.coview import CO_HALF_LIFE, CO_KEEP, log_increment
from omotenashi.settings import RedisSettings
from omotenashi.store import recs
from omotenashi.store.seeds import seed_lists
from omotenashi.store.store import Store

pytestmark = pytest.mark.anyio
PATHS = pytest.mark.parametrize("options", ["", "?socket_keepalive=true"], ids=["fast", "redis-py"])


def _store(url: str, **cfg: float) -> Store:
    store = Store(RedisSettings(url=url, key_prefix="seeds", **cfg), Metrics())
    store.connect(url)
    return store


async def _ready(store: Store) -> None:
    """A profile read first, as a page's: the fast path's read connection is up then."""
    await store.load(new_vid())
    assert store.fast is None or store.fast.ready


def _teach(r: redis.Redis, item: str, *others: str) -> None:
    """``item``'s co list: ``others``, best first, each with enough support to be read."""
    top = log_increment(time.time(), CO_HALF_LIFE) + 4  # 16 decayed co-views
    r.delete(f"seeds:rec:co:{item}")
    r.zadd(f"seeds:rec:co:{item}", {o: top - n / 100 for n, o in enumerate(others)})


@PATHS
async def test_a_seed_never_kept_is_read_once_then_kept_as_far_as_ranking_reads(
    omotenashi_redis_url: str, omotenashi_redis: redis.Redis, options: str
) -> None:
    many = [f"with-{n:02}" for n in range(CO_KEEP)]
    _teach(omotenashi_redis, "kyoto", *many)
    _teach(omotenashi_redis, "tokyo", "osaka")
    store = _store(omotenashi_redis_url + options)
    try:
        await _ready(store)
        first = await seed_lists(store, ["kyoto", "tokyo", "nothing-yet"])
        again = await seed_lists(store, ["tokyo", "kyoto", "nothing-yet"])
    finally:
        await store.aclose()
    assert first == again
    assert [m for m, _ in first["kyoto"]] == many[: recs.LIST_KEEP]  # not all CO_KEEP of them
    assert first["tokyo"] == [("osaka", 1.0)] and first["nothing-yet"] == []
    assert store.metrics["seed_lists_read"] == 3  # once: the second request read nothing
    assert store.metrics["seed_lists_kept"] == 3


@PATHS
async def test_a_stale_list_is_served_and_read_again_in_the_background(
    omotenashi_redis_url: str,
    omotenashi_redis: redis.Redis,
    options: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(recs, "LISTS_FRESH", 0.0)  # every list kept is stale at once
    _teach(omotenashi_redis, "kyoto", "tokyo")
    store = _store(omotenashi_redis_url + options)
    try:
        await _ready(store)
        assert await seed_lists(store, ["kyoto"]) == {"kyoto": [("tokyo", 1.0)]}
        _teach(omotenashi_redis, "kyoto", "nara", "tokyo")  # others viewed Nara with it since
        served = await seed_lists(store, ["kyoto"])  # as kept; its read again starts
        pending = set(store.recs.tasks)
        await asyncio.gather(*pending)
        fresh = await seed_lists(store, ["kyoto"])
    finally:
        await store.aclose()
    assert served == {"kyoto": [("tokyo", 1.0)]} and len(pending) == 1
    assert [m for m, _ in fresh["kyoto"]] == ["nara", "tokyo"]
    assert store.metrics["seed_lists_read"] >= 2  # (its first read, then again)
    assert sum(store.metrics.tally.timings["redis_read"].counts) == 1  # the profile's only


@PATHS
async def test_a_read_with_no_answer_leaves_those_seeds_out_and_no_connection_behind(
    omotenashi_redis_url: str, omotenashi_redis: redis.Redis, options: str
) -> None:
    """Redis paused past the read timeout: the seeds are left out (no exception: the page is
    served without those pairs), counted as any read that timed out; once it answers again,
    every reply goes to its own command (the paused ones' are read and dropped, or their
    connection closed: CVE-2023-28859)."""
    _teach(omotenashi_redis, "kyoto", "tokyo")
    _teach(omotenashi_redis, "paris", "nice")
    vid = new_vid()
    omotenashi_redis.hset(f"seeds:{{{vid}}}:p2", mapping={"V": 7})
    store = _store(omotenashi_redis_url + options, read_timeout=0.05, breaker_reset=0.1)
    try:
        await _ready(store)
        omotenashi_redis.execute_command("CLIENT", "PAUSE", "300", "ALL")
        unread = await seed_lists(store, ["kyoto"])
        await asyncio.sleep(0.4)  # the paused replies arrive now
        store.cfg = store.cfg.model_copy(update={"read_timeout": 2.0})
        profile = await store.load(vid)
        lists = await seed_lists(store, ["paris", "kyoto"])
    finally:
        await store.aclose()
    assert unread == {}
    assert (store.metrics["seed_lists_unread"], store.metrics["redis_timeout"]) == (1, 1)
    assert profile.views == 7
    assert lists == {"paris": [("nice", 1.0)], "kyoto": [("tokyo", 1.0)]}


async def test_no_server_at_all_leaves_the_seeds_out() -> None:
    store = _store("redis://127.0.0.1:1/0", read_timeout=0.2, connect_timeout=0.2)
    try:
        assert await seed_lists(store, ["kyoto"]) == {}
    finally:
        await store.aclose()
    assert store.metrics["seed_lists_unread"] == 1 and store.metrics["redis_error"] >= 1


@PATHS
async def test_closing_the_store_leaves_no_background_read_pending(
    omotenashi_redis_url: str,
    omotenashi_redis: redis.Redis,
    options: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A list read again in the background while Redis does not answer: the store's close
    cancels that read and waits for it (no task left pending when the loop ends)."""
    monkeypatch.setattr(recs, "LISTS_FRESH", 0.0)
    _teach(omotenashi_redis, "kyoto", "tokyo")
    store = _store(omotenashi_redis_url + options)
    try:
        await _ready(store)
        await seed_lists(store, ["kyoto"])
        omotenashi_redis.execute_command("CLIENT", "PAUSE", "500", "ALL")
        await seed_lists(store, ["kyoto"])  # stale: its read goes out, and waits
        [pending] = store.recs.tasks
        await asyncio.sleep(0.05)
        assert not pending.done()
    finally:
        await store.aclose()
        omotenashi_redis.execute_command("CLIENT", "UNPAUSE")
    assert pending.cancelled() and not store.recs.tasks
