"""cluster59c: redis-py follows an ASK by sending ASKING and then the command as two calls, each
on a connection from the node's pool, which handed out the one free longest first: once the
node the slot goes to held several connections (any site busier than one request at a time),
the command went on one that never had ASKING, and every read and page view of a visitor in a
slot being moved failed. The store's Cluster nodes hand out the connection freed last
(store/clusterask.py), on a real three-node cluster whose target node's pool is warmed."""

from __future__ import annotations

import asyncio

import pytest

from omotenashi.ids import new_vid
from omotenashi.store.clusterask import LatestFirstNode
from omotenashi.store.store import Store
from tests.store.test_cluster_migrating59 import Move, cluster_store, moving, view
from tests.test_cluster import cluster_url

pytestmark = pytest.mark.anyio

__all__ = ["cluster_url"]  # (a fixture, used by name)


def living_on(store: Store, move: Move, count: int) -> list[str]:
    """``count`` new visitors whose profiles live on the node the slot goes to."""
    port = move.target.connection_pool.connection_kwargs["port"]
    ranges = move.target.execute_command("CLUSTER", "SLOTS")
    out: list[str] = []
    while len(out) < count:
        vid = new_vid()
        slot = int(move.target.execute_command("CLUSTER", "KEYSLOT", store.keys(vid)[0]))
        if next(int(r[2][1]) for r in ranges if r[0] <= slot <= r[1]) == port:
            out.append(vid)
    return out


async def test_a_visitor_in_a_slot_being_moved_is_served_by_a_busy_node(cluster_url: str) -> None:
    store = cluster_store(cluster_url)
    vid = new_vid()
    try:
        await store.record(vid, view(), 86400.0)
        with moving(Move(cluster_url, store.keys(vid)[0])) as move:
            others = living_on(store, move, 20)
            await asyncio.gather(*(store.load(o) for o in others))  # its pool: 20 connections
            reads = [(await store.load(vid)).views for _ in range(10)]  # (the old keys by ASK)
            for _ in range(5):
                await store.record(vid, view(), 86400.0)
            assert reads == [1] * 10
        assert (await store.load(vid)).views == 6
        assert all(type(n) is LatestFirstNode for n in store.client.get_nodes())
        assert store.breaker.state == "closed"
    finally:
        await store.aclose()
