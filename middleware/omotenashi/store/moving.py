"""A visitor's Cluster slot being moved (resharding: ``CLUSTER SETSLOT ... MIGRATING`` and
``IMPORTING``, ``MIGRATE`` of its keys, then ``SETSLOT ... NODE``).

While a slot is open, Valkey answers a call that names several keys of it ``TRYAGAIN`` unless
they are all on the node asked (cluster59a): the load and record scripts name three (the
profile hash, an earlier release's ``also`` set, the first layout's profile key), the last two
usually absent, so every such call failed for the whole move, and redis-py's 16 retries of it
outlast the read timeout (a timeout, counted toward the circuit breaker: everyone's reads
stopped). A call that names one key (or one key more than once) is served wherever that key is
(redis-py follows the ``ASK``). So:

- on Cluster, a profile is read with three one-key commands in one pipeline (one round trip
  to the slot's node; :func:`queue_read`), never the three-key script. Not atomic across the
  keys, and need not be: the two old keys are never written by this release (an erase or a
  revoke deletes them and its deny marker goes into the profile hash), and the hash is read
  whole by one command;
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
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

from redis.crc import key_slot
from redis.exceptions import ClusterError, TryAgainError

from omotenashi.errors import StoreError

if TYPE_CHECKING:
    from omotenashi.store.store import Store

HOLD = 10.0  # seconds a slot seen being moved is written the one-key way without a first try
READS = 3  # the commands :func:`queue_read` queues


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


def queue_read(pipe: Any, keys: Sequence[str]) -> None:
    """The load script's three reads (store/scripts.py ``LOAD_PLAIN``), one key each, queued
    on a redis-py pipeline: :func:`reply` makes their replies the script's one."""
    pipe.execute_command("HGETALL", keys[0])
    pipe.execute_command("ZRANGE", keys[1], 0, -1, "WITHSCORES")
    pipe.execute_command("HGET", keys[2], "revoked")


def reply(replies: Sequence[Any]) -> list[Any]:
    """:func:`queue_read`'s replies as the load script's reply (the hash as a flat list)."""
    fields, also, revoked = replies
    if isinstance(fields, dict):  # (redis-py's HGETALL callback)
        fields = [part for pair in fields.items() for part in pair]
    if isinstance(also, list) and also and isinstance(also[0], tuple):  # (scores parsed)
        also = [str(part) for pair in also for part in pair]
    return [fields, also, revoked]


async def queue_load(store: Store, pipe: Any, keys: Sequence[str]) -> None:
    """One profile's read queued on ``pipe`` (a store/scripted.py ``Pipe``): on Cluster
    :func:`queue_read`'s, else the load script's one call; :func:`folded` answers for both."""
    if store.cfg.cluster:
        queue_read(pipe, keys)
    else:
        await pipe.script(await store._loader(), keys)


def folded(replies: list[Any], apart: bool) -> list[Any]:
    """A pipeline's replies, the first :data:`READS` folded into one when ``apart`` (a profile
    read queued by :func:`queue_read`)."""
    return [reply(replies[:READS]), *replies[READS:]] if apart else replies


async def read(client: Any, keys: Sequence[str]) -> list[Any]:
    """One profile, read on Cluster (one round trip; the ``ASK`` of a moved key followed)."""
    async with client.pipeline(transaction=False) as pipe:
        queue_read(pipe, keys)
        return reply(await pipe.execute())


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
