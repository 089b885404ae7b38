"""How a load shares the process: no garbage-collector passes while it builds, and, in the
background, the interpreter switching threads often enough that requests do not wait for it,
and rests (:func:`pace`) that leave the interpreter and a core to the event loop half the time.

A load creates hundreds of thousands of objects that all live on. Python's cyclic collector,
triggered by allocation counts, would walk the growing heap again and again (more than half
the time of loading 10,000 rules), and a full pass can fall on the event loop in the middle of
a request. Both are paused while a load runs: a load makes almost no cyclic garbage.

The server's loads then :func:`settle` what they built (``gc.freeze``): the collector never
walks the rule set again (a full pass with 10,000 rules loaded takes about 60 ms). A set
that is replaced is let go of by :func:`let_go`, in a worker thread, one rule at a time, so its
deallocation is not one long pause either.
"""

from __future__ import annotations

import gc
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from omotenashi.engine.gcpause import paused_gc as paused_gc  # shared with the page scans

BACKGROUND_SWITCH_S = 0.00005  # while a reload runs in a thread: the loop waits at most this
WORK_S = 0.00025  # a background load works this long at a time (CPU and the interpreter) ...
REST_S = 0.00025  # ... then leaves both to the event loop and the rest of the machine this long
LET_GO_WAIT_S = 60.0  # how long a replaced set waits for the requests that still use it
GATHER_STEP = 64  # pieces of a replaced set gathered between two paces


class _Paused:
    """Nested and concurrent background loads (the collector's pause is engine/gcpause.py's,
    shared with the page scans)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.background = 0  # background loads under way
        self.interval = 0.0  # the switch interval before the first of them


_state = _Paused()
_local = threading.local()  # since: when this thread's background load last rested
_rest = time.sleep


def pace() -> None:
    """Called often by a load: in a background load, after WORK_S of work, rest REST_S, so
    that on a busy machine the event loop finds the interpreter and a core free. Elsewhere,
    nothing."""
    if not _state.background:  # no background load in any thread (a server's start)
        return
    since: float | None = getattr(_local, "since", None)
    if since is not None and time.perf_counter() - since >= WORK_S:
        _rest(REST_S)
        _local.since = time.perf_counter()


def resting() -> bool:
    """Whether :func:`pace` rests in this thread (a background load runs here)."""
    return getattr(_local, "since", None) is not None


@contextmanager
def in_background() -> Iterator[None]:
    """A load in a worker thread: collector paused, the thread switch interval lowered so the
    event loop gets the interpreter back within ``BACKGROUND_SWITCH_S``, not the default 5 ms,
    whenever it has a request to serve, and :func:`pace` resting half the time."""
    with _state.lock:
        if _state.background == 0:
            _state.interval = sys.getswitchinterval()
            sys.setswitchinterval(min(BACKGROUND_SWITCH_S, _state.interval))
        _state.background += 1
    _local.since = time.perf_counter()
    try:
        with paused_gc():
            yield
    finally:
        _local.since = None
        with _state.lock:
            _state.background -= 1
            if _state.background == 0:
                sys.setswitchinterval(_state.interval)


def settle() -> None:
    """What is alive now is kept out of every later collection (``gc.freeze``): a server's
    rule set lives until the next reload, and is then freed by reference counting."""
    gc.freeze()


class Handover:
    """The set a reload replaces, handed by the event loop to the thread that frees it
    (:func:`let_go`).

    The thread is started by the worker that built the new set (:meth:`start`), before the swap:
    starting a thread on the event loop holds it until the new thread has run (milliseconds on a
    busy machine). The swap only fills the box and sets an event (:meth:`give`). A thread that is
    never given a set ends after LET_GO_WAIT_S.
    """

    def __init__(self, pieces: Callable[[object], Iterable[object]] | None = None) -> None:
        self.box: list[object] = []
        self.parts: list[object] = []
        self.pieces = pieces  # see let_go
        self.given = threading.Event()

    def start(self) -> None:
        threading.Thread(target=self._run, name="omotenashi-let-go", daemon=True).start()

    def give(self, box: list[object], parts: list[object]) -> None:
        """Takes ``box``'s item and ``parts`` over (both lists are emptied)."""
        self.box.extend(box)
        self.parts.extend(parts)
        box.clear()
        parts.clear()
        self.given.set()

    def _run(self) -> None:
        if self.given.wait(LET_GO_WAIT_S):
            let_go(self.box, self.parts, self.pieces)


def let_go(
    box: list[object],
    parts: list[object],
    pieces: Callable[[object], Iterable[object]] | None = None,
) -> None:
    """Free ``box``'s only item in small steps (in a worker thread): once no request holds it
    any more (or after LET_GO_WAIT_S), drop it while ``parts`` and its ``pieces`` (its rules,
    the entries of its big tables) are still held, then drop those one by one, paced like a
    background load. The pieces are gathered only when no request holds the item."""
    deadline = time.monotonic() + LET_GO_WAIT_S
    # Held by the box and by getrefcount's argument only: no request is using it.
    while box and sys.getrefcount(box[0]) > 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    with in_background():
        if box and pieces is not None and sys.getrefcount(box[0]) <= 2:
            try:
                for n, piece in enumerate(pieces(box[0]), 1):
                    parts.append(piece)
                    if n % GATHER_STEP == 0:
                        pace()
            except RuntimeError:  # a table changed size as it was read: still in use after all
                pass
        box.clear()
        while parts:
            parts.pop()
            pace()
