"""NaN and infinity are no JSON: Lua's cjson refuses the whole write they are in, and a record
script stopped half-way leaves a profile without its expiry. They never reach Redis."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest
import redis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from omotenashi import Omotenashi, PayloadError, Settings, remember
from omotenashi.engine.change import Change, storable
from omotenashi.store.breaker import refused
from omotenashi.store.pipeline import PipelineError, reply_error

from .conftest import client_for

Make = Callable[..., Settings]
PAGE = '<html><body><div data-omo-slot="hero">Default</div></body></html>'


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, [1.0, math.nan], {"a": math.inf}])
def test_a_non_finite_number_is_not_storable(bad: Any) -> None:
    assert not storable(bad)
    assert Change(now=1.0, attrs={"budget": bad, "ok": 1}).attrs == {"ok": 1}


def shop() -> Starlette:
    async def page(request: Request) -> Response:
        return HTMLResponse(PAGE)

    async def budget(request: Request) -> Response:
        try:
            await remember(request, budget=float(request.query_params["b"]))
        except PayloadError as exc:
            return PlainTextResponse(str(exc), status_code=422)
        return PlainTextResponse("kept")

    return Starlette(routes=[Route("/", page), Route("/budget", budget)])


@pytest.mark.anyio
@pytest.mark.parametrize(("typed", "status"), [("nan", 422), ("inf", 422), ("1.5", 200)])
async def test_remember_refuses_nan_and_every_key_keeps_its_expiry(
    make_settings: Make, omotenashi_redis: redis.Redis, typed: str, status: int
) -> None:
    mw = Omotenashi(shop(), settings=make_settings(""))
    async with client_for(mw) as client:
        answer = await client.get(f"/budget?b={typed}")
        await client.get("/")
    assert answer.status_code == status
    keys = omotenashi_redis.keys("omo:*")
    assert keys and all(omotenashi_redis.ttl(k) > 0 for k in keys)
    assert mw.metrics["record_error"] == 0


def test_a_server_turned_replica_is_unavailable_not_a_refused_command() -> None:
    error = reply_error(
        redis.ResponseError("READONLY You can't write against a read only replica.")
    )
    assert isinstance(error, PipelineError) and not refused(error)
    assert not refused(redis.exceptions.ReadOnlyError("READONLY You can't write"))
