"""How long a page the app sends in parts is held back: at most ``OMOTENASHI_HOLD_SECONDS``
after its first part. A page is rewritten whole, so it is held until its last byte; one the
app streams (an early-flushed ``<head>``, a slow generator, HTML kept open for server push)
reached the visitor only when it ended, or never (http50: 10 s to the first byte of a page the
app streamed over 10 s). Once the time is up, what is held goes out as the app sent it and the
rest streams through: that page is not personalised (counted ``held_too_long``, ``bypassed``).

A page sent whole (one body message, as most frameworks send one) starts no clock.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from omotenashi.engine.render import warn_once
from omotenashi.errors import quoted
from omotenashi.metrics import Metrics
from omotenashi.store.pipeline import retrieved

log = logging.getLogger("omotenashi")


class HoldClock:
    """Calls ``give_up`` (a coroutine function) ``seconds`` from now, in a task of its own,
    unless stopped first; ``seconds`` 0: never. ``live`` from then until :meth:`stop`."""

    __slots__ = ("_handle", "_task", "live")

    def __init__(self, seconds: float, give_up: Callable[[], Awaitable[None]] | None) -> None:
        self._task: asyncio.Future[None] | None = None
        self._handle: asyncio.TimerHandle | None = None
        self.live = False
        if seconds > 0 and give_up is not None:
            self.live = True
            loop = asyncio.get_running_loop()
            self._handle = loop.call_later(seconds, self._ring, give_up)

    def _ring(self, give_up: Callable[[], Awaitable[None]]) -> None:
        self._handle = None
        self._task = asyncio.ensure_future(give_up())
        self._task.add_done_callback(retrieved)  # (its failure is logged by give_up)

    def stop(self) -> None:
        self.live = False
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None


NO_CLOCK = HoldClock(0, None)  # (a page sent whole: no clock started)


class Overdue:
    """The held part of a page going out after its time was up: the app's next parts wait
    for it, so they follow it in order."""

    __slots__ = ("sent",)

    def __init__(self) -> None:
        self.sent: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def done(self) -> None:
        if not self.sent.done():
            self.sent.set_result(None)


def held_too_long(metrics: Metrics, path: str, seconds: float, owner: object) -> None:
    """Counts a page given up on, and says so once per rule set (``owner``): a site whose pages
    stream past the hold loses their personalisation, and only a metric said so (eye50)."""
    metrics.inc("held_too_long")
    metrics.inc("bypassed")
    said = (
        f"page {quoted(path)} was still unfinished {seconds:g} s after its first part: it went "
        "out as the app sent it, not personalised (OMOTENASHI_HOLD_SECONDS; told once, each "
        "counted in omotenashi_held_too_long_total)"
    )
    warn_once(log, said, owner, kind="held too long")
