"""Log lines an outsider can cause, told at most once a minute per kind, never once a request.

A line that any visitor (or a failing origin, under every visitor) can set off on each request
would fill an operator's disk and their log vendor's bill: it is said the first time, then at
most once every :data:`EVERY` seconds per kind, and that next line says how many like it were
left unsaid in between (the store's breaker tells Redis failures the same way).
"""

from __future__ import annotations

import logging
import os
import sys
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

    def say(
        self, level: int, kind: str, message: str, *args: object, exc_info: bool = False
    ) -> bool:
        """Whether the line was logged (False: counted toward the next one); ``exc_info``: with
        the exception being handled, as ``log.exception`` gives it."""
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
        self.log.log(level, message, *args, exc_info=exc_info, stacklevel=2)  # the caller's line
        return True


_BUGS: dict[str, Quiet] = {}  # per logger
OURS = os.path.dirname(os.path.abspath(__file__))  # the package's own files


def bug(log: logging.Logger, message: str, *args: object) -> bool:
    """``log.exception(message, *args)`` for a bug of ours met while serving a request: once a
    minute per kind of failure (the exception's type and the line it was raised at: a place in
    our code, never a value from the request), so that an input that sets one off on every
    request cannot fill a disk with tracebacks (each is counted by the caller's metric)."""
    error = sys.exc_info()[1]
    at, tb = "?", error.__traceback__ if error is not None else None
    while tb is not None:  # the innermost line of ours (a library's is shared by many bugs)
        code = tb.tb_frame.f_code
        if OURS in code.co_filename or at == "?":
            at = f"{code.co_filename}:{tb.tb_lineno}"
        tb = tb.tb_next
    quiet = _BUGS.get(log.name) or _BUGS.setdefault(log.name, Quiet(log))
    return quiet.say(logging.ERROR, f"{type(error).__name__}@{at}", message, *args, exc_info=True)


def named(scope: dict[str, Any]) -> str:
    """An ASGI request as a log line names it: its path, never its query (tokens, e-mail
    addresses and campaign values go there), at most 200 characters, control characters
    escaped."""
    raw: bytes = scope.get("raw_path") or scope.get("path", "").encode("utf-8")
    said = raw.split(b"?", 1)[0][:200].decode("latin-1")  # (some servers add the query)
    # a line end or a terminal's escape (a server that gives no raw_path passes them decoded)
    # shown escaped: no line of its own, no screen cleared (obs57)
    return said if said.isprintable() else said.encode("unicode_escape").decode("ascii")
