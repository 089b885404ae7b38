"""Store: profiles in Redis, one pipelined read before the app and one write after the body.

A profile is one hash, ``omo:{<vid>}:p2`` (its layout and scripts: store/scripts.py); keys carry
the visitor id as a hash tag so one visitor's keys share a cluster slot and one script call
reaches them all. Every call is bounded by a timeout; failures raise
:class:`StoreError` for the caller to fail open, and a circuit breaker stops asking a dead server.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from functools import partial
from typing import Any

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError, ResponseError

from omotenashi.engine.change import Change
from omotenashi.engine.profile import Profile
from omotenashi.errors import StoreError, WriteQueueFull
from omotenashi.ids import is_user_id
from omotenashi.metrics import Metrics
from omotenashi.recommend.coview import Learning
from omotenashi.recommend.signals import Shared
from omotenashi.settings import RedisSettings
from omotenashi.store import clusterread, failures, merging, moving, privacy, scripted, seeds, stats
from omotenashi.store.argument import record_argument
from omotenashi.store.breaker import Breaker, masked, misconfigured
from omotenashi.store.client import make_client
from omotenashi.store.deadline import Deadline
from omotenashi.store.fastpath import FastPath
from omotenashi.store.pipeline import ReplyError, forgotten
from omotenashi.store.recs import LEARN_SCRIPT, Recs
from omotenashi.store.refusals import shebang_refused
from omotenashi.store.replies import NOT_A_REPLY
from omotenashi.store.replies import profile_from_reply as _profile
from omotenashi.store.scripts import LOAD_PLAIN, LOAD_SCRIPT, MERGE_SCRIPT, RECORD_SCRIPT

#: The key families of one profile (layout 2, see store/scripts.py): the hash and the
#: recommendation candidates. Scripts also get the first layout's profile key (its deny marker).
PARTS = ("p2", "also")
_BUSY = "or this process too busy to read the answer"  # (a timeout's cause, logged)


class Store:
    def __init__(
        self, cfg: RedisSettings, metrics: Metrics, *, measure_ttl: int = 7 * 86400
    ) -> None:
        self.cfg = cfg
        self.metrics = metrics
        self.measure_ttl = measure_ttl  # the least life of a one-visit profile with an exposure
        self.breaker = Breaker(cfg.breaker_failures, cfg.breaker_reset, metrics, pinger=self._ping)
        self.client: Any = None
        self._also_close: list[Any] = []
        self._scripts: tuple[Any, Any, Any] = (None, None, None)
        self._learn: Any = None
        self._load_known = False  # whether the server took the read-only load script (asked)
        self.url = ""  # as logged: its password masked
        self.recs = Recs(cfg.key_prefix)
        self.fast: FastPath | None = None  # reads and page views, auto-pipelined
        # Writes of a profile that wait for something before they can be queued (a task): a
        # read of that profile waits for them, so a visitor always sees their last request.
        self.unqueued: dict[str, asyncio.Future[Any]] = {}
        self.erasures = privacy.Erasures()  # a request that read before an erase writes none
        self.moving = moving.Moving()  # Cluster slots seen being moved (store/moving.py)

    def connect(self, url: str) -> None:
        self.url, self._load_known, self.recs.stopped = masked(url), False, False
        self.breaker.connecting(self.url)
        self.client, self._also_close = make_client(url, self.cfg)
        self._scripts = (
            self.client.register_script(RECORD_SCRIPT),
            self.client.register_script(MERGE_SCRIPT),
            self.client.register_script(clusterread.load_texts(self.cfg.cluster)[0]),
        )
        self._learn = self.client.register_script(LEARN_SCRIPT)
        self.fast = FastPath.for_url(
            url, self.cfg, self.metrics, LOAD_SCRIPT, RECORD_SCRIPT, LOAD_PLAIN
        )

    async def aclose(self, until: float | None = None) -> None:
        """Close the connections, the queued writes sent first (by ``until``, the event
        loop's time, else within the write timeout)."""
        self.breaker.stop_probe()
        await seeds.stop(self.recs)  # the co lists read in the background (none left pending)
        if self.fast is not None:
            await self.fast.aclose(until)
        if self.client is not None:
            client, self.client = self.client, None
            await client.aclose()
        for other in self._also_close:
            await other.aclose()
        self._also_close = []

    @property
    def healthy(self) -> bool:
        """Connected, and the breaker is not open. Asked by a request that calls no Redis (a
        new visitor's): when the open breaker is due to try again, one PING goes out in the
        background (never awaited here), so the breaker closes without a returning visitor."""
        if self.client is not None and self.breaker.opened_at is not None:
            self.breaker.probe(self._ping)
        return self.client is not None and self.breaker.opened_at is None

    async def _ping(self) -> None:
        """One PING behind the breaker: an answer closes it, none keeps it open."""
        op = partial(self.fast.pipe.execute, "PING") if self.fast else self.client.ping
        with contextlib.suppress(StoreError):
            await self._run(op, self.cfg.read_timeout, "redis_read")

    async def _loader(self) -> Any:
        """redis-py's load script: read-only, or plain on a server that refuses its first
        line (Redis 6: asked once, with SCRIPT LOAD)."""
        if not self._load_known:
            load, plain = clusterread.load_texts(self.cfg.cluster)  # (Cluster: one key)
            try:
                await self.client.script_load(load)
            except ResponseError as exc:
                if not shebang_refused(exc):  # a full server, an ACL: no reason to drop it
                    raise
                await self.client.script_load(plain)  # switched once the server took it
                self._scripts = (*self._scripts[:2], self.client.register_script(plain))
            self._load_known = True
        return self._scripts[2]

    def key(self, vid: str, part: str) -> str:
        return f"{self.cfg.key_prefix}:{{{vid}}}:{part}"

    def keys(self, vid: str) -> list[str]:
        """What the load, record and merge scripts are given: the parts, then the first
        layout's profile key (only its deny marker is read)."""
        head = f"{self.cfg.key_prefix}:{{{vid}}}:"  # twice a request: no call per key
        return [head + PARTS[0], head + PARTS[1], head + "profile"]

    async def _run(
        self, op: Any, timeout: float, timing: str = "redis_write", *, view: bool = False
    ) -> Any:
        """``op()`` within ``timeout``, behind the breaker (reads probe it when open; a page
        ``view``'s record goes even then: its page was made from a read Redis answered, and a
        fresh worker's slow first reads opened it, losing those views: shutdown55); its time
        goes to the ``timing`` histogram (``redis_read``, ``seed_read``; ``redis_write``). A
        read that meets a broken connection (a restarted server) is tried once more, within
        the same timeout, on a fresh one; a write is not (it may have been applied)."""
        if self.client is None:
            raise StoreError("no Redis connection")
        # (a write's failure never opens the breaker, nor takes the probe a read would make)
        read = timing.endswith("_read")
        if not (self.breaker.allow() if read else view or self.breaker.opened_at is None):
            self.metrics.inc("breaker_open")
            raise StoreError("circuit breaker open")
        t0 = time.perf_counter()
        try:
            with Deadline(timeout):  # asyncio.timeout, at less than half its cost
                try:
                    result = await op()
                except (RedisConnectionError, ConnectionError) as exc:
                    if not read or misconfigured(exc):  # (a refusal: said, not tried again)
                        raise
                    self.metrics.inc("redis_retry")
                    result = await op()
        except WriteQueueFull:  # not sent: a drop (record_dropped), not a failed write
            raise
        except TimeoutError:
            said = f"no answer within {timeout:g}s: Redis slow or unreachable, " + _BUSY
            self.breaker.failure(said) if read else self.breaker.write_failed(said)
            self.metrics.inc("redis_timeout")
            raise StoreError(f"Redis did not answer within {timeout:g}s") from None
        except (RedisError, OSError, ReplyError) as exc:  # (not a pipeline's keys: visitor ids)
            failures.failed(self.metrics, self.breaker, self.url, exc, read=read)
            raise StoreError(f"Redis failed: {str(exc).split('caused error: ', 1)[-1]}") from exc
        except Exception as exc:  # the client's own fault (redis-py's cluster client has met a
            # connection another task was closing): a failed call, not the page's
            failures.failed(self.metrics, self.breaker, self.url, exc, read=read)
            raise StoreError(f"Redis client failed: {exc!r}") from exc
        self.breaker.success()
        self.metrics.observe(timing, time.perf_counter() - t0)
        return result

    def profile_of(self, reply: Any) -> Profile:
        """A profile read's reply as a Profile; StoreError for what is not one (failures.py
        ``bad_reply``: a failed read, never an error raised into the app's page)."""
        try:
            return _profile(reply)
        except NOT_A_REPLY as exc:
            raise failures.bad_reply(self.metrics, self.breaker, exc) from None

    def writing(self, pid: str, write: asyncio.Future[Any]) -> None:
        """``write`` will record ``pid``'s request but is not in the write queue yet."""
        earlier = self.unqueued.get(pid)
        if earlier is not None and not earlier.done():  # two at once: a read waits for both
            write = asyncio.gather(earlier, write, return_exceptions=True)
        self.unqueued[pid] = write

        def done(_: asyncio.Future[Any]) -> None:
            if self.unqueued.get(pid) is write:
                del self.unqueued[pid]

        write.add_done_callback(done)

    async def after_writes(self, pid: str | None, timeout: float | None = None) -> None:
        """Wait (within ``timeout``, the write timeout by default) for ``pid``'s writes not
        queued yet."""
        write = self.unqueued.get(pid) if pid else None
        if write is not None and not write.done():
            await asyncio.wait({write}, timeout=timeout or self.cfg.write_timeout)

    async def load(self, pid: str, *, after_writes: bool = True) -> Profile:
        """One round trip: every part of the profile (after its writes not queued yet, unless
        the caller waited for the ones that matter to it)."""
        if after_writes:
            await self.after_writes(pid)
        if self.client is None:  # never connected: the same error as any other call
            raise StoreError("no Redis connection")
        keys = self.keys(pid)

        async def op() -> Any:
            return await (self.fast.load(keys) if self.fast else clusterread.load(self, keys))

        return self.profile_of(await self._run(op, self.cfg.read_timeout, "redis_read"))

    async def load_visit(self, pid: str | None, current: str | None) -> tuple[Profile, Shared]:
        """One round trip: the profile (None: a new or private visitor, none to read) and what
        recommendations need from everyone's views (the page item's co-views, popular items).
        """
        await self.after_writes(pid, self.cfg.read_timeout)  # a page waits no longer than a read
        if not self.recs.needs_read(current):  # popular items cached, no page item
            profile = await self.load(pid, after_writes=False) if pid else Profile()
            return profile, self.recs.shared([], [], current)
        keys = self.keys(pid) if pid else []

        async def op() -> list[Any]:
            # The profile on the write queue's connection when it is up, like every other
            # profile read: behind the page views queued there (this visitor's last request).
            fast = self.fast if pid and self.fast is not None and self.fast.ready else None
            sent = fast.begin_load(keys) if fast is not None else None
            async with scripted.pipeline(self.client) as pipe:  # closed however it ends
                if pid and sent is None:  # queued, not sent (Cluster: one key, as load's)
                    call = clusterread.load_call(self.cfg.cluster, keys)
                    await pipe.script(await self._loader(), *call)
                kinds = self.recs.queue_reads(pipe, current)
                shared = pipe.execute() if len(pipe) else asyncio.sleep(0, [])
                if fast is None or sent is None:  # (Cluster: a profile's old keys settled)
                    return [kinds, await clusterread.settled_first(self, keys, await shared)]
                mine, theirs = await asyncio.gather(fast.finish_load(sent, keys), shared)
                return [kinds, [mine, *theirs]]

        kinds, replies = await self._run(op, self.cfg.read_timeout, "redis_read")
        profile = self.profile_of(replies[0]) if pid else Profile()
        return profile, self.recs.shared(kinds, replies[1:] if pid else replies, current)

    def _record_arg(
        self, pid: str, change: Change, half_life: float, learn: str = ""
    ) -> tuple[list[str], str]:
        """The record script's keys and its one argument (the change as JSON)."""
        new_ttl = 0 if is_user_id(pid) else self.cfg.new_ttl  # users: the full TTL
        arg = record_argument(
            change, self.cfg.idle_ttl, half_life, new_ttl, self.measure_ttl, learn, self.cfg.compact
        )
        return self.keys(pid), arg

    @property
    def can_queue(self) -> bool:
        """:meth:`record_soon` will take a record now: the fast path is connected, the
        breaker closed and the write queue not full."""
        fast = self.fast
        return (
            fast is not None
            and fast.can_write
            and self.client is not None
            and self.breaker.opened_at is None
            and fast.writer.pending < fast.writer.limit
        )

    def record_soon(self, pid: str, change: Change, half_life: float) -> asyncio.Future[None]:
        """:meth:`record` without waiting (ask :attr:`can_queue` first): the record joins the
        write queue now, so the next read sees it; the future is done once Redis has it or
        refused it (counted and logged here, never raised)."""
        fast = self.fast
        assert fast is not None
        keys, arg = self._record_arg(pid, change, half_life)
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def settled(reply: asyncio.Future[Any]) -> None:
            exc = None if reply.cancelled() else reply.exception()
            if forgotten(exc):  # a flushed script cache
                retry = asyncio.ensure_future(self._by_text(fast, reply, keys, arg, change))
                retry.add_done_callback(lambda _: done.set_result(None))
                return
            if exc is None:
                self.breaker.success()
                self.metrics.observe("redis_write", time.perf_counter() - t0)
            else:
                failures.failed(self.metrics, self.breaker, self.url, exc, read=False)
                self.metrics.inc("record_error")
            done.set_result(None)

        if not fast.add_nowait(keys, arg, change.stats, settled):  # full: counted as
            done.set_result(None)  # record_dropped by the queue
            return done
        t0 = time.perf_counter()
        return done

    async def _by_text(
        self, fast: FastPath, sent: asyncio.Future[Any], keys: list[str], arg: str, change: Change
    ) -> None:
        """The record once more, with the script's text (the server had forgotten it); should
        that fail too, its counts are noted lost."""
        call = stats.record_call(keys, arg, change.stats, self.cfg)
        try:
            settle = partial(fast.record_script.settle, fast.wpipe, sent, *call)
            await self._run(settle, self.cfg.write_timeout)
        except StoreError:
            self.metrics.inc("record_error")
            fast.lost.note(change.stats)

    async def record(
        self, pid: str, change: Change, half_life: float, learning: Learning | None = None
    ) -> None:
        """One round trip, atomic: everything this request changed; idle expiry renewed.

        A server-side script rather than MULTI/EXEC: the same atomicity, one command to send
        and one reply to read. All keys share the profile's hash tag, so it runs on Redis
        Cluster too."""
        learn = learning.learn if learning is not None else ""
        keys, arg = self._record_arg(pid, change, half_life, learn)
        if learning is None and self.fast is not None:  # batched, stats too: store/writer.py
            wait = self.cfg.write_timeout + self.cfg.write_batch_interval  # (its batch's wait too)
            await self._run(partial(self.fast.add, keys, arg, change.stats), wait, view=True)
            return
        timeout = self.cfg.write_timeout

        async def send(keys: list[str]) -> None:  # (then one key: store/moving.py)
            if learning is None and not change.stats:
                await self._run(lambda: self._scripts[0](keys=keys, args=[arg]), timeout, view=True)
                return
            if learning is None:  # measurement counters: counted by the record script itself
                write = partial(stats.record_with_stats, self.client, self._scripts[0], self.cfg)
                await self._run(lambda: write(keys, arg, change.stats), timeout, view=True)
                return

            async def op() -> Any:  # the profile, then the shared keys it found due
                # (pipelines closed however they end: a timeout cancels them mid-way)
                call_keys, args = stats.record_call(keys, arg, change.stats, self.cfg)
                async with scripted.pipeline(self.client) as pipe:  # (Cluster's too: scripted.py)
                    await pipe.script(self._scripts[0], call_keys, args)  # queued
                    replies = await pipe.execute()
                reply, pop_ok, co_ok = replies[-1], 0, 0
                if learn:  # [popular counts: 1 or 0, co-views count: 1 or 0, fields elsewhere]
                    if isinstance(reply, list) and len(reply) == 3:  # (else: not recorded at all)
                        pop_ok, co_ok, reply = reply
                if self.cfg.cluster and change.stats:  # counters in other slots: what it set
                    await stats.count_elsewhere(self.client, reply, change.stats, self.cfg)
                # Other visitors' keys only as far as the record found them due: one visitor's
                # concurrent views of an item teach them once.
                if learning is not None and (int(pop_ok) or int(co_ok)):
                    due = (bool(int(pop_ok)), bool(int(co_ok)))
                    lost = partial(self.metrics.inc, "learn_lost")
                    replies += await self.recs.teach(self.client, self._learn, learning, due, lost)
                return replies

            await self._run(op, timeout, view=True)

        await moving.recorded(self, keys, send)

    async def read_stats(self, days: list[str]) -> dict[str, dict[str, str]]:
        """Measurement counters of the given days, the site's (for the report)."""
        read = partial(stats.read_stats, self.client, self.cfg.key_prefix, days)
        return dict(await self._run(read, max(self.cfg.read_timeout, 5.0)))

    async def merge(
        self,
        anon: str,
        user: str,
        now: float,
        half_life: float,
        carried: merging.Carried = merging.ALL,
        gap: int = 0,
    ) -> bool:
        """Fold the anonymous profile into the user's (store/merging.py ``merge``); True when
        it merged."""
        return await merging.merge(self, anon, user, now, half_life, carried, gap)

    async def hit_rate_limit(self, pid: str, limit: int, window: int = merging.WINDOW) -> bool:
        """Count one use; True when the visitor is over ``limit`` in the current window (which
        starts at their first use and lasts ``window`` seconds)."""
        key = self.key(pid, "rate")

        async def op() -> int:
            async with self.client.pipeline(transaction=True) as pipe:
                pipe.set(key, 0, ex=window, nx=True)
                pipe.incr(key)
                return int((await pipe.execute())[1])

        return int(await self._run(op, self.cfg.write_timeout)) > limit

    async def erase(self, pid: str, moved: bool = False) -> None:
        """Delete every key of the id (rate counters included); a deny marker stays."""
        await self.after_writes(pid)  # a write still in a task must not land after the erase
        await privacy.erase(self, pid, PARTS, moved)  # which lets queued page views land first
