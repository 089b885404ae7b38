"""Redis Cluster: every visitor's keys share a hash slot, so reads, writes, merges and erasure
work on a real three-node Valkey cluster that the test starts itself."""

from __future__ import annotations

import random
import socket
import subprocess
import time
from collections.abc import Callable, Iterator

import pytest
import redis

from omotenashi import EmbeddedRedis, Omotenashi, Settings
from omotenashi.engine.change import Change
from omotenashi.metrics import Metrics
from omotenashi.recommend.coview import Learning
from omotenashi.store.embedded import find_server_binary
from omotenashi.store.privacy import revoke as deny
from omotenashi.store.recs import LEARN_SCRIPT
from omotenashi.store.store import PARTS, Store
from omotenashi.testing import unavailable

from .conftest import client_for
from .test_events import JOURNEY, RULES, hero, me, shop

Make = Callable[..., Settings]


def _cluster_ports(count: int) -> list[int]:
    """Free ports whose cluster bus ports (port + 10000) are free and valid too."""
    ports: list[int] = []
    candidate = random.randrange(20000, 30000)
    while len(ports) < count:
        candidate += 1
        if all(_free(p) for p in (candidate, candidate + 10000)):
            ports.append(candidate)
    return ports


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@pytest.fixture(scope="module")
def cluster_url() -> Iterator[str]:
    cli = find_server_binary().parent / "valkey-cli"
    if not cli.exists():
        unavailable("no valkey-cli next to the server binary to create a cluster")
    nodes = [
        EmbeddedRedis(port, extra_args=["--cluster-enabled", "yes"]).start()
        for port in _cluster_ports(3)
    ]
    try:
        subprocess.run(
            [
                str(cli),
                "--cluster",
                "create",
                *(f"127.0.0.1:{n.port}" for n in nodes),
                "--cluster-replicas",
                "0",
                "--cluster-yes",
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )
        probe = redis.Redis(port=nodes[0].port)
        deadline = time.monotonic() + 20
        while b"cluster_state:ok" not in probe.execute_command("CLUSTER", "INFO"):
            assert time.monotonic() < deadline, "the cluster did not come up"
            time.sleep(0.1)
        probe.close()
        yield nodes[0].url
    finally:
        for node in nodes:
            node.close()


@pytest.mark.anyio
async def test_the_journey_on_a_cluster(make_settings: Make, cluster_url: str) -> None:
    settings = make_settings(RULES, journey=JOURNEY, redis={"url": cluster_url, "cluster": True})
    mw = Omotenashi(shop(), settings=settings)
    async with client_for(mw) as client:
        await client.get("/")
        await client.get("/tours/kyoto")
        assert hero(await client.get("/")) == "Stage interest"
        await client.post("/add/kyoto")
        await client.post("/login/cluster-user")  # a merge across two hash slots
        profile = await me(client)
        assert profile["cart"] == {"kyoto": 1} and profile["stage"] == "consideration"
        assert hero(await client.get("/")) == "Stage consideration"
        beacon = await client.post(
            "/_omotenashi/events",
            content='{"name": "video_play"}',
            headers={"content-type": "application/json"},
        )
        assert beacon.status_code == 204  # the rate limit's transaction runs in one slot
        assert (await me(client))["events"]["video_play"] == 1
    assert mw.metrics["redis_error"] == 0 and mw.metrics["record_error"] == 0


@pytest.mark.anyio
@pytest.mark.parametrize("switch", ["erase", "revoke"])
async def test_a_late_page_views_own_pairs_are_refused_after_an_erase(
    cluster_url: str, switch: str
) -> None:
    """The visitor's own recommendation pairs of a page view read before an erase (or a
    revoke) are refused as its record is (tests/test_switch_races.py): their check reads the
    profile's keys, in the pairs' slot."""
    store = Store(Settings(redis={"url": cluster_url, "cluster": True}).redis, Metrics())
    store.connect(cluster_url)
    try:
        pid, now = f"v-cluster-{switch}", time.time()
        await store.record(pid, Change(now=now - 60, view=True), 86400.0)
        since = (await store.load(pid)).first_seen
        assert since is not None
        if switch == "erase":
            await store.erase(pid)
        else:
            await deny(store, pid, PARTS, now + 600, 600)
        learn = store.client.register_script(LEARN_SCRIPT)
        learning = Learning(popular=[], co={}, also=[("kyoto-autumn>osaka-food", 1.5)])
        await store.recs.queue_own(store.client, learn, learning, store.keys(pid), 3600, since)
        assert await store.client.exists(store.key(pid, "also")) == 0
    finally:
        await store.aclose()
