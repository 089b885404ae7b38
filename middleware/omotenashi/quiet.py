"""Log lines an outsider can cause, told at most once a minute per kind, never once a request.

A line that any visitor (or a failing origin, under every visitor) can set off on each request
would fill an operator's disk and their log vendor's bill: it is said the first time, then at
most once every :data:`EVERY` seconds per kind, and that next line says how many like it were
left unsaid in between (the store's breaker tells Redis failures the same way).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

EVERY = 60.0  # seconds between two lines of one kind
KINDS = 256  # kinds remembered; past that the oldest is forgotten (and may be said again)


class Quiet:
    """``say(level, kind, message, *args)``: the line when its kind was not said within
    ``every`` seconds (with how many were left unsaid since), else only counted. ``kind`` is
    a word of ours (a status, a reason), never a value from a request."""

    def __init__(
        self,
        log: logging.Logger,
        every: float = EVERY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.log = log
        self.every = every
        self.clock = clock
        self._said: OrderedDict[str, tuple[float, int]] = OrderedDict()  # kind: (when, unsaid)
        self._lock = threading.Lock()

    def say(self, level: int, kind: str, message: str, *args: object) -> bool:
        """Whether the line was logged (False: counted toward the next one)."""
        if not self.log.isEnabledFor(level):
            return False
        now = self.clock()
        with self._lock:
            last = self._said.get(kind)
            if last is not None and now - last[0] < self.every:
                self._said[kind] = (last[0], last[1] + 1)
                return False
            unsaid = last[1] if last is not None else 0
            self._said[kind] = (now, 0)
            self._said.move_to_end(kind)
            while len(self._said) > KINDS:
                self._said.popitem(last=False)
        if unsaid:
            message += " (and %d more like it since the last such line)"
            args = (*args, unsaid)
        self.log.log(level, message, *args, stacklevel=2)  # the caller's file and line
        return True


def named(scope: dict[str, Any]) -> str:
    """An ASGI request as a log line names it: its path, never its query (tokens, e-mail
    addresses and campaign values go there), at most 200 characters."""
    raw: bytes = scope.get("raw_path") or scope.get("path", "").encode("utf-8")
    return raw.split(b"?", 1)[0][:200].decode("latin-1")  # (some servers add the query)
