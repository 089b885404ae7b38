"""Recovery: a real server killed and restarted under concurrent load; pages personalise again
within 2 s of its return, with one warning and one info line about it, not one per request."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import httpx
import pytest
import redis

from omotenashi import Omotenashi, Settings
from omotenashi.ids import new_vid
from omotenashi.metrics import Metrics
from omotenashi.store.breaker import Breaker
from omotenashi.store.store import Store

from .conftest import client_for, page_app
from .test_middleware import PAGE, RULES, SNIPPETS, Make

pytestmark = pytest.mark.anyio
WORKERS = 16
URL = "/?utm_campaign=spring"


async def test_pages_personalise_again_within_two_seconds_of_a_restart(
    make_settings: Make,
    embedded_redis_factory: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = embedded_redis_factory()
    # Default breaker and health-check settings; timeouts with room for a shared CI machine.
    settings = make_settings(
        RULES, SNIPPETS, redis={"url": server.url, "read_timeout": 0.5, "write_timeout": 0.5}
    )
    mw = Omotenashi(page_app(PAGE), settings=settings)
    seen: list[tuple[float, bool]] = []  # (when the request started, personalised)
    stop = asyncio.Event()

    async def visitor() -> None:
        transport = httpx.ASGITransport(app=mw)
        async with httpx.AsyncClient(transport=transport, base_url="http://shop.test") as client:
            await client.get("/")  # a returning visitor from now on
            while not stop.is_set():
                started = time.monotonic()
                page = await client.get(URL)
                assert page.status_code == 200
                seen.append((started, "Spring sale" in page.text))
                await asyncio.sleep(0)  # as a server's socket would: let the others run

    caplog.set_level(logging.INFO, logger="omotenashi")
    async with client_for(mw):
        tasks = [asyncio.create_task(visitor()) for _ in range(WORKERS)]
        await asyncio.sleep(0.5)
        # From this thread: a server started from a worker thread would die with the thread.
        server.stop()
        down = time.monotonic()
        await asyncio.sleep(1.5)
        server.start()  # returns once the new server answers PING
        back = time.monotonic()
        await asyncio.sleep(3.5)
        stop.set()
        await asyncio.gather(*tasks)
    during = [ok for at, ok in seen if down + 0.5 < at < back]
    after = [ok for at, ok in seen if at >= back + 2.0]
    assert during and not any(during), "the outage should have served default pages"
    assert len(after) >= 50, f"too little load after the restart to judge: {len(after)}"
    share = sum(after) / len(after)
    assert share >= 0.99, f"{share:.1%} of {len(after)} pages personalised 2 s after the restart"
    opened = [r for r in caplog.records if "circuit breaker open" in r.getMessage()]
    resumed = [r for r in caplog.records if "answers again" in r.getMessage()]
    assert len(opened) == 1 and opened[0].levelno == logging.WARNING
    assert len(resumed) == 1 and resumed[0].levelno == logging.WARNING
    assert mw.metrics["breaker_open"] > len(opened)  # many refused calls, one log line


@pytest.mark.parametrize("path", ["auto-pipelined", "redis-py pool"])
async def test_connections_killed_under_the_store_cost_no_failed_read(
    omotenashi_redis_url: str, omotenashi_redis: redis.Redis, path: str
) -> None:
    cfg = {"url": omotenashi_redis_url, "read_timeout": 2.0, "write_timeout": 2.0}
    store = Store(Settings(redis=cfg).redis, Metrics())
    store.connect(omotenashi_redis_url)
    if path == "redis-py pool" and store.fast is not None:  # as for Sentinel
        fast, store.fast = store.fast, None
        await fast.aclose()
    vid = new_vid()
    omotenashi_redis.hset(f"omo:{{{vid}}}:p2", "V", 7)
    try:
        for _ in range(3):
            assert (await asyncio.gather(*(store.load(vid) for _ in range(4))))[0].views == 7
            omotenashi_redis.execute_command("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes")
            assert (await store.load(vid)).views == 7  # a stale connection, a fresh one
    finally:
        await store.aclose()
    assert store.metrics["redis_error"] == 0 and store.breaker.state == "closed"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_breaker_probes_once_per_reset_and_closes_on_success(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock, metrics = Clock(), Metrics()
    breaker = Breaker(failures=3, reset=1.0, metrics=metrics, clock=clock)
    caplog.set_level(logging.INFO, logger="omotenashi")
    for _ in range(3):
        assert breaker.allow()
        breaker.failure("refused")
    assert breaker.state == "open" and not breaker.allow()
    assert b"omotenashi_breaker_state 1.0" in metrics.exposition()
    clock.now += 0.99
    assert not breaker.allow()
    clock.now += 0.01
    assert breaker.allow() and breaker.state == "half_open"  # one probe
    assert not breaker.allow()  # the others wait for its answer
    breaker.failure("still refused")  # the probe failed: another full reset period
    assert breaker.state == "open"
    clock.now += 0.5
    assert not breaker.allow()
    clock.now += 0.5
    assert breaker.allow()
    breaker.success()
    assert breaker.state == "closed" and breaker.allow() and breaker.failures == 0
    messages = [(r.levelno, r.getMessage()) for r in caplog.records]
    # the recovery as loud as the outage
    assert [level for level, _ in messages] == [logging.WARNING] * 3
    assert messages[0][1] == "omotenashi: Redis failed (refused)"  # (no warning before it)
    assert messages[1][1] == (
        "omotenashi: Redis failed (refused); circuit breaker open: pages are served "
        "as the app made them, trying again every 1s"
    )
    assert messages[2][1] == (
        "omotenashi: Redis answers again, 2.0s after the breaker opened; personalisation resumes"
    )
    assert b"omotenashi_breaker_state 0.0" in metrics.exposition()


@pytest.mark.parametrize(
    ("failures", "warnings"),
    [(1, 1), (2, 1), (4, 1)],
    ids=["one", "two", "four"],
)
def test_failures_below_the_threshold_warn_at_most_once_a_minute(
    failures: int, warnings: int, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    breaker = Breaker(failures=5, reset=1.0, clock=clock)
    caplog.set_level(logging.INFO, logger="omotenashi")
    for _ in range(failures):
        breaker.failure("timeout")
        clock.now += 1
    breaker.success()  # a success resets the count but a lone failure is no outage to report
    assert len(caplog.records) == warnings
    clock.now += 60
    breaker.failure()
    assert len(caplog.records) == warnings + 1
    last = caplog.records[-1].getMessage()
    assert last == f"omotenashi: Redis failed {failures} time(s) since the last warning (failed)"
    assert breaker.state == "closed"
