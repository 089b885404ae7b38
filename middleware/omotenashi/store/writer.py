"""The write batcher: page views and events wait here a few milliseconds, then go out together.

A record is queued after its response has been sent; the queue is flushed every
``interval`` seconds, or at once when ``size`` records wait, as one pipelined write (the
auto-pipeline puts every command of a flush in one socket write). The queue is bounded:
past ``limit`` records queued, in flight or waiting for the writes' connection (``waiting``:
right after startup, or after that connection dropped), a record is dropped and counted
(``record_dropped``) rather than letting memory grow while Redis is slow.

What a crash can lose: the records queued, in flight or waiting at that moment, at most
``limit``; ``pending`` says how many that is now (the ``omotenashi_records_pending`` gauge).
Normally that is the last ``interval`` seconds of page views, a few ms' worth.
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
# what a record submitted with a callback is told: its reply's future, once done
Then = Callable[["asyncio.Future[Any]"], None]


class Writer:
    def __init__(
        self, send: Sender, *, interval: float, size: int, limit: int, metrics: Metrics
    ) -> None:
        self.send = send
        self.interval = interval
        self.size = size
        self.limit = limit
        self.metrics = metrics
        self.queue: list[tuple[Item, asyncio.Future[Any] | Then]] = []
        self.in_flight = 0
        self.waiting = 0  # records held for the writes' connection (:meth:`wait`)
        self._epoch = 0  # forget()s so far: a wait from an older event loop is not undone
        self.batches = 0  # flushes so far, and the records they carried (records / batches:
        self.written = 0  # how many page views share one write)
        # One timer, not one per batch: a flush leaves it running, and when it goes off it
        # flushes only a queue that is due by then (its first record waited ``interval``),
        # else it is set again for when that queue is due.
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = 0.0  # when the timer goes off (the loop's clock)
        self._due = 0.0  # when the queue's first record has waited ``interval``
        self._sent: set[asyncio.Future[Any]] = set()
        try:  # read when scraped: no cost per record
            Gauge(
                "omotenashi_records_pending",
                "Page views and events queued, waiting for the connection or in flight: what a "
                "crash now would lose.",
                registry=metrics.registry,
            ).set_function(lambda: self.pending)
        except ValueError:  # another store already reports to this registry
            pass

    @property
    def pending(self) -> int:
        """Records not yet acknowledged by Redis: what a crash now would lose."""
        return len(self.queue) + self.in_flight + self.waiting

    def full(self) -> bool:
        """The queue holds its limit: the record offered now is dropped, and counted so."""
        if self.pending < self.limit:
            return False
        self.metrics.inc("record_dropped")
        return True

    def wait(self) -> int | None:
        """Count one record that waits for the writes' connection as pending, before it is
        submitted; None: full (dropped and counted, as :meth:`submit` does). Hand the token
        back to :meth:`waited` when it stops waiting (before its submit: counted once)."""
        if self.full():
            return None
        self.waiting += 1
        return self._epoch

    def waited(self, token: int) -> None:
        if token == self._epoch:  # not a wait forget() has already cleared
            self.waiting -= 1

    def submit(self, item: Item) -> asyncio.Future[Any] | None:
        """Queue one record; its future resolves when Redis has it. None: dropped (full)."""
        if self.full():
            return None
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._queue(item, future)
        return future

    def submit_then(self, item: Item, then: Then) -> bool:
        """:meth:`submit` without a future of its own: ``then`` is called with the reply's
        future once it is done (or with a failed one: the batch was refused). False: dropped
        (full; ``then`` is never called)."""
        if self.full():
            return False
        self._queue(item, then)
        return True

    def _queue(self, item: Item, waiter: asyncio.Future[Any] | Then) -> None:
        queue = self.queue
        queue.append((item, waiter))
        if len(queue) >= self.size or self.interval <= 0:
            self.flush()
        elif len(queue) == 1:  # the first record waiting: the queue is due one interval on
            loop = asyncio.get_running_loop()
            self._due = due = loop.time() + self.interval
            if self._timer is None:
                self._timer_at = due
                self._timer = loop.call_at(due, self._tick)

    def _tick(self) -> None:
        self._timer = None
        if not self.queue:
            return
        if self._due > self._timer_at:  # emptied since, and filled again: not due yet
            self._timer_at = self._due
            self._timer = asyncio.get_running_loop().call_at(self._due, self._tick)
            return
        self.flush()

    def flush(self) -> None:
        """Send everything queued now (their replies come later)."""
        batch = self.queue
        if not batch:
            return
        self.queue = []
        try:
            sent = self.send([item for item, _ in batch])
        except Exception as exc:  # the connection refused the batch: every record failed
            for _, waiter in batch:
                if isinstance(waiter, asyncio.Future):
                    if not waiter.done():
                        waiter.set_exception(exc)
                else:  # told as a reply would be: from the loop, not from inside this call
                    failed: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
                    failed.set_exception(exc)
                    failed.add_done_callback(waiter)
            return
        self.in_flight += len(sent)
        self.batches, self.written = self.batches + 1, self.written + len(sent)
        add, settled, then = self._sent.add, self._settled, self._then
        for (_, waiter), reply in zip(batch, sent, strict=True):
            add(reply)
            if isinstance(waiter, asyncio.Future):
                reply.add_done_callback(settled(waiter))
            else:
                reply.add_done_callback(then(waiter))

    def _then(self, then: Then) -> Then:
        def done(reply: asyncio.Future[Any]) -> None:
            self._sent.discard(reply)
            self.in_flight -= 1
            then(reply)

        return done

    def _settled(self, future: asyncio.Future[Any]) -> Then:
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
        self.queue, self.in_flight, self.waiting = [], 0, 0
        self._epoch += 1
        self._sent.clear()

    async def drain(self) -> None:
        """Flush, and wait until Redis has acknowledged (or refused) every record."""
        self.flush()
        if self._sent:
            await asyncio.wait(set(self._sent))
