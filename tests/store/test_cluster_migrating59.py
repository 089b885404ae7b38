"""cluster59a: while a visitor's Cluster slot was being moved (SETSLOT MIGRATING/IMPORTING,
MIGRATE of its keys, SETSLOT NODE), every read and record of theirs failed: the scripts name
three keys, two of them usually absent, and Valkey answers TRYAGAIN to such a call; redis-py's
retries of it outlasted the read timeout, and the timeouts opened the circuit breaker for every
visitor. Reads on Cluster are now one-key commands, and a record goes again with the profile
hash alone (store/moving.py), on a real three-node cluster (tests/test_cluster.py's)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import redis
from redis.exceptions import ClusterError, TryAgainError
from redis.exceptions import ConnectionError as RedisConnectionError

from omotenashi import Settings
from omotenashi.engine.change import Change
from omotenashi.ids import new_vid
from omotenashi.metrics import Metrics
from omotenashi.store import failures
from omotenashi.store.breaker import Breaker
from omotenashi.store.store import Store
from tests.test_cluster import cluster_url

pytestmark = pytest.mark.anyio

__all__ = ["cluster_url"]  # (a fixture, used by name)


def cluster_store(url: str, **redis: float) -> Store:
    cfg = Settings(redis={"url": url, "cluster": True, "read_timeout": 0.15, **redis})
    store = Store(cfg.redis, Metrics())
    store.connect(url)
    return store


def view(topic: str = "hawaii") -> Change:
    return Change(now=time.time(), view=True, new_visit=False, topics=[topic])


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1].split("/")[0])


class Move:
    """One slot being moved from its owner to another primary, by hand (as
    ``valkey-cli --cluster reshard`` does it)."""

    def __init__(self, url: str, key: str) -> None:
        with redis.Redis(port=port_of(url), decode_responses=True) as first:
            self.slot = int(first.execute_command("CLUSTER", "KEYSLOT", key))
            ranges = first.execute_command("CLUSTER", "SLOTS")
        self.ports = sorted({int(r[2][1]) for r in ranges})
        owner = next(int(r[2][1]) for r in ranges if r[0] <= self.slot <= r[1])
        self.source = redis.Redis(port=owner, decode_responses=True)
        target = next(p for p in self.ports if p != owner)
        self.target = redis.Redis(port=target, decode_responses=True)
        self.ids = [n.execute_command("CLUSTER", "MYID") for n in (self.source, self.target)]

    def open(self) -> None:
        self.target.execute_command("CLUSTER", "SETSLOT", self.slot, "IMPORTING", self.ids[0])
        self.source.execute_command("CLUSTER", "SETSLOT", self.slot, "MIGRATING", self.ids[1])

    def migrate(self, *keys: str) -> None:
        port = self.target.connection_pool.connection_kwargs["port"]
        self.source.execute_command("MIGRATE", "127.0.0.1", port, "", 0, 5000, "KEYS", *keys)

    def keys_on(self, node: redis.Redis) -> list[str]:
        return list(node.execute_command("CLUSTER", "GETKEYSINSLOT", self.slot, 100))

    def give(self) -> None:
        """The rest of the slot's keys moved, then the slot given to the target everywhere."""
        if left := self.keys_on(self.source):
            self.migrate(*left)
        for port in self.ports:
            with redis.Redis(port=port) as node:
                node.execute_command("CLUSTER", "SETSLOT", self.slot, "NODE", self.ids[1])


@contextmanager
def moving(move: Move) -> Iterator[Move]:
    move.open()
    try:
        yield move
    finally:
        move.give()  # (the cluster left whole for the module's other tests)
        move.source.close()
        move.target.close()


async def test_a_visitor_is_read_and_recorded_while_their_slot_is_moved(
    cluster_url: str,
) -> None:
    store = cluster_store(cluster_url)
    mover, other, new = new_vid(), new_vid(), new_vid()
    try:
        for vid in (mover, mover, other):
            await store.record(vid, view(), 86400.0)
        p2 = store.keys(mover)[0]
        with moving(Move(cluster_url, p2)) as move:
            assert store.keys(other)[0] not in move.keys_on(move.source)
            # the slot open, nothing moved: the profile hash there, the old keys absent
            assert (await store.load(mover)).views == 2
            await store.record(mover, view("surfing"), 86400.0)  # (TRYAGAIN, then one key)
            assert (await store.load(mover)).views == 3
            move.migrate(p2)  # the profile on the target, the slot still open
            assert move.keys_on(move.target) == [p2]
            profile, _ = await store.load_visit(mover, None)  # (a page's read, in a pipeline)
            assert profile.views == 3
            assert set(profile.interests) == {"hawaii", "surfing"}
            await store.record(mover, view(), 86400.0)  # (served on the target, by ASK)
            assert (await store.load(mover)).views == 4
            for _ in range(10):  # the others' reads, as many as would open the breaker
                assert (await store.load(other)).views == 1
                assert (await store.load(new)).views == 0
            assert store.breaker.state == "closed"
        assert move.keys_on(move.source) == []
        after = await store.load(mover)  # the slot given: the records made during the move
        assert after.views == 4
        assert set(after.interests) == {"hawaii", "surfing"}
        assert store.breaker.state == "closed"
        assert store.metrics.snapshot().get("breaker_open", 0) == 0
    finally:
        await store.aclose()


async def test_the_first_record_in_a_moving_slot_lands_within_a_short_write_limit(
    cluster_url: str,
) -> None:
    """redis-py's own retries of TRYAGAIN (16 tries, the last 8 after 50 ms each: 0.4 s)
    outlasted a write limit of 0.3 s, so the first page view in a slot being moved was lost
    (cluster59a); the store's Cluster client tries 6 times (0.15 s), then goes one key."""
    store = cluster_store(cluster_url, write_timeout=0.3)
    vid = new_vid()
    try:
        await store.record(vid, view(), 86400.0)
        with moving(Move(cluster_url, store.keys(vid)[0])):
            await store.record(vid, view(), 86400.0)  # (TRYAGAIN, then one key)
            assert (await store.load(vid)).views == 2
    finally:
        await store.aclose()


async def test_a_first_layout_deny_marker_holds_while_the_slot_is_moved(
    cluster_url: str,
) -> None:
    """The record's one-key way reads the first layout's deny marker first: a visitor revoked
    before the upgrade is still written nothing; their old ``also`` set and the marker are
    still read (once the profile moved, by reads after a record found the slot moving: the
    first read from the node it moved to sees an old key left behind as absent)."""
    store = cluster_store(cluster_url)
    vid = new_vid()
    try:
        await store.record(vid, view(), 86400.0)
        p2, also, legacy = store.keys(vid)
        move = Move(cluster_url, p2)
        move.source.zadd(also, {"a>b": 1.5})  # (before the slot opens: on its owner)
        move.source.hset(legacy, "revoked", "1")
        with moving(move):
            first = await store.load(vid)  # nothing moved yet
            assert first.revoked and first.also == {"a>b": 1.5} and first.views == 1
            move.migrate(p2, also)  # the marker left behind: not every key on one node
            await store.record(vid, view(), 86400.0)  # (none written: read below)
            before = await store.load(vid)
            assert before.revoked and before.also == {"a>b": 1.5} and before.views == 1
        assert (await store.load(vid)).views == 1
        assert store.breaker.state == "closed"
    finally:
        await store.aclose()


def test_redis_py_s_retries_of_a_slot_being_moved_running_out_open_no_breaker() -> None:
    """What redis-py raises once its retries of TRYAGAIN (or of redirections) run out is the
    cluster's own passing state: the breaker takes it as an answer (a merge or an erase in
    such a slot still fails: store/moving.py)."""
    metrics = Metrics()
    breaker = Breaker(1, 60.0, metrics)
    for exc in (ClusterError("TTL exhausted."), TryAgainError("TRYAGAIN")):
        failures.failed(metrics, breaker, "redis://x", exc, read=True)
    assert breaker.state == "closed"
    failures.failed(metrics, breaker, "redis://x", RedisConnectionError("down"), read=True)
    assert breaker.state == "open"  # (an outage still opens it)


async def test_a_visitor_revoked_before_the_profile_hash_reads_revoked_once_a_record_met_the_move(
    cluster_url: str,
) -> None:
    """eye59: a visitor revoked by a release before the single profile hash has only the first
    layout's key, holding the marker; with their slot open, the one-key load script runs where
    the slot goes (no profile hash here: ASK) and finds no marker there. Once a record of theirs
    met the move (written nothing: the marker, checked one key), reads take the old keys one key
    at a time, where they are (reading them so for every read with no profile hash cost busy
    processes every such read: eye59b)."""
    store = cluster_store(cluster_url)
    vid = new_vid()
    try:
        _, _, legacy = store.keys(vid)
        move = Move(cluster_url, legacy)
        move.source.hset(legacy, "revoked", "1")
        assert (await store.load(vid)).revoked
        with moving(move):  # opened, nothing moved
            await store.record(vid, view(), 86400.0)  # (TRYAGAIN: the slot seen moving)
            assert (await store.load(vid)).revoked
            assert (await store.load_visit(vid, None))[0].revoked
            move.migrate(legacy)  # and once it is on the other side
            assert (await store.load(vid)).revoked
        after = await store.load(vid)  # the slot given: nothing was written
        assert after.revoked and after.views == 0
    finally:
        await store.aclose()
