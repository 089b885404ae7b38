"""cluster58: on a process too busy to come back within the connect timeout, a Cluster store
that had to open its connections anew (its clients killed, a node restarted) never read
again (0 reads in 30 s): redis-py gives its nodes its own connection class. Its connections
now open as the others' do (store/opening.py). (A store that starts on such a loop still
fetches its slot map inside a read: left open.)"""

from __future__ import annotations

import asyncio

import pytest
import redis

from omotenashi import Settings
from omotenashi.errors import StoreError
from omotenashi.ids import new_vid
from omotenashi.metrics import Metrics
from omotenashi.store.store import Store
from tests.store.test_saturated_loop56 import saturated
from tests.test_cluster import cluster_url

pytestmark = pytest.mark.anyio

__all__ = ["cluster_url"]  # (a fixture, used by name)


def cluster_store(url: str) -> Store:
    cfg = Settings(  # (the connect timeout's default given: the tests' environment makes it 2 s)
        redis={"url": url, "cluster": True, "read_timeout": 0.15, "breaker_reset": 0.5}
        | {"connect_timeout": 0.25}
    )
    store = Store(cfg.redis, Metrics())
    store.connect(url)
    return store


async def served_within(store: Store, seconds: float, readers: int = 20) -> int:
    """Reads served in ``seconds`` of ``readers`` visitors reading one after another (pages
    of a busy site)."""
    loop = asyncio.get_running_loop()
    until = loop.time() + seconds

    async def reader() -> int:
        served = 0
        while loop.time() < until:
            try:
                await store.load(new_vid())
                served += 1
            except StoreError:
                await asyncio.sleep(0.1)
        return served

    return sum(await asyncio.gather(*(reader() for _ in range(readers))))


def kill_every_client(url: str) -> None:
    with redis.Redis.from_url(url) as first:
        nodes = first.execute_command("CLUSTER", "NODES").decode().splitlines()
    ports = [int(line.split()[1].split(":")[1].split("@")[0]) for line in nodes]
    for port in ports:
        with redis.Redis(port=port) as node:
            node.execute_command("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes")


async def test_a_cluster_store_reads_again_after_its_connections_were_killed_on_a_busy_loop(
    cluster_url: str,
) -> None:
    store = cluster_store(cluster_url)
    try:
        await store.load(new_vid())
        async with saturated():
            kill_every_client(cluster_url)
            served = await served_within(store, 8)
        assert served > 0
    finally:
        await store.aclose()
