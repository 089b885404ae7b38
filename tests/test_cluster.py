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
from omotenashi.store.embedded import find_server_binary
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
