"""A time limit around a Redis call: ``asyncio.timeout``'s behaviour at less than half its cost.

``asyncio.timeout`` is an asynchronous context manager: entering and leaving it are two more
coroutines, and it keeps a state machine; every profile read pays for it. This is the same
mechanism as a plain ``with``: a timer that cancels the task when the time is up, and on the
way out a :class:`TimeoutError` in place of that cancellation (only that one: a cancellation
from anyone else, or one that arrives together with ours, stays a cancellation, as
``asyncio.timeout`` decides it through ``Task.uncancel``).
"""

from __future__ import annotations

import asyncio
from types import TracebackType


class Deadline:
    __slots__ = ("_cancelling", "_expired", "_task", "_timer")

    def __init__(self, delay: float) -> None:
        task = asyncio.current_task()
        if task is None:
            raise RuntimeError("Deadline should be used inside a task")
        self._task = task
        self._cancelling = task.cancelling()
        self._expired = False
        self._timer = asyncio.get_running_loop().call_later(delay, self._expire)

    def _expire(self) -> None:
        self._expired = True
        self._task.cancel()

    @property
    def expired(self) -> bool:
        """The time ran out (the task was cancelled for it)."""
        return self._expired

    def __enter__(self) -> Deadline:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._timer.cancel()
        if not self._expired:
            return
        if self._task.uncancel() <= self._cancelling and exc_type is asyncio.CancelledError:
            raise TimeoutError from exc  # our cancellation, nobody else's: the time ran out
