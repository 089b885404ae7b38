"""cluster59d: while a visitor's Cluster slot was being moved, an erase, a revoke ("forget me")
and a sign-in's merge failed with TRYAGAIN: their scripts name every key family of the id
(most absent), or the user's keys and their beacon counter, and Valkey refuses a call naming
several keys of a slot being moved unless all are on the node asked. They now go one key at a
time then (store/moving.py), on a real three-node cluster (tests/test_cluster.py's), with the
slot open and the visitor's keys split across its two nodes."""

from __future__ import annotations

import time
import uuid
from dataclasses import replace
from typing import Any

import pytest
import redis

from omotenashi.ids import new_vid
from omotenashi.store.privacy import family_keys, is_revoked, revoke
from omotenashi.store.store import PARTS, Store
from tests.store.test_cluster_migrating59 import Move, cluster_store, moving, view
from tests.test_cluster import cluster_url

pytestmark = pytest.mark.anyio

__all__ = ["cluster_url"]  # (a fixture, used by name)


def theirs(move: Move, vid: str) -> dict[str, list[str]]:
    """The id's keys on each node of the slot, as the nodes list them."""
    return {
        side: sorted(k for k in move.keys_on(node) if f"{{{vid}}}" in k)
        for side, node in (("source", move.source), ("target", move.target))
    }


def asking(node: redis.Redis, *command: str) -> Any:
    """``command`` on the node a slot is moving to (ASKING first, on the same connection)."""
    with node.pipeline(transaction=False) as pipe:
        pipe.execute_command("ASKING")
        pipe.execute_command(*command)
        return pipe.execute()[1]


async def with_old_keys(store: Store, url: str, vid: str) -> Move:
    """A profile of two views and a beacon counter, an earlier layout's keys beside them
    (on the slot's owner), and the slot's move, not opened yet."""
    for _ in range(2):
        await store.record(vid, view(), 86400.0)
    await store.hit_rate_limit(vid, 100)
    move = Move(url, store.keys(vid)[0])
    move.source.hset(store.key(vid, "attrs"), "plan", "gold")
    move.source.zadd(store.key(vid, "interests"), {"hawaii": 2.0})
    move.source.zadd(store.keys(vid)[1], {"a>b": 1.5})  # (an earlier release's also set)
    return move


@pytest.mark.parametrize("pool", [50, 4])  # (4: no more connections to a node than that,
async def test_an_erase_while_the_slot_is_moved_leaves_nothing_on_either_node(  # eye59b)
    cluster_url: str, pool: int
) -> None:
    store = cluster_store(cluster_url, max_connections=pool)
    other_process = cluster_store(
        cluster_url, write_timeout=2.0
    )  # (its first write rides the move: flake68)
    vid = new_vid()
    try:
        move = await with_old_keys(store, cluster_url, vid)
        read = await store.load(vid)  # (a page's read before the erase: its record follows)
        assert read.views == 2 and read.first_seen
        with moving(move):
            p2, rate = store.keys(vid)[0], store.key(vid, "rate")
            move.migrate(p2, rate)  # split: these on the target, the old keys left behind
            split = theirs(move, vid)
            assert split["target"] == sorted([p2, rate]) and len(split["source"]) == 3
            await store.erase(vid)
            assert theirs(move, vid) == {"source": [], "target": []}
            late = replace(view("surfing"), since=read.first_seen)  # made from the read
            await other_process.record(vid, late, 86400.0)
            assert theirs(move, vid) == {"source": [], "target": []}
            assert (await store.load(vid)).views == 0
        assert store.breaker.state == "closed"
    finally:
        await store.aclose()
        await other_process.aclose()


async def test_an_erase_keeps_an_old_deny_marker_left_behind_in_a_moving_slot(
    cluster_url: str,
) -> None:
    """The first layout's deny marker, on the node the slot leaves, goes into the profile hash
    (on the node it moves to) as ERASE does; nothing else of the id stays."""
    store = cluster_store(cluster_url)
    vid = new_vid()
    try:
        move = await with_old_keys(store, cluster_url, vid)
        p2, legacy = store.keys(vid)[0], store.keys(vid)[2]
        move.source.hset(legacy, "revoked", "1999999999")
        move.source.expire(legacy, 5000)
        with moving(move):
            move.migrate(p2)
            await store.erase(vid)
            assert theirs(move, vid) == {"source": [], "target": [p2]}
            assert asking(move.target, "HGETALL", p2) == {"revoked": "1999999999"}
            assert 4000 < asking(move.target, "TTL", p2) <= 5000
            await store.record(vid, view(), 86400.0)  # (refused: the marker)
            assert theirs(move, vid) == {"source": [], "target": [p2]}
            assert await is_revoked(store, vid)
    finally:
        await store.aclose()


async def test_a_revoke_while_the_slot_is_moved_leaves_only_the_deny_marker(
    cluster_url: str,
) -> None:
    store = cluster_store(cluster_url)
    vid = new_vid()
    try:
        move = await with_old_keys(store, cluster_url, vid)
        p2 = store.keys(vid)[0]
        with moving(move):
            move.migrate(store.key(vid, "attrs"), store.key(vid, "rate"))  # the hash stays
            until = int(time.time()) + 3600
            await revoke(store, vid, PARTS, until, 3600)
            assert theirs(move, vid) == {"source": [p2], "target": []}
            assert move.source.execute_command("HGETALL", p2) == {"revoked": str(until)}
            assert 3500 < move.source.ttl(p2) <= 3600
            await store.record(vid, view(), 86400.0)
            assert theirs(move, vid) == {"source": [p2], "target": []}
            assert (await store.load(vid)).revoked
        after = await store.load(vid)  # the slot given: the marker moved with it
        assert after.revoked and after.views == 0
        assert set(family_keys(store, vid, PARTS)) >= {p2}
    finally:
        await store.aclose()


async def test_a_sign_in_merge_while_the_user_s_slot_is_moved_lands(cluster_url: str) -> None:
    store = cluster_store(cluster_url)
    anon, user = new_vid(), "u" + uuid.uuid4().hex
    try:
        for _ in range(2):
            await store.record(anon, view("surfing"), 86400.0)
        for _ in range(3):
            await store.hit_rate_limit(anon, 100)
        await store.record(user, view(), 86400.0)
        await store.hit_rate_limit(user, 100)
        p2, rate = store.keys(user)[0], store.key(user, "rate")
        move = Move(cluster_url, p2)
        assert store.keys(anon)[0] not in move.keys_on(move.source)
        with moving(move):
            move.migrate(p2)  # the profile on the target, its beacon counter not
            assert await store.merge(anon, user, time.time(), 86400.0)
            assert asking(move.target, "HEXISTS", p2, f"x{anon}") == 1  # (merged: its mark)
            assert move.source.get(rate) == "3"  # the anonymous minute's count carried
            assert store.breaker.state == "closed"
        merged = await store.load(user)  # (read once the slot is given: see the report)
        assert merged.views == 3 and set(merged.interests) == {"hawaii", "surfing"}
        assert (await store.load(anon)).views == 0  # (its keys erased after the merge)
    finally:
        await store.aclose()
