"""A rules load that does not end, said. The app's catalogue callable is called in the load's
worker thread; one that waits for ever (a database query with no timeout) holds that load, and
every later edit waits behind it, the rules in force staying (a thread cannot be stopped, and a
second load would hang a second thread). That is said once the load is late, and again once
it ends (last62c: it was silent)."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

log = logging.getLogger("omotenashi")

LATE = 60.0  # seconds a load may take before it is said to be late (10,000 rules: ~1 s)


class LateLoad:
    """When the pending load started, and whether its lateness was said."""

    def __init__(self) -> None:
        self._load: asyncio.Future[Any] | None = None
        self._started = 0.0
        self._said = False

    def start(self, load: asyncio.Future[Any]) -> None:
        self._load, self._started, self._said = load, time.monotonic(), False

    def look(self, catalog: object | None, load: asyncio.Future[Any] | None) -> None:
        """At each look while ``load`` is pending: said once, when it is late."""
        if load is None or load is not self._load or self._said:
            return
        late = time.monotonic() - self._started
        if late < LATE:
            return
        self._said = True
        _say(catalog, late)

    def ended(self, load: asyncio.Future[Any]) -> None:
        if load is self._load and self._said:
            _said_ended(self._started)
        self._load, self._said = None, False


def _said_ended(started: float) -> None:
    log.warning("omotenashi: the late rules load ended after %.0fs", time.monotonic() - started)


def _say(catalog: object | None, late: float, first: bool = False) -> None:
    name = getattr(catalog, "__qualname__", "the catalogue callable")
    log.error(
        "omotenashi: the rules load started %.0fs ago has not ended (%s); %s",
        late,
        f"the app's catalogue callable {name!r} may be waiting: give it a timeout"
        if catalog is not None
        else "the rules or snippets folder has not answered",
        "the app starts once it does"
        if first
        else "the rules in force stay, and no edit is loaded until it ends",
    )


@contextmanager
def first_load(catalog: object | None) -> Iterator[None]:
    """The load as the app starts (in its own thread: nothing else to watch it): said once it
    is late (last63: a callable hanging then was silent), and once it ends."""
    started = time.monotonic()
    said = threading.Event()

    def late() -> None:
        said.set()
        _say(catalog, time.monotonic() - started, first=True)

    timer = threading.Timer(LATE, late)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        if said.is_set():
            _said_ended(started)
