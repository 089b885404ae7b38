"""sentinel58: after a planned failover (``SENTINEL FAILOVER``) the old primary answers as a
primary until the Sentinels make it a replica, about 10 s here; redis-py asked the Sentinels
only when a connection opened or failed, so every pooled connection went on writing the old
primary meanwhile, and those writes were lost when it resynced. The store asks the Sentinels
every second and moves its connections to the new primary (store/sentinelwatch.py)."""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from omotenashi import EmbeddedRedis, Settings
from omotenashi.engine.change import Change
from omotenashi.errors import StoreError
from omotenashi.ids import new_vid
from omotenashi.metrics import Metrics
from omotenashi.store.embedded import find_server_binary, free_port
from omotenashi.store.store import Store

pytestmark = pytest.mark.anyio

DAY = 86400.0


class Watched:
    """A primary, its replica and a Sentinel watching them (``shop``), started here."""

    def __init__(self, folder: Path) -> None:
        self.primary, self.replica = EmbeddedRedis().start(), EmbeddedRedis().start()
        with redis.Redis(port=self.replica.port) as admin:
            admin.execute_command("REPLICAOF", "127.0.0.1", self.primary.port)
        self.port = free_port()
        conf = folder / "sentinel.conf"
        conf.write_text(
            f"port {self.port}\nbind 127.0.0.1\ndir {folder}\n"
            f"sentinel monitor shop 127.0.0.1 {self.primary.port} 1\n"
            "sentinel down-after-milliseconds shop 1000\nsentinel failover-timeout shop 5000\n"
        )
        self.proc = subprocess.Popen(
            [str(find_server_binary()), str(conf), "--sentinel"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while "slave" not in str(self.ask("SENTINEL", "REPLICAS", "shop")):
            assert time.monotonic() < deadline, "the sentinel did not see the replica"
            time.sleep(0.2)

    def ask(self, *command: object) -> object:
        try:
            with redis.Redis(port=self.port) as sentinel:
                return sentinel.execute_command(*command)
        except redis.ConnectionError:
            return None

    def primary_port(self) -> int:
        said = self.ask("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "shop")
        return int(said[1]) if isinstance(said, list) else 0

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.primary.close()
        self.replica.close()


@pytest.fixture
def watched(tmp_path: Path) -> Iterator[Watched]:
    made = Watched(tmp_path)
    try:
        yield made
    finally:
        made.close()


async def test_the_store_follows_a_planned_failover_within_seconds(watched: Watched) -> None:
    url = f"redis+sentinel://127.0.0.1:{watched.port}/shop"
    store = Store(Settings(redis={"url": url, "key_prefix": "s58"}).redis, Metrics())
    store.connect(url)
    stop = False

    async def visitor() -> None:  # a page view and a read, again and again
        vid, now = new_vid(), 1000.0
        while not stop:
            now += 1
            try:
                await store.record(vid, Change(now=now, view=True, topics=["t"]), DAY)
                await store.load(vid)
            except StoreError:
                pass
            await asyncio.sleep(0.01)

    visitors = [asyncio.ensure_future(visitor()) for _ in range(5)]
    try:
        await asyncio.sleep(1)
        old, new = watched.primary.port, watched.replica.port
        watched.ask("SENTINEL", "FAILOVER", "shop")
        started = time.monotonic()
        while watched.primary_port() != new:
            assert time.monotonic() - started < 20, "the Sentinel made no failover"
            await asyncio.sleep(0.1)
        await asyncio.sleep(3)  # (the old primary is still one for several seconds more)
        with redis.Redis(port=old) as was:
            still_primary = was.role()[0] == b"master"
        pool = store.client.connection_pool
        ports = {c.port for c in [*pool._available_connections, *pool._in_use_connections]}
    finally:
        stop = True
        await asyncio.gather(*visitors)
        await store.aclose()
    assert still_primary  # (else this would not tell the two apart)
    assert ports == {new}, (ports, old, new)
