"""The write batcher: page views and events wait here a few milliseconds, then go out together.

A record is queued after its response has been sent; the queue is flushed every
``interval`` seconds, or at once when ``size`` records wait, as one pipelined write (the
auto-pipeline puts every command of a flush in one socket write). The queue is bounded:
past ``limit`` records waiting or in flight, a record is dropped and counted
(``record_dropped``) rather than letting memory grow while Redis is slow.

What a crash can lose: the records queued or in flight at that moment, at most ``limit``;
``pending`` says how many that is now (the ``omotenashi_records_pending`` gauge). Normally
that is the last ``interval`` seconds of page views, a few ms' worth.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

from prometheus_client import Gauge

from omotenashi.metrics import Metrics

# keys and args of one record script call, and other commands sent with it
Item = tuple[list[str], list[str], Sequence[tuple[str | int, ...]]]
Sender = Callable[[Sequence[Item]], list["asyncio.Future[Any]"]]


class Writer:
    def __init__(
        self, send: Sender, *, interval: float, size: int, limit: int, metrics: Metrics
    ) -> None:
        self.send = send
        self.interval = interval
        self.size = size
        self.limit = limit
        self.metrics = metrics
        self.queue: list[tuple[Item, asyncio.Future[Any]]] = []
        self.in_flight = 0
        self.batches = 0  # flushes so far, and the records they carried (records / batches:
        self.written = 0  # how many page views share one write)
        self._timer: asyncio.TimerHandle | None = None
        self._sent: set[asyncio.Future[Any]] = set()
        try:  # read when scraped: no cost per record
            Gauge(
                "omotenashi_records_pending",
                "Page views and events queued or in flight: what a crash now would lose.",
                registry=metrics.registry,
            ).set_function(lambda: self.pending)
        except ValueError:  # another store already reports to this registry
            pass

    @property
    def pending(self) -> int:
        """Records not yet acknowledged by Redis: what a crash now would lose."""
        return len(self.queue) + self.in_flight

    def submit(self, item: Item) -> asyncio.Future[Any] | None:
        """Queue one record; its future resolves when Redis has it. None: dropped (full)."""
        if self.pending >= self.limit:
            self.metrics.inc("record_dropped")
            return None
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self.queue.append((item, future))
        if len(self.queue) >= self.size or self.interval <= 0:
            self.flush()
        elif self._timer is None:
            self._timer = loop.call_later(self.interval, self.flush)
        return future

    def flush(self) -> None:
        """Send everything queued now (their replies come later)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        batch, self.queue = self.queue, []
        if not batch:
            return
        try:
            sent = self.send([item for item, _ in batch])
        except Exception as exc:  # the connection refused the batch: every record failed
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        self.in_flight += len(sent)
        self.batches, self.written = self.batches + 1, self.written + len(sent)
        for (_, future), reply in zip(batch, sent, strict=True):
            self._sent.add(reply)
            reply.add_done_callback(self._settled(future))

    def _settled(self, future: asyncio.Future[Any]) -> Callable[[asyncio.Future[Any]], None]:
        def done(reply: asyncio.Future[Any]) -> None:
            self._sent.discard(reply)
            self.in_flight -= 1
            if future.done():  # the request stopped waiting (timeout): nothing to tell it
                if not reply.cancelled() and reply.exception() is not None:
                    self.metrics.inc("record_error")
                return
            if reply.cancelled():
                future.cancel()
            elif (exc := reply.exception()) is not None:
                future.set_exception(exc)
            else:
                future.set_result(reply.result())

        return done

    def forget(self) -> None:
        """Start afresh on a new event loop: the old one's queue and replies are gone."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self.queue, self.in_flight = [], 0
        self._sent.clear()

    async def drain(self) -> None:
        """Flush, and wait until Redis has acknowledged (or refused) every record."""
        self.flush()
        if self._sent:
            await asyncio.wait(set(self._sent))
