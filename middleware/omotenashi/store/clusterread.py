"""A profile read on Redis Cluster, served while its slot is being moved (store/moving.py).

The load script (store/scripts.py) names three keys: the profile hash, an earlier release's
``also`` set and the first layout's profile key (for its deny marker), the last two usually
absent; while a slot is open, Valkey answers a call naming several keys of it ``TRYAGAIN``
unless all are on the node asked, so every read of a visitor in a slot being moved failed
(cluster59a). On Cluster the load script is given one key, the profile hash
(:data:`LOAD_CLUSTER`), and reads the two old keys by the names it is passed. Where the node
answers one of those with an error (it is elsewhere, the slot being moved), or a record saw the
slot moving within ``moving.HOLD`` seconds, :func:`settled` reads them again with one-key
commands (one more round trip, the two at once, during a move only). The node the slot goes to
answers an old key not moved yet as absent, so a read there (the profile hash moved, or none:
the whole of a visitor revoked before the profile hash, eye59), in a process that has not met
the move in a record, misses a first layout's deny marker left behind (the record, which checks
it one key at a time, still writes nothing; the README says so). Reading the old keys again for
every read with no profile hash closed that for the visitors with none, but cost every such
read a round trip, and on a busy process none was served (eye59b): not kept. One command
otherwise, as before (a pipeline of three one-key reads, tried first, took some 7 passes of the
loop, where a read may wait 4: on a busy process none was served). Not atomic across the
keys, and need not be: the two old keys are never written by this release (an erase or a
revoke deletes them and its deny marker goes into the profile hash).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from omotenashi.store.scripts import LOAD_PLAIN, LOAD_SCRIPT

if TYPE_CHECKING:
    from omotenashi.store.store import Store

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
    also, marker = await asyncio.gather(  # (each ASK followed on a connection of its own)
        client.zrange(keys[1], 0, -1, withscores=True), client.hget(keys[2], "revoked")
    )
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
