"""time61: a page between 30 minutes and 30 minutes and a second after the last was a new
visit to the engine (``now - last_seen``) but the same visit to the store (whole seconds, as
``engine/change.went_on``): no visit was counted, yet the journey's decay ran on it with the
days away of the visit before, and a member who had just joined the club again was moved back.
Both now judge a visit on whole seconds."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
import redis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from omotenashi import Omotenashi, Settings
from omotenashi.asgi.api import track

from .conftest import client_for

pytestmark = pytest.mark.anyio
PAGE = '<!doctype html><html><body><div data-omo-slot="hero">Default</div></body></html>'
JOURNEY = """
transitions:
  - {to: loyalty, on: [join_club]}
decay:
  - {from: [loyalty, purchase], to: interest, when: {absent_days: {at_least: 60}}}
"""


@pytest.fixture
def ahead(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[float]]:
    real, by = time.time, [0.0]
    monkeypatch.setattr(time, "time", lambda: real() + by[0])
    yield by


@pytest.mark.parametrize(("extra", "visits"), [(0.5, 0), (1.5, 1)])
async def test_a_page_just_past_the_gap_counts_as_the_store_does(
    extra: float,
    visits: int,
    ahead: list[float],
    make_settings: Callable[..., Settings],
    omotenashi_redis: redis.Redis,
) -> None:
    async def join(request: Request) -> HTMLResponse:
        await track(request, "join_club")
        return HTMLResponse(PAGE)

    app = Starlette(routes=[Route("/", lambda r: HTMLResponse(PAGE)), Route("/join", join)])
    settings = make_settings(
        "rules: []", journey=JOURNEY, session_gap=1800, redis={"key_prefix": "v61"}
    )
    mw = Omotenashi(app, settings=settings)
    t0 = float(int(time.time()) + 1)  # whole seconds

    def at(t: float) -> None:
        ahead[0] += t - time.time()

    async with client_for(mw) as client:
        at(t0)
        await client.get("/join")  # a member
        at(t0 + 61 * 86400)
        await client.get("/")  # back after 61 days: moved back (the decay)
        at(t0 + 61 * 86400 + 10)
        await client.get("/join")  # joins again
        key = next(omotenashi_redis.scan_iter(match="v61:*:p*"))
        before = omotenashi_redis.hgetall(key)
        at(t0 + 61 * 86400 + 10 + 1800 + extra)
        await client.get("/")
        after = omotenashi_redis.hgetall(key)
    for k in omotenashi_redis.scan_iter("v61:*"):
        omotenashi_redis.delete(k)
    assert before["G"] == "5"  # (loyalty)
    assert after["G"] == before["G"]  # a member still: no visit began after 60 days away
    assert int(after["N"]) == int(before["N"]) + visits
