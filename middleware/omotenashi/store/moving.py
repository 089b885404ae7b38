"""A visitor's Cluster slot being moved (resharding: ``CLUSTER SETSLOT ... MIGRATING`` and
``IMPORTING``, ``MIGRATE`` of its keys, then ``SETSLOT ... NODE``).

While a slot is open, Valkey answers a call that names several keys of it ``TRYAGAIN`` unless
they are all on the node asked (cluster59a): the load and record scripts name three (the
profile hash, an earlier release's ``also`` set, the first layout's profile key), the last two
usually absent, so every such call failed for the whole move, and redis-py's 16 retries of it
outlast the read timeout (a timeout, counted toward the circuit breaker: everyone's reads
stopped). A call that names one key (or one key more than once) is served wherever that key is
(redis-py follows the ``ASK``). So:

- on Cluster, a profile is read with a load script given one key, the profile hash
  (:data:`LOAD_CLUSTER`), which reads the two old keys by the names it is passed. Where the node
  answers one of those with an error (it is elsewhere, the slot being moved), or a record saw
  the slot moving within :data:`HOLD` seconds, :func:`settled` reads them again with one-key
  commands (two more round trips, during a move only): the node the profile is read from,
  the one it moved to, answers an old key not moved yet as absent, so a first layout's deny
  marker left behind is missed by the first read of a slot in a move (the record, which
  checks it one key at a time, still writes nothing), not by those after a record. One
  command otherwise, as before (a pipeline of three one-key reads, tried first, took some 7
  passes of the loop on Cluster, where a read may wait 4: on a busy process none was served).
  Not atomic across the keys, and need not be: the two old keys are never written by this
  release (an erase or a revoke deletes them and its deny marker goes into the profile hash);
- a record (:func:`recorded`) goes as before; when the slot is being moved, it goes again with
  the profile hash in every place of the record script's keys (the script reads the other two
  only for the first layout's deny marker, which a one-key ``HEXISTS`` looks for first: when
  there, nothing is written, as the script itself would do). A slot seen moving takes that way
  at once for :data:`HOLD` seconds. A ``TRYAGAIN`` is answered before the script runs, so the
  record was not applied: going again writes it once;
- such failures are the cluster's own passing state, not an outage: the breaker does not count
  them (store/failures.py).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from redis.crc import key_slot
from redis.exceptions import ClusterError, TryAgainError

from omotenashi.errors import StoreError
from omotenashi.store.scripts import LOAD_PLAIN, LOAD_SCRIPT

if TYPE_CHECKING:
    from omotenashi.store.store import Store

HOLD = 10.0  # seconds a slot seen being moved is written the one-key way without a first try


def resharding(exc: BaseException | None) -> bool:
    """Whether ``exc`` (or what caused it) is a slot being moved: ``TRYAGAIN``, or redis-py's
    "TTL exhausted" once its retries of one (or of its redirections) ran out."""
    while exc is not None:
        if isinstance(exc, TryAgainError):
            return True
        if isinstance(exc, ClusterError) and "TTL exhausted" in str(exc):
            return True
        exc = exc.__cause__
    return False


# The load script (store/scripts.py ``LOAD_PLAIN``) for Cluster: KEYS[1] the profile hash,
# ARGV the old ``also`` set and the first layout's profile key, in the same slot (undeclared,
# read where the hash is); a fourth element, 1, when the node answered one of them with an
# error (elsewhere while the slot is moved): :func:`settled` reads them again.
LOAD_CLUSTER_PLAIN = """
local elsewhere = false
local function here(...)
  local ok, got = pcall(redis.call, ...)
  if ok then return got end
  elsewhere = 1
  return false
end
local also, marker = here('ZRANGE', ARGV[1], 0, -1, 'WITHSCORES'), here('HGET', ARGV[2], 'revoked')
return {redis.call('HGETALL', KEYS[1]), also or {}, marker, elsewhere}
"""
LOAD_CLUSTER = "#!lua flags=no-writes\n" + LOAD_CLUSTER_PLAIN.lstrip("\n")


def load_texts(cluster: bool) -> tuple[str, str]:
    """The load script, read-only and plain (Redis 6), for Cluster or not."""
    return (LOAD_CLUSTER, LOAD_CLUSTER_PLAIN) if cluster else (LOAD_SCRIPT, LOAD_PLAIN)


def load_call(cluster: bool, keys: list[str]) -> tuple[list[str], list[str]]:
    """The load script's keys and arguments: on Cluster the profile hash alone, the others
    by name (:data:`LOAD_CLUSTER`)."""
    return ([keys[0]], keys[1:]) if cluster else (keys, [])


async def settled(store: Store, keys: list[str], reply: Any) -> Any:
    """A load reply as the load script's: on Cluster, the old keys read again one by one
    when :data:`LOAD_CLUSTER` found them elsewhere or the slot is being moved (redis-py
    follows each key's ``ASK``)."""
    if not (isinstance(reply, list) and len(reply) == 4):  # (not Cluster's, or not a profile)
        return reply
    if not (reply[3] or store.moving.now(keys[0])):
        return reply[:3]
    client = store.client
    also = await client.zrange(keys[1], 0, -1, withscores=True)
    marker = await client.hget(keys[2], "revoked")
    return [reply[0], [str(part) for pair in also for part in pair], marker]


async def load(store: Store, keys: list[str]) -> Any:
    """One profile's load script's reply, on Cluster with the profile hash alone
    (:func:`settled`), as the three-key call answers elsewhere."""
    call, args = load_call(store.cfg.cluster, keys)
    return await settled(store, keys, await (await store._loader())(keys=call, args=args))


async def settled_first(store: Store, keys: list[str], replies: list[Any]) -> list[Any]:
    """A pipeline's replies, the first :func:`settled` when it is a profile's (``keys``)."""
    if keys:
        replies[0] = await settled(store, keys, replies[0])
    return replies


class Moving:
    """The slots a store saw being moved lately."""

    def __init__(self) -> None:
        self._until: dict[int, float] = {}

    def seen(self, key: str) -> None:
        now = time.monotonic()
        self._until = {s: t for s, t in self._until.items() if t > now}  # (few: moves are rare)
        self._until[key_slot(key.encode())] = now + HOLD

    def now(self, key: str) -> bool:
        if not self._until:
            return False
        return self._until.get(key_slot(key.encode()), 0.0) > time.monotonic()


async def recorded(
    store: Store, keys: list[str], send: Callable[[list[str]], Awaitable[None]]
) -> None:
    """``send(keys)``: the record script's call, behind the store's ``_run``. On Cluster, when
    the slot is being moved, once more with the profile hash alone (see above)."""
    if not store.cfg.cluster:
        await send(keys)
        return
    moving = store.moving
    if not moving.now(keys[0]):
        try:
            await send(keys)
            return
        except StoreError as exc:
            if not resharding(exc):
                raise
            moving.seen(keys[0])

    async def marked() -> Any:  # the first layout's deny marker (one key: served anywhere)
        return await store.client.hexists(keys[2], "revoked")

    if not await store._run(marked, store.cfg.write_timeout, view=True):
        await send([keys[0]] * len(keys))
