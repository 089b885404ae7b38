"""isolation52 P2: a server that shares one ``scope["state"]`` between requests (Hypercorn
before 0.18 did, across a keep-alive connection; ASGI asks for a copy per request) must not
hand one visitor to the next request. The middleware wrote the visitor into the server's
state and never cleared it: a bot's request, an excluded path or an over-long path on the
same connection then read the previous visitor with ``get_visitor`` (and ``track`` or
``identify`` acted on them). Now a request passed on untouched gets none. The state stays the
server's dict (eye52: a copy cut an outer middleware off from what the app set in it).
Through the real middleware, against a real Redis."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from omotenashi import Omotenashi, Settings, get_visitor
from omotenashi.testing import Written

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]
BOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
PERSON = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0"


def whoami(request: Request) -> HTMLResponse:
    """A page (a new visitor gets their cookie on it) that says whom the app was given."""
    visitor = get_visitor(request)
    assert visitor is getattr(request.state, "omotenashi", None)
    return HTMLResponse(f"<!doctype html><p>{visitor.id if visitor is not None else 'none'}")


def said(response: httpx.Response) -> str:
    return response.text.rpartition("<p>")[2]


def sharing(mw: Omotenashi, state: dict[str, Any]) -> Callable[..., Any]:
    """A server that gives every request the same state dict, as old Hypercorn did."""

    async def server(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            scope["state"] = state
        await Written(mw)(scope, receive, send)

    return server


@pytest.mark.parametrize(
    ("path", "agent"),
    [
        ("/page", BOT),  # a bot: no visitor
        ("/static/site.css", PERSON),  # an excluded path: passed on untouched
        ("/" + "a" * 8200, PERSON),  # over LONGEST_PATH: passed on unread
    ],
    ids=["bot", "excluded", "long-path"],
)
async def test_the_next_request_on_a_shared_state_gets_no_earlier_visitor(
    make_settings: Make, path: str, agent: str
) -> None:
    app = Starlette(routes=[Route("/{p:path}", whoami)])
    mw = Omotenashi(app, settings=make_settings("", exclude_paths=["/static/*"]))
    state: dict[str, Any] = {"from_lifespan": 1}
    await mw.startup()
    try:
        transport = httpx.ASGITransport(app=sharing(mw, state))
        async with httpx.AsyncClient(transport=transport, base_url="http://shop.test") as client:
            first = await client.get("/page", headers={"user-agent": PERSON})
            assert first.status_code == 200 and said(first) not in ("", "none")
            client.cookies.clear()
            second = await client.get(path, headers={"user-agent": agent})
    finally:
        await mw.shutdown()
    assert second.status_code == 200
    assert said(second) == "none"  # (it was the first visitor's id)
    assert state["from_lifespan"] == 1


async def test_two_visitors_on_a_shared_state_each_read_their_own(make_settings: Make) -> None:
    app = Starlette(routes=[Route("/{p:path}", whoami)])
    mw = Omotenashi(app, settings=make_settings(""))
    state: dict[str, Any] = {}
    await mw.startup()
    try:
        transport = httpx.ASGITransport(app=sharing(mw, state))
        async with httpx.AsyncClient(transport=transport, base_url="http://shop.test") as a:
            async with httpx.AsyncClient(transport=transport, base_url="http://shop.test") as b:
                ids = [
                    (await c.get("/page", headers={"user-agent": PERSON})).text for c in (a, b, a)
                ]
    finally:
        await mw.shutdown()
    assert ids[0] == ids[2] != ids[1]


async def test_an_outer_middleware_sees_what_the_app_put_in_the_state(
    make_settings: Make,
) -> None:
    """eye52: an outer middleware that took ``request.state`` before the app (a request id,
    a log line) reads it after: it must still be the dict the app wrote into."""

    def login(request: Request) -> HTMLResponse:
        request.state.user = "alice"
        return HTMLResponse("<!doctype html><p>hi")

    seen: dict[str, Any] = {}

    def outer(app: Any) -> Any:
        async def wrapped(scope: dict[str, Any], receive: Any, send: Any) -> None:
            state = scope.setdefault("state", {})  # as Starlette's request.state caches it
            state["request_id"] = "r-1"
            await app(scope, receive, send)
            seen.update(state)

        return wrapped

    mw = Omotenashi(Starlette(routes=[Route("/{p:path}", login)]), settings=make_settings(""))
    await mw.startup()
    try:
        transport = httpx.ASGITransport(app=outer(Written(mw)))
        async with httpx.AsyncClient(transport=transport, base_url="http://shop.test") as client:
            assert (await client.get("/page", headers={"user-agent": PERSON})).status_code == 200
    finally:
        await mw.shutdown()
    assert seen["user"] == "alice" and seen["request_id"] == "r-1"


async def test_a_websocket_on_a_shared_state_gets_no_earlier_visitor(make_settings: Make) -> None:
    """eye52d: a WebSocket passes through untouched; on a server sharing one state between a
    connection's requests it read the previous page's visitor."""
    from omotenashi.asgi.visitor import Visitor

    seen: list[Any] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        seen.append(get_visitor(scope))
        await send({"type": "websocket.close", "code": 1000})

    mw = Omotenashi(app, settings=make_settings(""))
    state: dict[str, Any] = {"omotenashi": object.__new__(Visitor)}  # (the last page's)
    scope = {"type": "websocket", "path": "/ws", "headers": [], "state": state}

    async def receive() -> dict[str, Any]:
        return {"type": "websocket.connect"}

    async def send(message: dict[str, Any]) -> None:
        return None

    await mw(scope, receive, send)
    assert seen == [None]


def reads_state(request: Request) -> HTMLResponse:
    """A view that reads ``request.state.omotenashi`` as the README's mounting guide says."""
    visitor = request.state.omotenashi  # (an AttributeError, a 500, when it was never set)
    return HTMLResponse(f"<!doctype html><p>{visitor.id if visitor is not None else 'none'}")


@pytest.mark.parametrize(
    ("path", "agent"),
    [("/page", BOT), ("/static/site.css", PERSON), ("/" + "a" * 8200, PERSON)],
    ids=["bot", "excluded", "long-path"],
)
async def test_request_state_says_none_where_there_is_no_visitor(
    make_settings: Make, path: str, agent: str
) -> None:
    """readme68: ``request.state.omotenashi`` ("None for bots", the README) was never set for a
    bot or a path left alone: a view that read it answered Googlebot with a 500."""
    app = Starlette(routes=[Route("/{p:path}", reads_state)])
    mw = Omotenashi(app, settings=make_settings("", exclude_paths=["/static/*"]))
    await mw.startup()
    try:
        transport = httpx.ASGITransport(app=mw, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://shop.test") as client:
            got = await client.get(path, headers={"user-agent": agent})
    finally:
        await mw.shutdown()
    assert (got.status_code, said(got)) == (200, "none")
