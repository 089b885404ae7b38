"""The profile read and the page-view write on two auto-pipelined connections.

The store uses this for plain ``redis://`` and ``unix://`` servers; Sentinel and Cluster stay
on redis-py. Reads go out as soon as they are asked for (before the app runs); writes go
through the :class:`~omotenashi.store.writer.Writer`, on a connection of their own, so that a
write the server holds (a failover's ``CLIENT PAUSE ... WRITE``) holds no read behind it.

A read still sees every write issued before it: queued writes are flushed ahead of every read,
and a read of a profile with a write sent and not yet answered goes out on the writes'
connection, behind that write (Redis answers one connection in order). When that connection
does not answer within a fifth of the read timeout (the server holds writes), the read is sent
again on its own connection: the profile then lacks the page view still held, but the page is
personalised, and the read counts no failure.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Mapping, Sequence
from typing import Any

from omotenashi.errors import WriteQueueFull
from omotenashi.metrics import Metrics
from omotenashi.settings import RedisSettings
from omotenashi.store.pipeline import AutoPipeline, PipelineError, Script, fast_url, forgotten
from omotenashi.store.stats import Losses, record_call
from omotenashi.store.writer import Item, Then, Writer

# How long the writes' connection may go unanswered before it counts as dead: a failover holds
# writes for seconds, and they are applied when it ends (the reads, on their own connection,
# still notice a server that stopped answering within their own timeouts).
WRITES_HELD_S = 10.0

log = logging.getLogger("omotenashi")


class FastPath:
    def __init__(
        self,
        url: str,
        cfg: RedisSettings,
        metrics: Metrics,
        load: str,
        record: str,
        load_plain: str | None = None,
    ) -> None:
        # load_plain: the load script without its read-only line, for a server that refuses
        # it (Redis 6; found out when the connection loads the scripts)
        self.load_script, self.record_script = Script(load, load_plain), Script(record)
        stall = 4 * max(cfg.read_timeout, cfg.write_timeout, cfg.connect_timeout)
        # reads (and the breaker's PING); then writes, and the reads that must follow one
        self.pipe = AutoPipeline(
            url, connect_timeout=cfg.connect_timeout, stall=stall, scripts=(self.load_script,)
        )
        self.wpipe = AutoPipeline(
            url,
            connect_timeout=cfg.connect_timeout,
            stall=max(stall, WRITES_HELD_S),
            scripts=(self.record_script, self.load_script),
        )
        # key -> when each record to it still unanswered on wpipe was sent, oldest first
        # (one connection answers in order: the oldest is always answered first)
        self.writing: dict[str, deque[float]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self.held_after = cfg.read_timeout / 5  # a write unanswered this long: it is held
        self._behind: set[asyncio.Future[Any]] = set()  # reads sent behind a write
        self.writer = Writer(
            self._send,
            interval=cfg.write_batch_interval,
            size=cfg.write_batch_size,
            limit=cfg.write_queue_limit,
            metrics=metrics,
        )
        self.drain_timeout = cfg.write_timeout
        self.cfg, self.metrics = cfg, metrics
        self.lost = Losses(cfg)  # counts not written, for the ledger (store/stats.py)

    @classmethod
    def for_url(
        cls,
        url: str,
        cfg: RedisSettings,
        metrics: Metrics,
        load: str,
        record: str,
        load_plain: str | None = None,
    ) -> FastPath | None:
        """The fast path for a plain server; None for Sentinel, Cluster, TLS or options."""
        if cfg.cluster or not fast_url(url):
            return None
        return cls(url, cfg, metrics, load, record, load_plain)

    @property
    def ready(self) -> bool:
        """A read can go out now, without waiting for a connection."""
        return self.pipe.connected

    @property
    def can_write(self) -> bool:
        """A write can go out now, without waiting for a connection."""
        return self.wpipe.connected

    @property
    def sent(self) -> int:
        """Commands sent so far, on both connections."""
        return self.pipe.sent + self.wpipe.sent

    def begin_load(self, keys: list[str]) -> asyncio.Future[Any]:
        """Send the profile read now (ready only); queued writes go ahead of it."""
        wpipe = self.wpipe
        held = wpipe.hold()
        behind = False
        try:
            self.writer.flush()
            behind = self._behind_write(keys)
            if behind:  # in the same socket write as the page view it follows
                sent = self.load_script.call(wpipe, keys)
        finally:
            if held or not behind:  # the writes go out before a read on the other connection
                wpipe.release()
        if not behind:
            return self.load_script.call(self.pipe, keys)
        self._behind.add(sent)
        sent.add_done_callback(self._behind.discard)
        return sent

    def _behind_write(self, keys: list[str]) -> bool:
        """Whether a read of ``keys`` goes behind their write, unanswered on the writes'
        connection; not when this visitor's oldest such write has waited longer than
        ``held_after`` (the server holds writes: a failover)."""
        writing, wpipe = self.writing, self.wpipe
        if not writing or writing.keys().isdisjoint(keys) or not wpipe.connected:
            return False
        first = min(writing[key][0] for key in keys if key in writing)
        return time.monotonic() - first <= self.held_after

    async def finish_load(self, sent: asyncio.Future[Any], keys: list[str]) -> Any:
        if sent.cancelled():  # given up behind a held write, and asked again (a retry)
            sent = self.load_script.call(self.pipe, keys)
        elif sent in self._behind:  # behind a write: sent again on our own when that is held
            done, _ = await asyncio.wait({sent}, timeout=self.held_after)
            # held, or only the writes' connection broke: the reads' own connection answers
            broke = bool(done) and isinstance(sent.exception(), PipelineError)
            if (broke or not done) and self.ready:
                again = self.load_script.call(self.pipe, keys)  # may fail: ``sent`` kept
                self._behind.discard(sent)
                sent.cancel()  # when its reply comes, it is read and dropped
                sent = again
        return await self.load_script.settle(self.pipe, sent, keys)

    async def connect(self, need: AutoPipeline | None = None) -> None:
        """Both connections, together (the first page view then queues at once, ahead of the
        next read, and the breaker's PING finds the reads' connection open); only ``need``'s
        failure (the reads' by default) is raised here."""
        need = need or self.pipe
        self._on_this_loop()
        if (refused := need.refused) is not None:  # the last opening's refusal (a wrong
            for pipe in (self.pipe, self.wpipe):  # password), said now: the connect tasks below
                if pipe.on_this_loop and not pipe.connected:  # start a pass later, when a read
                    pipe.start()  # on a busy loop gave up (sentinel59); these openings now,
            raise refused  # which a close ends (eye59b)
        replies = await asyncio.gather(
            self.pipe.connect(), self.wpipe.connect(), return_exceptions=True
        )
        failed = replies[0] if need is self.pipe else replies[1]
        if isinstance(failed, BaseException):
            raise failed

    def _on_this_loop(self) -> None:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # a new event loop (a test's): the old one's replies are gone
            self._loop = loop
            self.writing.clear()
            self._behind.clear()
            self.writer.forget()

    async def load(self, keys: list[str]) -> Any:
        if not self.ready:
            await self.connect()
            # Page views that waited for a connection (requests do not wait for their
            # writes) queue first, so this read sees them.
            await asyncio.sleep(0)
        return await self.finish_load(self.begin_load(keys), keys)

    async def add(
        self, keys: list[str], arg: str, stats: Mapping[tuple[str, str], int] | None = None
    ) -> Any:
        """Queue one record (with the measurement counters it may count: store/stats.py);
        the record's reply once the batch it went in has been written. A record waiting for
        the writes' connection counts against the queue's limit (refused at once past it)."""
        if not self.can_write:
            self._on_this_loop()  # first: a new loop's forget() must not clear this wait
            writer = self.writer
            token = writer.wait()
            if token is None:  # counted as record_dropped by the queue
                self.lost.note(stats)
                raise WriteQueueFull(writer.limit)
            try:
                await self.connect(self.wpipe)
            finally:  # connected, failed or cancelled: no longer waiting (submit counts it)
                writer.waited(token)
        keys, args = record_call(keys, arg, stats, self.cfg)
        future = self.writer.submit((keys, args, ()))
        if future is None:  # counted as record_dropped by the queue
            self.lost.note(stats)
            raise WriteQueueFull(self.writer.limit)
        future.add_done_callback(self.lost.watch(stats, _nothing, self.wpipe))
        try:
            return await self.record_script.settle(self.wpipe, future, keys, args)
        except BaseException:  # (a timeout's cancel too)
            if _forgotten(future):  # sent again with its text (watch left it to that): failed
                self.lost.note(stats)
            raise

    def add_nowait(
        self,
        keys: list[str],
        arg: str,
        stats: Mapping[tuple[str, str], int] | None,
        then: Then,
    ) -> bool:
        """:meth:`add` without waiting (connected only): the record is in the write queue when
        this returns, and ``then`` is called with its reply's future once that is done;
        False when the queue is full (``then`` is never called)."""
        item = (*record_call(keys, arg, stats, self.cfg), ())
        if self.writer.submit_then(item, self.lost.watch(stats, then, self.wpipe)):
            return True
        self.lost.note(stats)  # dropped: the queue is full
        return False

    def _send(self, items: Sequence[Item]) -> list[asyncio.Future[Any]]:
        wpipe = self.wpipe
        if not wpipe.connected:
            raise PipelineError("not connected")
        out: list[asyncio.Future[Any]] = []
        writing = self.writing
        for keys, args, extra in items:
            try:
                reply = self.record_script.call(wpipe, keys, args)
            except PipelineError as exc:  # refused part-way (full, or stalled): the records
                for _ in range(len(items) - len(out)):  # sent so far go on, the rest fail
                    failed: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
                    failed.set_exception(exc)
                    out.append(failed)
                return out
            now = time.monotonic()
            for key in keys:
                sent_at = writing.get(key)
                if sent_at is None:
                    writing[key] = deque([now])
                else:
                    sent_at.append(now)
            reply.add_done_callback(self._answered(keys))
            out.append(reply)
            for command in extra:  # counters: a failure is counted, nobody waits for them
                try:
                    wpipe.call(*command).add_done_callback(self._counted)
                except PipelineError:
                    self.metrics.inc("record_error")
        return out

    def _answered(self, keys: list[str]) -> Any:
        def answered(reply: asyncio.Future[Any]) -> None:
            writing = self.writing
            for key in keys:
                sent_at = writing.get(key)
                if sent_at:
                    sent_at.popleft()
                if not sent_at:
                    writing.pop(key, None)
            if not reply.cancelled() and "READONLY" in str(reply.exception() or ""):
                # a failover made this server a replica: the next write reconnects (the
                # host name may now lead to the new primary)
                self.wpipe.drop("the server is a replica now (READONLY)")

        return answered

    def _counted(self, reply: asyncio.Future[Any]) -> None:
        if not reply.cancelled() and reply.exception() is not None:
            self.metrics.inc("record_error")

    async def drain(self) -> None:
        """Every queued write sent and answered (before erasing or merging a profile)."""
        await self.writer.drain()

    async def aclose(self, until: float | None = None) -> None:
        """Write what is queued (by ``until``, the event loop's time, else within the write
        timeout), then close the connection."""
        if self.writer.pending:  # awaits only when there is something to wait for
            if until is None:
                until = asyncio.get_running_loop().time() + self.drain_timeout
            with contextlib.suppress(TimeoutError, PipelineError, RuntimeError):
                async with asyncio.timeout_at(until):
                    await self.writer.drain()
        if left := self.writer.pending:  # what a stop may lose, said (shutdown55)
            log.warning(
                "omotenashi: stopping with %d page view(s) or event(s) not confirmed by Redis "
                "(it was waited for %gs at most: OMOTENASHI_REDIS_WRITE_TIMEOUT): those still "
                "queued are lost, those sent may have been written",
                left,
                self.drain_timeout,
            )
        self.pipe.close()
        self.wpipe.close()


def _forgotten(reply: asyncio.Future[Any]) -> bool:
    """The server had forgotten the record script (NOSCRIPT): the record was sent again."""
    return reply.done() and not reply.cancelled() and forgotten(reply.exception())


def _nothing(_: asyncio.Future[Any]) -> None:
    """(:meth:`FastPath.add` awaits its record itself.)"""
