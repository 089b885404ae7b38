"""A time limit around a Redis call: ``asyncio.timeout``'s behaviour at less than half its cost.

``asyncio.timeout`` is an asynchronous context manager: entering and leaving it are two more
coroutines, and it keeps a state machine; every profile read pays for it. This is the same
mechanism as a plain ``with``: a timer that cancels the task when the time is up, and on the
way out a :class:`TimeoutError` in place of that cancellation (only that one: a cancellation
from anyone else, or one that arrives together with ours, stays a cancellation, as
``asyncio.timeout`` decides it through ``Task.uncancel``).

Unlike ``asyncio.timeout``, it cancels again every :data:`AGAIN` seconds until the block ends:
on Python 3.11, ``asyncio.wait_for`` (which redis-py puts around every send) swallows a
cancellation that arrives as what it waits for finishes, and the block went on to redis-py's
own, longer socket timeout and its retries (redis50: a read under a 0.15 s limit took 2.05 s,
8.2 s with a 2 s write timeout). Each cancellation is taken back on the way out.

And the time running out cancels only after :data:`GRACE` more passes of the event loop: on a
loop too busy to come back within the limit, the answer had come long before, and was in the
socket, but the timer is due in the same pass as the socket is read, and ran first; every read
timed out and the breaker never closed while Redis answered at once (soak55). Each pass reads
what has arrived and wakes who waits for it; a server that does not answer waits those passes
more (microseconds on a loop that is not busy).
"""

from __future__ import annotations

import asyncio
from contextvars import ContextVar
from types import TracebackType

AGAIN = 0.005  # seconds between cancellations once the time is up, until the block ends
GRACE = 4  # passes of the event loop between the time running out and the cancellation
# A connection's steps (the socket's connect, TLS's handshake, the scripts' load) are a pass of
# the loop each: on a loop too busy to come back within the connect timeout they are waited for
# this many more passes (microseconds on a quiet loop). Nobody waits for a connection being
# opened (a read gives up on its own time limit; the connection is shielded): it opens for the
# next read (last56: a connection opened anew never opened on a loop busy 0.2 s a pass).
CONNECT_GRACE = 16

# each task's innermost limit, while it runs (a context variable: it ends with its task, and a
# closed loop's task left inside one holds nothing alive: last58)
_HELD: ContextVar[Deadline | None] = ContextVar("omotenashi_deadline", default=None)


def past_due() -> bool:
    """The current task's time limit has run out: the passes of its grace are being waited
    for (a step that takes passes of its own, started now, would be cut in the middle)."""
    held = _HELD.get()  # (a task made inside another's limit starts with it: not its own)
    return held is not None and held._task is asyncio.current_task() and held.running_out


class Deadline:
    __slots__ = ("_cancelling", "_expired", "_grace", "_held", "_passes", "_task", "_timer")

    def __init__(self, delay: float, grace: int = GRACE) -> None:
        task = asyncio.current_task()
        if task is None:
            raise RuntimeError("Deadline should be used inside a task")
        self._task = task
        self._cancelling = task.cancelling()
        self._expired = 0  # cancellations made for the time running out
        self._passes = 0  # of the loop's, since the time ran out
        self._grace = grace  # passes waited for before cancelling
        self._timer: asyncio.Handle = asyncio.get_running_loop().call_later(delay, self._expire)

    def _expire(self) -> None:
        if self._passes < self._grace:  # what has come meanwhile is read first (below)
            self._passes += 1
            self._timer = asyncio.get_running_loop().call_soon(self._expire)
            return
        self._expired += 1
        self._task.cancel()
        self._timer = asyncio.get_running_loop().call_later(AGAIN, self._expire)

    @property
    def expired(self) -> bool:
        """The time ran out (the task was cancelled for it)."""
        return self._expired > 0

    @property
    def running_out(self) -> bool:
        """The time is up: the passes of the grace are being waited for, or it cancelled."""
        return self._passes > 0 or self._expired > 0

    def __enter__(self) -> Deadline:
        self._held = _HELD.set(self)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._timer.cancel()
        try:
            _HELD.reset(self._held)
        except ValueError:  # (closed outside its task: a coroutine let go with its closed loop)
            pass
        if not self._expired:
            return
        for _ in range(self._expired):  # ours taken back: what is left is anyone else's
            left = self._task.uncancel()
        if left <= self._cancelling and exc_type is asyncio.CancelledError:
            raise TimeoutError from exc  # our cancellation, nobody else's: the time ran out
