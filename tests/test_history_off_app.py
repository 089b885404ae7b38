"""The app can tell that a visitor switched their browsing history off (``visitor.history_off``,
the same decision Omotenashi makes for itself), so its own pages can honour the switch too."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import redis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Route

from omotenashi import Omotenashi, Settings, get_visitor

from .conftest import client_for, switch_history

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]
RULES = """
rules:
  - id: fan
    slot: side
    text: "Tours fan"
    when: {interest: {tours: {at_least: 1}}}
    category: browsing-history
    why: "You like tours."
"""


def site(make_settings: Make) -> Omotenashi:
    async def page(request: Request) -> HTMLResponse:
        return HTMLResponse(
            '<!doctype html><html><head><meta name="omotenashi:topics" content="tours">'
            '</head><body><p data-omo-slot="side">-</p></body></html>'
        )

    async def about(request: Request) -> JSONResponse:
        visitor = get_visitor(request)
        assert visitor is not None
        profile = await visitor.loaded()
        return JSONResponse({"history_off": visitor.history_off, "views": profile.views})

    app = Starlette(routes=[Route("/", page), Route("/api/visitor", about)])
    return Omotenashi(app, settings=make_settings(RULES))


async def test_the_app_is_told_when_the_browsing_history_is_off(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    async with client_for(site(make_settings)) as client:
        await client.get("/")
        before = (await client.get("/api/visitor")).json()
        await switch_history(client, on=False)
        off = (await client.get("/api/visitor")).json()
        await switch_history(client, on=True)
        again = (await client.get("/api/visitor")).json()
    assert [before["history_off"], off["history_off"], again["history_off"]] == [
        False,
        True,
        False,
    ]
    assert off["views"] == before["views"] == 1  # what was kept stays: the app decides its use
