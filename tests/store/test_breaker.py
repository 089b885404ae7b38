"""The circuit breaker's log lines at their edges: the warning of an outage without a reason
given, and failures that do not open it, reported at most once a minute (QUIET), not less."""

from __future__ import annotations

import logging

import pytest

from omotenashi.store.breaker import QUIET, Breaker


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
    assert [r.getMessage() for r in caplog.records] == [
        "omotenashi: Redis unreachable (failed); circuit breaker open: pages are served "
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
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == warned
    if warned == 2:
        assert messages[1] == "omotenashi: Redis failed 2 time(s) since the last warning (refused)"
