"""The circuit breaker's log lines at their edges: the warning of an outage without a reason
given, and failures that do not open it, reported at most once a minute (QUIET), not less; and
what it counts: a server that does not answer, never an error reply (the server is up)."""

from __future__ import annotations

import logging
import threading

import pytest
from redis.exceptions import BusyLoadingError, MasterDownError, ResponseError
from redis.exceptions import ConnectionError as RedisConnectionError

from omotenashi.store.breaker import QUIET, Breaker, refused
from omotenashi.store.pipeline import PipelineError, ReplyError, reply_error

LOGGER = "omotenashi"  # store/breaker.py logs here


def said(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The breaker's lines logged by this test: not a line another test's thread (a reload's,
    a server's) happens to log while this one runs."""
    here = threading.get_ident()
    return [r.getMessage() for r in caplog.records if r.thread == here and r.name == LOGGER]


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_an_outage_without_a_reason_is_logged_as_failed(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="omotenashi")
    breaker = Breaker(failures=1, reset=2.5, clock=Clock())
    breaker.failure()
    assert breaker.state == "open"
    assert said(caplog) == [
        "omotenashi: Redis failed (failed); circuit breaker open: pages are served "
        "as the app made them, trying again every 2.5s"
    ]


@pytest.mark.parametrize(("later", "warned"), [(QUIET - 0.5, 1), (QUIET, 2), (QUIET + 30, 2)])
def test_failures_that_do_not_open_it_are_reported_once_a_minute(
    later: float, warned: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="omotenashi")
    clock = Clock()
    breaker = Breaker(failures=10, reset=1.0, clock=clock)
    breaker.failure("timeout")
    clock.now += 1
    breaker.failure("timeout")
    clock.now += later - 1
    breaker.failure("refused")
    assert breaker.state == "closed"
    messages = said(caplog)
    assert len(messages) == warned
    if warned == 2:
        assert messages[1] == "omotenashi: Redis failed 2 time(s) since the last warning (refused)"


@pytest.mark.parametrize(
    ("error", "is_reply"),
    [
        (ReplyError("Redis refused: ERR user_script:114: invalid unicode escape code"), True),
        (reply_error("WRONGTYPE Operation against a key holding the wrong kind of value"), True),
        (reply_error("OOM command not allowed when used memory > 'maxmemory'"), True),
        (ResponseError("ERR Error running script"), True),
        (reply_error("LOADING Redis is loading the dataset in memory"), False),
        (reply_error("BUSY Redis is busy running a script"), False),
        (ResponseError("BUSY Redis is busy running a script"), False),
        (MasterDownError("Link with MASTER is down"), False),
        (BusyLoadingError("Redis is loading the dataset in memory"), False),
        (PipelineError("Redis failed: connection lost"), False),
        (RedisConnectionError("Connection refused"), False),
        (TimeoutError(), False),
    ],
)
def test_only_a_server_that_does_not_answer_is_a_failure(
    error: BaseException, is_reply: bool
) -> None:
    assert refused(error) is is_reply


def test_an_error_reply_counts_as_an_answer_and_is_reported_once_a_minute(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="omotenashi")
    clock = Clock()
    breaker = Breaker(failures=2, reset=1.0, clock=clock)
    breaker.failure("timeout")
    for _ in range(50):
        breaker.refused("ReplyError: WRONGTYPE")
    assert (breaker.state, breaker.failures) == ("closed", 0)
    breaker.failure("timeout")
    breaker.failure("timeout")
    clock.now += 1.0
    assert breaker.allow() and breaker.state == "half_open"
    breaker.refused("ReplyError: WRONGTYPE")  # the probe was answered: the server is back
    assert breaker.state == "closed"
    refusals = [m for m in said(caplog) if "refused" in m]
    assert len(refusals) == 1 and refusals[0].startswith("omotenashi: Redis refused a command")


def test_a_late_answer_does_not_close_an_open_breaker(caplog: pytest.LogCaptureFixture) -> None:
    """A reply to a call made before the breaker opened (a slow server, not a dead one) leaves
    it open: only the probe after ``reset`` seconds closes it, so an intermittently slow
    server gives one pair of lines, not one every time a late reply lands."""
    caplog.set_level(logging.INFO, logger="omotenashi")
    clock = Clock()
    breaker = Breaker(failures=1, reset=1.0, clock=clock)
    breaker.failure("timeout")
    breaker.success()  # the late reply
    assert breaker.state == "open" and not breaker.allow()
    clock.now += 1.0
    assert breaker.allow() and breaker.state == "half_open"  # the probe
    breaker.success()
    assert breaker.state == "closed"
    lines = said(caplog)
    assert len(lines) == 2 and "answers again, 1.0s after the breaker opened" in lines[1]
