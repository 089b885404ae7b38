"""A visitor's Cluster slot being moved (resharding: ``CLUSTER SETSLOT ... MIGRATING`` and
``IMPORTING``, ``MIGRATE`` of its keys, then ``SETSLOT ... NODE``).

While a slot is open, Valkey answers a call that names several keys of it ``TRYAGAIN`` unless
they are all on the node asked (cluster59a): the load and record scripts name three (the
profile hash, an earlier release's ``also`` set, the first layout's profile key), the last two
usually absent, so every such call failed for the whole move, and redis-py's 16 retries of it
outlast the read timeout (a timeout, counted toward the circuit breaker: everyone's reads
stopped). A call that names one key (or one key more than once) is served wherever that key is
(redis-py follows the ``ASK``: store/clusterask.py). So:

- a profile is read with a load script given one key (store/clusterread.py);
- a record (:func:`recorded`) goes as before; when the slot is being moved, it goes again with
  the profile hash in every place of the record script's keys (the script reads the other two
  only for the first layout's deny marker, which a one-key ``HEXISTS`` looks for first: when
  there, nothing is written, as the script itself would do). A slot seen moving takes that way
  at once for :data:`HOLD` seconds. A ``TRYAGAIN`` is answered before the script runs, so the
  record was not applied: going again writes it once;
- an erase, a revoke (store/privacy.py: scripts given every key family of the id) and a
  sign-in's merge (store/merging.py: the user's keys and their beacon counter) that meet the
  slot moving go one key at a time (:func:`whole_or_each`): the profile hash's part first, by
  a one-key script (an erase keeps a deny marker, the first layout's read first and moved into
  it, as ``ERASE`` does; a revoke leaves the marker alone there), so a page view racing it is
  refused from then on (its profile gone, or the marker); then a ``DEL`` of each other key
  (never written by this release but the beacon counter, which ``ERASE`` leaves the beacon
  free to start again too). A merge reads the first layout's marker first, merges into the
  profile hash alone, then carries the beacon count (merging.py ``one_by_one``);
- such failures are the cluster's own passing state, not an outage: the breaker does not count
  them (store/failures.py).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from redis.crc import key_slot
from redis.exceptions import ClusterError, TryAgainError

from omotenashi.errors import StoreError

if TYPE_CHECKING:
    from omotenashi.store.store import Store

HOLD = 10.0  # seconds a slot seen being moved is written the one-key way without a first try
AT_ONCE = 4  # an erase's one-key DELs sent together (each holds a connection of the pool)


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


async def either(
    store: Store, key: str, whole: Callable[[], Awaitable[Any]], other: Callable[[], Awaitable[Any]]
) -> Any:
    """``whole()`` (a script naming several keys of ``key``'s slot); on Cluster, when that slot
    is being moved (seen within :data:`HOLD`, or ``whole`` met it), ``other()`` (one key a
    call)."""
    if not (store.cfg.cluster and store.moving.now(key)):
        try:
            return await whole()
        except StoreError as exc:
            if not (store.cfg.cluster and resharding(exc)):
                raise
            store.moving.seen(key)  # (TRYAGAIN comes before the script runs: none applied)
    return await other()


async def recorded(
    store: Store, keys: list[str], send: Callable[[list[str]], Awaitable[None]]
) -> None:
    """``send(keys)``: the record script's call, behind the store's ``_run``. On Cluster, when
    the slot is being moved, once more with the profile hash alone (see above)."""

    async def one_key_way() -> None:  # the first layout's deny marker (one key) read first
        marked = partial(store.client.hexists, keys[2], "revoked")
        if not await store._run(marked, store.cfg.write_timeout, view=True):
            await send([keys[0]] * len(keys))

    await either(store, keys[0], partial(send, keys), one_key_way)


# The profile hash left holding the deny marker alone, one key (:func:`erase_each`, and a
# revoke's: :data:`REVOKE_HASH`). Never deleted and written again: in a slot being moved, the
# node it leaves refuses a script a key it no longer holds ("non local key"), half-way.
# KEYS[1]: the hash; M: the marker, T: its seconds left (<= 0: no expiry).
KEEP_MARKER = """
redis.call('HSET', KEYS[1], 'revoked', M)
local others = {}
for _, f in ipairs(redis.call('HKEYS', KEYS[1])) do
  if f ~= 'revoked' then others[#others + 1] = f end
  if #others == 1000 then redis.call('HDEL', KEYS[1], unpack(others)); others = {} end
end
if #others > 0 then redis.call('HDEL', KEYS[1], unpack(others)) end
if T > 0 then redis.call('EXPIRE', KEYS[1], T) else redis.call('PERSIST', KEYS[1]) end
"""
# An erase's part of the profile hash: ``ERASE`` on it alone, a deny marker found in the first
# layout's profile key passed in (ARGV[1]; '': none) with its seconds left (ARGV[2]); the
# hash's own marker first, as ``ERASE`` reads them.
ERASE_HASH = (
    """
local marker, ttl = redis.call('HGET', KEYS[1], 'revoked'), redis.call('TTL', KEYS[1])
if not marker and ARGV[1] ~= '' then marker, ttl = ARGV[1], tonumber(ARGV[2]) end
if not marker then return redis.call('DEL', KEYS[1]) end
local M, T = marker, ttl"""
    + KEEP_MARKER
    + "return 0\n"
)
# A revoke's (``REVOKE`` on the profile hash alone): ARGV[1] until when, ARGV[2] for how long.
REVOKE_HASH = "local M, T = ARGV[1], tonumber(ARGV[2])" + KEEP_MARKER + "return 1\n"


async def whole_or(
    store: Store, key: str, whole: Callable[[], Awaitable[Any]], other: Callable[[], Awaitable[Any]]
) -> Any:
    """:func:`either`, each behind the store's ``_run``."""
    run = partial(store._run, timeout=store.cfg.write_timeout)
    return await either(store, key, partial(run, whole), partial(run, other))


async def whole_or_each(
    store: Store,
    keys: list[str],
    whole: Callable[[], Awaitable[Any]],
    first: Callable[[], Awaitable[Any]],
) -> Any:
    """``whole()``, a script given every key of ``keys`` (the profile hash first); when the
    slot is being moved (:func:`whole_or`), ``first()`` (the profile hash's part, one key)
    then a ``DEL`` of each other key (each served where it is)."""

    async def each() -> Any:
        done = await first()
        # (AT_ONCE at a time, each on a connection of its own: all at once went past a small
        # pool, eye59b; not redis-py's ``delete``: it sends them in a pipeline to a node it
        # names, following no ``ASK``)
        for at in range(1, len(keys), AT_ONCE):
            await asyncio.gather(*(one_key(store, "DEL", k) for k in keys[at : at + AT_ONCE]))
        return done

    return await whole_or(store, keys[0], whole, each)


async def erase_each(store: Store, keys: list[str]) -> Any:
    """An erase's part of the profile hash (``keys[0]``), the first layout's deny marker
    (``keys[1]``) read first: :data:`ERASE_HASH`."""
    marker, ttl = await asyncio.gather(
        one_key(store, "HGET", keys[1], "revoked"), one_key(store, "TTL", keys[1])
    )
    if ttl == -2:  # (gone between the two: no marker; kept for ever, it would outlive it)
        marker = None
    return await one_key_script(store, ERASE_HASH, keys[0], marker or "", ttl if marker else 0)


async def one_key(store: Store, *args: Any) -> Any:
    """A command naming one key, served where the key is (redis-py follows an ``ASK``: its
    ASKING and the command share a connection, store/clusterask.py)."""
    return await store.client.execute_command(*args)


async def one_key_script(store: Store, text: str, key: str, *argv: Any) -> Any:
    """A script given one key (loaded where it is missing)."""
    return await store.client.register_script(text)(keys=[key], args=list(argv))
