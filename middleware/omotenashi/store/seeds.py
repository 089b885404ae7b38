"""The co lists a visitor's own pairs are worked out from (recommend/coview.py own_co_views).

Their seeds, the visitor's latest viewed items, are known only once the profile is read, so
the lists cannot join the profile's round trip: each process keeps the lists it read
(store/recs.py ``Recs.lists_for``, at most a few MB). A list kept but older than a minute
serves this request and is read again in the background; a list never read (a process just
started, an item no visitor of it viewed lately) is read in one small round trip, started as
soon as the profile is here (asgi/ownpairs.py: while the app runs) and waited for, within the
read timeout, only by the page that uses it. Each list is read by one round trip at a time:
a request that needs a list another one is reading waits for that read (:func:`read_soon`).

Every read is a task of the store's (``Recs.tasks``), not of a request: a request that ends
early (the app raised, the client left, the answer is no page) leaves it to finish, within
the read timeout, and keep its list for the next page; the store's close cancels those still
under way and waits for them, and none starts after it (:func:`stop`) until it connects again.
A read's failure is always looked at: Redis's is counted and logged by the store, any other
counts as ``own_pairs_error`` and is logged (once a minute per kind).

That read is a read like the profile's: behind the circuit breaker, and a server that does not
answer it counts toward opening it (the same evidence as a profile read that gets no answer; an
error reply does not count, store/breaker.py). A failed or timed-out read leaves those seeds
out: the page is served as ever, without the pairs they would have given. It is timed as
``seed_read`` (not ``redis_read``: the profile's). On a plain server it goes on the store's
auto-pipelined read connection, where a reply whose caller gave up is read and dropped;
through redis-py (Sentinel, Cluster, TLS) a command cancelled mid-read closes its connection:
either way no connection is ever left a reply behind (CVE-2023-28859).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from functools import partial
from typing import TYPE_CHECKING, Any

from omotenashi import quiet
from omotenashi.errors import StoreError
from omotenashi.store import scripted
from omotenashi.store.pipeline import retrieved
from omotenashi.store.recs import LIST_KEEP, Ranked, Recs

if TYPE_CHECKING:
    from omotenashi.store.store import Store

log = logging.getLogger("omotenashi")
Read = asyncio.Task[dict[str, Ranked]]  # one round trip's lists, by item


async def seed_lists(
    store: Store, seeds: list[str], started: Mapping[str, Read] | None = None
) -> dict[str, Ranked]:
    """The co lists of ``seeds`` this request may use: every seed kept, or read now (or by the
    read ``started`` for it when the profile arrived: a read that failed is not made again)."""
    recs, metrics = store.recs, store.metrics
    have, missing, stale = recs.lists_for(seeds)
    if have:
        metrics.inc("seed_lists_kept", len(have))
    if stale:
        read_soon(store, stale)  # (served as kept meanwhile)
    if missing:
        started = started or {}
        reads = read_soon(store, [s for s in missing if s not in started])
        reads |= {s: started[s] for s in missing if s in started}
        if reads:  # (asyncio.wait: a request cancelled here leaves the reads to others)
            await asyncio.wait(set(reads.values()))
        for seed in missing:
            read = reads.get(seed)
            if read is not None and not read.cancelled() and read.exception() is None:
                have[seed] = read.result()[seed]
            else:
                metrics.inc("seed_lists_unread")
    return have


def read_soon(store: Store, items: list[str]) -> dict[str, Read]:
    """The reads of ``items``' lists: those under way, and one round trip started now for the
    rest (none once the store has closed)."""
    recs = store.recs
    reads = {item: recs.reading[item] for item in items if item in recs.reading}
    new = [item for item in items if item not in reads]
    if new and not recs.stopped:
        task = asyncio.ensure_future(read_lists(store, new))
        recs.tasks.add(task)
        task.add_done_callback(partial(_done, store, new))
        for item in new:
            reads[item] = recs.reading[item] = task
    return reads


def _done(store: Store, items: list[str], task: Read) -> None:
    recs = store.recs
    recs.tasks.discard(task)
    for item in items:
        if recs.reading.get(item) is task:
            del recs.reading[item]
    error = None if task.cancelled() else task.exception()  # (looked at, whoever waits)
    if error is None or isinstance(error, StoreError):  # (Redis's: the store counted it)
        return
    store.metrics.inc("own_pairs_error")
    try:
        raise error
    except Exception:
        quiet.bug(log, "omotenashi: reading the co lists of viewed items failed")


async def read_lists(store: Store, items: list[str]) -> dict[str, Ranked]:
    """One round trip: the co lists of ``items`` (their best :data:`LIST_KEEP`: all that is
    kept of them), kept by ``store.recs``."""
    recs = store.recs
    keys = [recs.co_key(item) for item in items]
    store.metrics.inc("seed_lists_read", len(items))

    async def op() -> list[Any]:
        fast = store.fast
        if fast is not None and fast.ready:  # (RESP2: member, score, member, score ...)
            sent: list[asyncio.Future[Any]] = []
            try:
                for key in keys:  # (queued in one tick: one socket write)
                    sent.append(fast.pipe.call("ZREVRANGE", key, 0, LIST_KEEP - 1, "WITHSCORES"))
                flat = await asyncio.gather(*sent, return_exceptions=True)
            finally:
                for future in sent:  # every reply's error looked at, however this ends
                    future.add_done_callback(retrieved)
            lists: list[Any] = []
            for reply in flat:
                if isinstance(reply, BaseException):
                    raise reply
                lists.append(list(zip(reply[::2], map(float, reply[1::2]), strict=True)))
            return lists
        async with scripted.pipeline(store.client) as pipe:  # closed however it ends
            for key in keys:
                pipe.zrevrange(key, 0, LIST_KEEP - 1, withscores=True)
            return list(await pipe.execute())

    return recs.take_lists(items, await store._run(op, store.cfg.read_timeout, "seed_read"))


async def stop(recs: Recs) -> None:
    """Cancel the reads still under way and wait until they have ended; none starts from now
    on (a store that closes leaves no task behind), until the store connects again."""
    recs.stopped = True
    tasks = list(recs.tasks)
    for task in tasks:
        task.cancel()
    if tasks:
        await asyncio.gather(*tasks, return_exceptions=True)
