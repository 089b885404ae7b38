"""The one switch of the cyclic garbage collector that Omotenashi turns: paused while a scan or
a load builds many objects that make no cycles, from any thread, nested or at once.

Reading ``gc.isenabled()`` and then disabling is two steps: two threads doing it each on their
own (a page scanned in a worker thread, a rule reload in another, the event loop's scans) could
leave the collector off for good. One counter under one lock: it is turned off by the first
pause and back on, if it was on, by the last to end.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_was_enabled = False


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection inside; restored as it was when the last pause ends."""
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()
