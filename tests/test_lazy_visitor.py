"""The profile read runs while the app does: how the app reads ``request.state.omotenashi``."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Route

from omotenashi import Omotenashi, ProfileNotReady, Settings, get_visitor

from .conftest import client_for

Make = Callable[..., Settings]

pytestmark = pytest.mark.anyio
RULES = 'rules:\n  - {id: a, slot: hero, text: "Hi", why: "because"}\n'


def _app() -> Starlette:
    async def page(request: Request) -> HTMLResponse:
        return HTMLResponse('<html><body><h1 data-omo-slot="hero">Hello</h1></body></html>')

    async def eager(request: Request) -> JSONResponse:
        visitor = get_visitor(request)
        assert visitor is not None
        try:
            visitor.profile  # noqa: B018 - on the event loop, before the reply is read
            early = "read"
        except ProfileNotReady as exc:
            early = f"not ready: {exc.visitor_id == visitor.id}"
        views = (await visitor.loaded()).views
        return JSONResponse({"early": early, "views": views, "again": visitor.profile.views})

    def sync_view(request: Request) -> JSONResponse:  # Starlette runs it in a worker thread
        visitor = get_visitor(request)
        assert visitor is not None
        return JSONResponse({"views": visitor.profile.views})

    return Starlette(routes=[Route("/", page), Route("/eager", eager), Route("/sync", sync_view)])


async def test_async_code_awaits_the_profile_and_a_sync_view_waits_for_it(
    make_settings: Make,
) -> None:
    mw = Omotenashi(_app(), settings=make_settings(RULES))
    async with client_for(mw) as client:
        await client.get("/")
        await client.get("/")
        eager = (await client.get("/eager")).json()
        synced = (await client.get("/sync")).json()
    assert eager == {"early": "not ready: True", "views": 2, "again": 2}
    assert synced == {"views": 2}  # JSON responses are not page views


async def test_a_new_visitor_has_nothing_to_wait_for(make_settings: Make) -> None:
    mw = Omotenashi(_app(), settings=make_settings(RULES))
    async with client_for(mw) as client:
        eager = (await client.get("/eager")).json()
    assert eager == {"early": "read", "views": 0, "again": 0}
