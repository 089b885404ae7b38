"""The circuit breaker in front of Redis, and the few log lines an operator needs about it.

closed → (``failures`` consecutive failures) → open → (``reset`` seconds) → half-open: one
caller probes while the others are refused; its success closes the breaker, its failure opens
it again for another ``reset`` seconds. A request that calls no Redis (a new visitor's) starts
that probe in the background (:meth:`Breaker.probe`, a PING), so the breaker closes without a
returning visitor. One warning when it opens, one when Redis answers again; failures
that do not open it are logged at most once a minute. Only reads open it (a write that gets no
answer is logged and counted, :meth:`Breaker.write_failed`): it decides whether pages read
profiles, and a failover that holds writes leaves reads answered. A connection refused at
AUTH/HELLO (a wrong password) is a configuration problem: one error line, until Redis answers
again.

Only a server that does not answer counts (a connection failure, a timeout, a server loading
its data). An error *reply* (a script error, WRONGTYPE, OOM) is :meth:`Breaker.refused`: the
server answered, so it is up; that one command failed (a write is dropped, a read fails open;
counted as ``redis_refused``), the breaker takes it as an answer, and a warning says so at
most once a minute. Counted as a failure, one visitor able to make a command fail could open
the breaker for everyone.

A command the server refuses to run at all (an ACL's NOPERM, "unknown command" from a
rename-command or a proxy that does not pass it on: :func:`command_refused`) is a setup to
fix, not an outage: one ERROR line at most once a minute says which command and what it stops,
however it arrives (a reply to one command, or a connection that could not load its scripts,
which still opens the breaker: every call would fail the same way).

A URL whose scheme does not match the port (``redis://`` to a TLS port, ``rediss://`` to a
plain one) fails as an outage would: the failure's line says what to try
(store/tlshint.py).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from textwrap import shorten

from redis.exceptions import (
    AuthenticationError,
    AuthenticationWrongNumberOfArgsError,
    ClusterDownError,
    OutOfMemoryError,
    ReadOnlyError,
    ResponseError,
)

from omotenashi.metrics import Metrics
from omotenashi.settingsredis import masked as masked  # (its importers find it here too)
from omotenashi.store.memory import FULL_HINT, is_full
from omotenashi.store.pipeline import ReplyError
from omotenashi.store.refusals import REFUSED_CONNECTION, UNAVAILABLE, command_refused
from omotenashi.store.tlshint import tls_hint

log = logging.getLogger("omotenashi")
QUIET = 60.0  # seconds between two warnings about failures that did not open the breaker
LONG_OUTAGE = 5.0  # an outage whose opening was kept quiet is said as it ends when this long
PING_EVERY = 1.0  # the least seconds between an open breaker's own PINGs (a reset of 0: last63b)


def misconfigured(exc: BaseException) -> bool:
    """Whether ``exc`` is the server refusing the connection itself (AUTH/HELLO/SELECT
    answered with a wrong password or user, an ACL, a database that is not there: see
    store/pipeline.py's ``MISCONFIGURED``): no outage, a setting to fix. A full server
    (maxclients) is no wrong URL: it is unavailable."""
    if isinstance(exc, AuthenticationError | AuthenticationWrongNumberOfArgsError):
        return True
    text = str(exc)
    return text.startswith(REFUSED_CONNECTION) or text.startswith(("NOAUTH", "WRONGPASS", "NOPERM"))


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


def refusal(exc: BaseException) -> str:
    """What an error reply said, short: ``OOM command not allowed when used memory > ...``."""
    text = str(exc).removeprefix("Redis refused: ")
    text = text.split("caused error: ", 1)[-1].strip("()',\" ")  # a redis-py pipeline's
    if isinstance(exc, OutOfMemoryError):  # redis-py keeps the reply's text, not its code
        text = f"OOM {text}"
    return shorten(text, 60, placeholder="...")


#: What a server that cannot serve for a setting of its own asks of the operator.
_SERVER_HINTS = (
    ("READONLY", "OMOTENASHI_REDIS_URL names a replica; point it at the primary"),
    ("read only replica", "OMOTENASHI_REDIS_URL names a replica; point it at the primary"),
    (
        "max number of clients",
        "the server's maxclients is reached; raise it, or lower "
        "OMOTENASHI_REDIS_MAX_CONNECTIONS (each worker opens up to that many)",
    ),
)


class Breaker:
    """Open after N consecutive failures; after ``reset`` seconds let one call try again."""

    def __init__(
        self,
        failures: int,
        reset: float,
        metrics: Metrics | None = None,
        clock: Callable[[], float] = time.monotonic,
        pinger: Callable[[], Awaitable[None]] | None = None,
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
        self._setup_said_at: float | None = None  # the last refused-command line
        self._setup_refusals = 0
        self._misconfigured = False  # said so once; again only after Redis answered
        self._silent_at_start = False  # said so (:meth:`silent_at_start`); its answer not yet
        self._probe: asyncio.Future[None] | None = None
        self.url = ""  # the server's (its scheme, for a hint); ``answered`` since connecting
        self.answered = False
        self.pinger = pinger  # sent every ``reset`` s while open, requests or not (ops63)
        self.resumed: Callable[[], object] = lambda: None  # called as an outage ends
        self._due: asyncio.TimerHandle | None = None
        self._opened_said_at: float | None = None  # the last "open" line (one pair a minute)
        self._quiet_opens = 0  # openings since, not said
        self._said_open = False  # this outage's opening was said: its end is too

    def connecting(self, url: str) -> None:
        """A store connects to ``url``: its failures are hinted at until it answers."""
        self.url, self.answered = url, False

    def allow(self) -> bool:
        if self.opened_at is None:
            return True
        now = self.clock()
        if now - self.opened_at >= self.reset:
            self.opened_at = now  # half-open: this caller probes, others wait for its answer
            self._set("half_open")
            return True
        return False

    def probe(self, ping: Callable[[], Awaitable[None]]) -> None:
        """Open and due to try again: start ``ping()`` (one at a time, through :meth:`allow`
        like any call), not waited for: the caller goes on without Redis."""
        if self.opened_at is None or self.clock() - self.opened_at < self.reset:
            return
        if not self.probing:
            self._probe = asyncio.ensure_future(ping())

    @property
    def probing(self) -> bool:
        """A background probe (:meth:`probe`) is under way."""
        return self._probe is not None and not self._probe.done()

    def stop_probe(self) -> None:
        if self._probe is not None and not self._probe.done():
            self._probe.cancel()
        self._probe = None
        if self._due is not None:
            self._due.cancel()
            self._due = None

    def _probe_later(self) -> None:
        """Open: a PING once ``reset`` seconds have passed, whether or not a request comes."""
        if self.pinger is None or self._due is not None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # (a tool, a test without a loop: requests probe as before)
            return
        pinger = self.pinger

        def due() -> None:
            self._due = None
            if self.opened_at is not None:
                self.probe(pinger)
                if not self.probing:  # (not due yet by the breaker's clock: a moment later)
                    self._probe_later()

        self._due = loop.call_later(max(self.reset, PING_EVERY), due)

    def success(self) -> None:
        self.answered = True  # (the URL is right, whatever the breaker's state)
        if self.state == "open" and not self._silent_at_start:  # a late answer to a call made
            return  # before it opened: only the probe, after ``reset`` seconds, closes it (no
        # flapping on a slow server); open since the startup's PING, any answer closes it
        self._misconfigured = False
        if self._silent_at_start:  # the end of the startup's warning, as loud
            self._silent_at_start = self._said_open = False
            log.warning("omotenashi: Redis at %s answers; personalisation starts", self.url)
        elif self.state != "closed" and self._said_open:
            log.warning(  # the same level as the line it ends: logs that show one show both
                "omotenashi: Redis answers again, %.1fs after the breaker opened; "
                "personalisation resumes",
                self.clock() - self._down_since,
            )
            self._said_open = False
        elif self.state != "closed" and self.clock() - self._down_since >= LONG_OUTAGE:
            log.warning(  # (its opening kept quiet, a minute not passed since another: ops65,
                "omotenashi: Redis answers again, %.1fs after the breaker opened (its opening "
                "was not said: one such line a minute at most); personalisation resumes",
                self.clock() - self._down_since,  # a 30 s outage was said by no line)
            )
        self.failures = 0
        self.opened_at = None
        if self.state != "closed":  # (a restarted server's settings: asked again, ops63)
            self.resumed()
        self._set("closed")

    def silent_at_start(self, reason: str, *, refused: bool = False) -> None:
        """The PING sent as the app started got no answer, or (``refused``) an error (for it
        or for the connection's setup: asgi/redisup.py): one warning naming the setting, with
        what it means for pages; the app starts all the same. The failures after it are that
        news again: said only once a minute has passed (or as the breaker opens); the first
        answer is said."""
        log.warning(
            "omotenashi: Redis at %s (OMOTENASHI_REDIS_URL) %s as the app started (%s): pages "
            "are served as the app made them, unpersonalised, until it %s; it is tried again "
            "every %gs (the circuit breaker is open)",
            self.url,
            "answered with an error" if refused else "did not answer",
            self._said(reason),
            "answers" if refused else "does",
            self.reset,
        )
        now = self.clock()
        self._warned_at, self._unwarned, self._silent_at_start = now, 0, True
        # open, as that line says: a new visitor's page is the app's too (mount66: new visitors
        # were personalised, and each write failed, until five reads had failed), and a PING
        # goes out every ``reset`` s; its opening is said (that line), its end too (success)
        self.opened_at = self._down_since = self._opened_said_at = now
        self._said_open = True
        self._set("open")
        self._probe_later()

    def misconfigured(self, exc: BaseException, url: str) -> None:
        """The server refused the connection (AUTH/HELLO answered with an error): a failure,
        since every call fails the same way, logged once as what it is."""
        if not self._misconfigured:
            self._misconfigured = True
            reason = str(exc).removeprefix(REFUSED_CONNECTION).removeprefix("Redis refused: ")
            log.error(
                "omotenashi: %s%s (check OMOTENASHI_REDIS_URL: %s)",
                REFUSED_CONNECTION,
                reason or type(exc).__name__,
                url,
            )
        self.failure(logged=True)

    def failure(self, reason: str = "", *, logged: bool = False) -> None:
        """One call got no answer (``logged``: its cause is logged already)."""
        setup = self._setup_refused(reason)  # (a PING's answer then resumes nothing: final63)
        logged = setup or logged
        self.failures += 1
        now = self.clock()
        if self.state == "half_open":  # the probe failed: wait another reset period
            self.opened_at = now
            self._set("open")
            self._probe_later()
            quiet_since = now - (self._opened_said_at or 0.0)
            if not self._said_open and not logged and quiet_since >= QUIET:  # (kept quiet: due)
                self._say_open(reason, now)
        elif self.state == "closed" and self.failures >= self.threshold:
            self.opened_at = self._down_since = now
            self._set("open")
            self._probe_later()
            if not logged:
                self._say_open(reason, now)
            elif not setup and (
                self._opened_said_at is None or now - self._opened_said_at >= QUIET
            ):
                self._opened_said_at, self._said_open = now, True  # (its cause said: its end)
        elif self.state == "closed" and not logged:
            self._warn(reason)

    def _say_open(self, reason: str, now: float) -> None:
        """The opening, said with its end at most once a minute: a server answering on and
        off (stalls, maxclients) opened it dozens of times a minute, two lines each (ops63)."""
        if self._opened_said_at is not None and now - self._opened_said_at < QUIET:
            self._quiet_opens += 1
            return
        again = (
            f" (it opened {self._quiet_opens} more time(s) since the last such line)"
            if self._quiet_opens
            else ""
        )
        log.warning(
            "omotenashi: Redis failed (%s); circuit breaker open: pages are served as the app "
            "made them, trying again every %gs%s",
            self._said(reason),
            self.reset,
            again,
        )
        self._opened_said_at, self._quiet_opens, self._said_open = now, 0, True

    def write_failed(self, reason: str) -> None:
        """A write got no answer (a failover holds writes, the writes' connection broke):
        logged as a failure is, never counted toward opening. The breaker decides whether
        pages read profiles; reads that get no answer open it."""
        if not self._setup_refused(reason) and self.state == "closed":
            self._warn(reason)

    def _warn(self, reason: str) -> None:
        """A failure that does not open the breaker: at most one line a minute."""
        now = self.clock()
        self._unwarned += 1
        if self._warned_at is None or now - self._warned_at >= QUIET:
            since = "" if self._warned_at is None else " %d time(s) since the last warning"
            log.warning(  # ("since the last warning" only when there was one)
                f"omotenashi: Redis failed{since} (%s)",
                *((self._unwarned,) if since else ()),
                self._said(reason),
            )
            self._warned_at, self._unwarned = now, 0

    def _said(self, reason: str) -> str:
        """``reason`` as logged, with what to try when the URL's scheme looks wrong, or the
        server cannot serve for a setting of its own (ops63: said without what to do)."""
        hint = next((f": {h}" for part, h in _SERVER_HINTS if part in reason), "")
        return (reason or "failed") + hint + tls_hint(self.url, reason, answered=self.answered)

    def refused(self, reason: str) -> None:
        """The server answered one command with an error: not a failure (it is up)."""
        self.success()
        if self._setup_refused(reason):
            return
        self._refusals += 1
        if self.metrics is not None and is_full(reason):
            self.metrics.inc("redis_full")
        now = self.clock()
        if self._refusal_warned_at is None or now - self._refusal_warned_at >= QUIET:
            first = self._refusal_warned_at is None
            log.warning(
                "omotenashi: Redis refused %s (%s); %s failed; the circuit breaker does not "
                "count them%s",
                "a command" if first else f"{self._refusals} command(s) since the last warning",
                reason,
                "it" if first else "those commands",
                f"; {FULL_HINT}" if is_full(reason) else "",
            )
            self._refusal_warned_at, self._refusals = now, 0

    def _setup_refused(self, reason: str) -> bool:
        """Whether ``reason`` is a command refused by the setup (:func:`command_refused`):
        then said as such, at most once a minute."""
        refused = command_refused(reason)
        if refused is None:
            return False
        self._setup_refusals += 1
        now = self.clock()
        if self._setup_said_at is None or now - self._setup_said_at >= QUIET:
            log.error(
                "omotenashi: Redis refuses %s (%s): Omotenashi cannot %s while it does; the "
                "README's Redis section lists the commands it needs (%d refused since the last "
                "such line)",
                *refused,
                self._setup_refusals,
            )
            self._setup_said_at, self._setup_refusals = now, 0
        return True

    def _set(self, state: str) -> None:
        self.state = state
        if self.metrics is not None:
            self.metrics.breaker(state)
