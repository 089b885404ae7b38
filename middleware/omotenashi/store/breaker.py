"""The circuit breaker in front of Redis, and the few log lines an operator needs about it.

closed → (``failures`` consecutive failures) → open → (``reset`` seconds) → half-open: one
caller probes while the others are refused; its success closes the breaker, its failure opens
it again for another ``reset`` seconds. One warning when it opens, one info line when Redis
answers again; failures that do not open it are logged at most once a minute.

Only a server that does not answer counts (a connection failure, a timeout, a server loading
its data). An error *reply* (a script error, WRONGTYPE, OOM) is :meth:`Breaker.refused`: the
server answered, so it is up; that one command failed (a write is dropped, a read fails open;
counted as ``redis_refused``), the breaker takes it as an answer, and a warning says so at
most once a minute. Counted as a failure, one visitor able to make a command fail could open
the breaker for everyone.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from redis.exceptions import ClusterDownError, ReadOnlyError, ResponseError

from omotenashi.metrics import Metrics
from omotenashi.store.pipeline import UNAVAILABLE, ReplyError

log = logging.getLogger("omotenashi")
QUIET = 60.0  # seconds between two warnings about failures that did not open the breaker


def refused(exc: BaseException) -> bool:
    """Whether ``exc`` is the server's error reply to one command (a script error, WRONGTYPE,
    OOM ...): the server is up. Not: a connection failure, or a reply saying it cannot serve."""
    if isinstance(exc, ReplyError):
        return True
    return (
        isinstance(exc, ResponseError)
        and not isinstance(exc, ClusterDownError | ReadOnlyError)
        and not str(exc).startswith(UNAVAILABLE)
    )


class Breaker:
    """Open after N consecutive failures; after ``reset`` seconds let one call try again."""

    def __init__(
        self,
        failures: int,
        reset: float,
        metrics: Metrics | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.threshold = failures
        self.reset = reset
        self.metrics = metrics
        self.clock = clock
        self.failures = 0
        self.state = "closed"
        self.opened_at: float | None = None
        self._down_since = 0.0
        self._warned_at: float | None = None
        self._unwarned = 0
        self._refusal_warned_at: float | None = None
        self._refusals = 0

    def allow(self) -> bool:
        if self.opened_at is None:
            return True
        now = self.clock()
        if now - self.opened_at >= self.reset:
            self.opened_at = now  # half-open: this caller probes, others wait for its answer
            self._set("half_open")
            return True
        return False

    def success(self) -> None:
        if self.state != "closed":
            log.info(
                "omotenashi: Redis answers again after %.1fs; personalisation resumes",
                self.clock() - self._down_since,
            )
        self.failures = 0
        self.opened_at = None
        self._set("closed")

    def failure(self, reason: str = "") -> None:
        self.failures += 1
        now = self.clock()
        if self.state == "half_open":  # the probe failed: wait another reset period
            self.opened_at = now
            self._set("open")
        elif self.state == "closed" and self.failures >= self.threshold:
            self.opened_at = self._down_since = now
            self._set("open")
            log.warning(
                "omotenashi: Redis unreachable (%s); circuit breaker open: pages are served "
                "as the app made them, trying again every %gs",
                reason or "failed",
                self.reset,
            )
        elif self.state == "closed":
            self._unwarned += 1
            if self._warned_at is None or now - self._warned_at >= QUIET:
                log.warning(
                    "omotenashi: Redis failed %d time(s) since the last warning (%s)",
                    self._unwarned,
                    reason or "failed",
                )
                self._warned_at, self._unwarned = now, 0

    def refused(self, reason: str) -> None:
        """The server answered one command with an error: not a failure (it is up)."""
        self.success()
        self._refusals += 1
        now = self.clock()
        if self._refusal_warned_at is None or now - self._refusal_warned_at >= QUIET:
            log.warning(
                "omotenashi: Redis refused %d command(s) since the last warning (%s); "
                "those commands failed; the circuit breaker does not count them",
                self._refusals,
                reason,
            )
            self._refusal_warned_at, self._refusals = now, 0

    def _set(self, state: str) -> None:
        self.state = state
        if self.metrics is not None:
            self.metrics.breaker(state)
