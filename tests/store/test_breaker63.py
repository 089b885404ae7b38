"""The breaker while nobody asks (ops63): an open breaker is tried again every ``reset``
seconds by a PING of its own, so an idle worker's breaker, and the metric that says Redis is
down, close once Redis answers; and a server answering on and off opens it many times a minute
with one pair of lines a minute, the next opening line counting the rest."""

from __future__ import annotations

import asyncio
import logging

import pytest

from omotenashi.metrics import Metrics
from omotenashi.store import breaker as breaker_module
from omotenashi.store.breaker import QUIET, Breaker

from .test_breaker import Clock, said


@pytest.mark.anyio
async def test_an_open_breaker_is_tried_again_with_no_request(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(breaker_module, "PING_EVERY", 0.05)
    answers = [False, False, True]  # Redis down for two PINGs, then back
    pinged: list[bool] = []
    metrics = Metrics()

    async def ping() -> None:
        assert breaker.allow()
        pinged.append(answers[len(pinged)])
        breaker.success() if pinged[-1] else breaker.failure("no answer")

    breaker = Breaker(failures=1, reset=0.05, metrics=metrics, pinger=ping)
    breaker.failure("no answer")
    assert breaker.state == "open" and b"omotenashi_breaker_state 1.0" in metrics.exposition()
    for _ in range(100):
        if breaker.state == "closed":
            break
        await asyncio.sleep(0.02)
    assert pinged == [False, False, True] and breaker.state == "closed"
    assert b"omotenashi_breaker_state 0.0" in metrics.exposition()
    await asyncio.sleep(0.15)
    assert len(pinged) == 3  # closed: no more PINGs
    breaker.stop_probe()


def test_a_breaker_opening_and_closing_all_minute_says_one_pair(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="omotenashi")
    clock = Clock()
    breaker = Breaker(failures=1, reset=1.0, clock=clock)
    for _ in range(20):  # a stall every few seconds
        breaker.failure("no answer within 0.15s")
        clock.now += 1.0
        assert breaker.allow()
        breaker.success()
        clock.now += 1.0
    lines = said(caplog)
    assert len(lines) == 2, lines
    assert "circuit breaker open" in lines[0] and "answers again, 1.0s after" in lines[1]
    clock.now += QUIET
    breaker.failure("no answer within 0.15s")
    lines = said(caplog)
    assert len(lines) == 3
    assert lines[2].endswith("(it opened 19 more time(s) since the last such line)")


def test_an_outage_whose_opening_was_kept_quiet_is_said_as_it_ends(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """ops65: a 3 s outage, then a 30 s one 17 s later: the second's opening is kept quiet
    (one a minute), and no line said it at all; its end is said now. A short one is not (a
    server answering on and off: the test above)."""
    caplog.set_level(logging.INFO, logger="omotenashi")
    clock = Clock()
    breaker = Breaker(failures=1, reset=1.0, clock=clock)
    for length, gap in ((3.0, 17.0), (30.0, 5.0), (1.0, 0.0)):
        breaker.failure("no answer within 0.15s")
        back = clock.now + length
        while clock.now + 1.0 < back:  # a probe a second, failing all through it
            clock.now += 1.0
            assert breaker.allow()
            breaker.failure("no answer within 0.15s")
        clock.now += 1.0
        assert breaker.allow()
        breaker.success()
        clock.now += gap
    lines = said(caplog)
    assert len(lines) == 3, lines
    assert "circuit breaker open" in lines[0] and "answers again, 3.0s after" in lines[1]
    assert lines[2].startswith("omotenashi: Redis answers again, 30.0s after the breaker opened")
    assert "(its opening was not said: one such line a minute at most)" in lines[2]


@pytest.mark.parametrize(
    ("reason", "hint"),
    [
        (
            "PipelineError: Redis cannot serve: READONLY You can't write against a read only "
            "replica.",
            ": OMOTENASHI_REDIS_URL names a replica; point it at the primary",
        ),
        (
            "MaxClientsReachedError: max number of clients reached",
            ": the server's maxclients is reached; raise it, or lower OMOTENASHI_REDIS_MAX_CONN",
        ),
    ],
)
def test_a_server_that_cannot_serve_for_its_own_setting_is_said_with_what_to_do(
    caplog: pytest.LogCaptureFixture, reason: str, hint: str
) -> None:
    # (ops63: a replica as the URL and a full maxclients were said without what to do)
    caplog.set_level(logging.INFO, logger="omotenashi")
    breaker = Breaker(failures=1, reset=1.0, clock=Clock())
    breaker.write_failed(reason)
    breaker.failure(reason)
    lines = said(caplog)
    assert len(lines) == 2 and all(hint in line for line in lines), lines


def test_an_outage_after_a_quiet_opening_is_said_once_the_minute_is_over(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # (last63b: openings kept quiet, then Redis down for good: the last line said it answered)
    caplog.set_level(logging.INFO, logger="omotenashi")
    clock = Clock()
    breaker = Breaker(failures=1, reset=1.0, clock=clock)
    breaker.failure("no answer")  # said
    clock.now += 1.0
    assert breaker.allow()
    breaker.success()  # said: answers again
    clock.now += 5.0
    breaker.failure("no answer")  # within the minute: quiet
    for _ in range(120):  # down for two minutes: each probe fails
        clock.now += 1.0
        assert breaker.allow()
        breaker.failure("no answer")
    lines = said(caplog)
    assert len(lines) == 3 and "circuit breaker open" in lines[2], lines
    assert breaker.state == "open"


@pytest.mark.anyio
async def test_a_reset_of_0_pings_at_most_once_a_second() -> None:
    pinged: list[float] = []

    async def ping() -> None:
        assert breaker.allow()
        pinged.append(0.0)
        breaker.failure("refused")

    breaker = Breaker(failures=1, reset=0.0, pinger=ping)
    breaker.failure("refused")
    await asyncio.sleep(0.5)
    breaker.stop_probe()
    assert len(pinged) <= 1  # (it spun: 1,589 PINGs in 2 s)


def test_failed_tries_are_not_counted_as_openings(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="omotenashi")
    clock = Clock()
    breaker = Breaker(failures=1, reset=1.0, clock=clock)
    breaker.failure("no answer")
    clock.now += 1.0
    assert breaker.allow()
    breaker.success()
    breaker.failure("no answer")  # a second opening, within the minute: quiet
    for _ in range(70):  # its tries fail for 70 s
        clock.now += 1.0
        assert breaker.allow()
        breaker.failure("no answer")
    lines = said(caplog)
    assert len(lines) == 3 and lines[2].endswith(
        "(it opened 1 more time(s) since the last such line)"
    )


def test_redis_pys_read_only_wording_gets_the_replica_hint(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # (final63: redis-py's ReadOnlyError drops the READONLY code: no hint on its paths)
    caplog.set_level(logging.INFO, logger="omotenashi")
    breaker = Breaker(failures=1, reset=1.0, clock=Clock())
    breaker.write_failed("ReadOnlyError: You can't write against a read only replica.")
    assert said(caplog)[0].endswith("names a replica; point it at the primary)")


def test_an_acl_refusing_the_scripts_is_not_said_to_resume_on_a_ping(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # (final63: the breaker's own PING, which the ACL allows, said "personalisation resumes")
    caplog.set_level(logging.INFO, logger="omotenashi")
    clock = Clock()
    breaker = Breaker(failures=1, reset=1.0, clock=clock)
    breaker.failure("NOPERM User qa has no permissions to run the 'evalsha' command")
    clock.now += 1.0
    assert breaker.allow()
    breaker.success()  # the PING
    lines = said(caplog)
    assert len(lines) == 1 and "refuses the 'evalsha' command" in lines[0], lines
