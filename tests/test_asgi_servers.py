"""What real ASGI servers other than uvicorn send, replayed in-process: the scopes below are the
ones Granian 2.8, Hypercorn 0.18 and Daphne 4.2 sent (logged at the server's edge), so each
test is the server's request exactly, with a real Redis, and without the server's timing.

A ``HEAD`` of a page: Starlette (and most frameworks) send the ``GET``'s body with it and leave
it to the server to drop; Omotenashi takes the length off (the ``GET``'s would differ), and
Granian then counts the body it is handed as the length (HTTP/1.1) or sends it (HTTP/2, a
protocol error that fails the request in curl and httpx). So no body bytes go with it.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from omotenashi import Omotenashi

from .test_middleware import PAGE, RULES, SNIPPETS, Make

pytestmark = pytest.mark.anyio

FILE_PAGE = "/srv/shop/page.html"  # (named, never read: a HEAD sends no file)


def granian(
    method: str, headers: list[tuple[bytes, bytes]], *, h2: bool, path: str = "/"
) -> dict[str, Any]:
    """Granian's scope (its ports are strings; no ``state``; pathsend offered)."""
    return {
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "extensions": {"http.response.pathsend": {}, "websocket.http.response": {}},
        "type": "http", "http_version": "2" if h2 else "1.1",
        "server": ("127.0.0.1", "8105"), "client": ("127.0.0.1", "40244"), "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": b"", "headers": headers,
        "method": method, "root_path": "",
    }  # fmt: skip


def hypercorn(
    method: str, headers: list[tuple[bytes, bytes]], *, h2: bool, path: str = "/"
) -> dict[str, Any]:
    """Hypercorn's scope (HTTP/2 offers trailers, push and early hints)."""
    h2_ext = {
        "http.response.trailers": {},
        "http.response.push": {},
        "http.response.early_hint": {},
    }
    return {
        "type": "http", "http_version": "2" if h2 else "1.1",
        "asgi": {"spec_version": "2.1", "version": "3.0"}, "method": method, "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 44730), "server": ("127.0.0.1", 8101),
        "extensions": h2_ext if h2 else {},
    }  # fmt: skip


def daphne(
    method: str, headers: list[tuple[bytes, bytes]], *, h2: bool, path: str = "/"
) -> dict[str, Any]:
    """Daphne's scope (no extensions, no lifespan)."""
    return {
        "type": "http", "http_version": "2" if h2 else "1.1", "method": method,
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "headers": headers,
        "client": ["127.0.0.1", 48780], "server": ["127.0.0.1", 8103],
        "asgi": {"version": "3.0"},
    }  # fmt: skip


SERVERS = {"granian": granian, "hypercorn": hypercorn, "daphne": daphne}


def shop(sends: str) -> Any:
    """``/`` the test page: Starlette's ``HTMLResponse`` (its body sent on a ``HEAD`` too), or
    a raw app handing a ``HEAD`` the server a file (pathsend), or the page in two body messages."""

    async def page(request: Request) -> Response:
        return HTMLResponse(PAGE)

    starlette = Starlette(routes=[Route("/", page, methods=["GET", "HEAD"])])

    async def raw(scope: dict[str, Any], receive: Any, send: Any) -> None:
        headers = [(b"content-type", b"text/html; charset=utf-8")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        if sends == "pathsend" and scope["method"] == "HEAD":
            await send({"type": "http.response.pathsend", "path": FILE_PAGE})
            return
        half = len(PAGE) // 2
        await send({"type": "http.response.body", "body": PAGE[:half].encode(), "more_body": True})
        await send({"type": "http.response.body", "body": PAGE[half:].encode()})

    return starlette if sends == "starlette" else raw


async def served(mw: Omotenashi, scope: dict[str, Any]) -> list[dict[str, Any]]:
    """What the middleware hands the server for ``scope`` (no lifespan: the first request
    opens the pool, as under daphne)."""
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await mw(scope, receive, send)
    return sent


def cookie_of(start: dict[str, Any]) -> bytes:
    value = next(v for k, v in start["headers"] if k.lower() == b"set-cookie")
    return bytes(value).split(b";")[0]


@pytest.mark.parametrize("server", sorted(SERVERS))
@pytest.mark.parametrize("h2", [False, True], ids=["h1", "h2"])
@pytest.mark.parametrize("sends", ["starlette", "pathsend", "two-bodies"])
@pytest.mark.parametrize("returning", [False, True], ids=["new", "returning"])
async def test_a_head_of_a_page_hands_the_server_no_body_bytes(
    make_settings: Make, server: str, h2: bool, sends: str, returning: bool
) -> None:
    """The HEAD gets the GET's headers without a length, and no body: a server that frames
    what it is handed (Granian) sends no body on HTTP/2 and states no wrong length."""
    mw = Omotenashi(shop(sends), settings=make_settings(RULES, SNIPPETS))
    scoped = SERVERS[server]
    headers = [(b"host", b"shop.test"), (b"accept", b"text/html")]
    try:
        if returning:
            first = await served(mw, scoped("GET", headers, h2=h2))
            headers.append((b"cookie", cookie_of(first[0])))
            await mw.drain()
        sent = await served(mw, scoped("HEAD", headers, h2=h2))
    finally:
        await mw.shutdown()
    start, *rest = sent
    assert start["type"] == "http.response.start" and start["status"] == 200
    names = {bytes(k).lower() for k, _ in start["headers"]}
    assert b"content-length" not in names
    assert (b"cache-control", b"private, no-store") in start["headers"]  # (as its GET: http50)
    assert rest and all(m["type"] == "http.response.body" for m in rest)
    assert b"".join(m.get("body", b"") for m in rest) == b""
    assert not rest[-1].get("more_body", False)


@pytest.mark.parametrize("server", sorted(SERVERS))
@pytest.mark.parametrize("h2", [False, True], ids=["h1", "h2"])
@pytest.mark.parametrize(
    "path",
    ["/_omotenashi/preferences", "/_omotenashi/preferences/export", "/_omotenashi/nowhere"],
)
async def test_a_head_of_omotenashis_own_pages_keeps_their_length_and_sends_no_body(
    make_settings: Make, server: str, h2: bool, path: str
) -> None:
    """Its own pages answer a HEAD as their GET, with the GET's length, and no body."""
    mw = Omotenashi(shop("starlette"), settings=make_settings(RULES, SNIPPETS))
    headers = [(b"host", b"shop.test"), (b"accept", b"text/html")]
    try:
        got = await served(mw, SERVERS[server]("GET", headers, h2=h2, path=path))
        sent = await served(mw, SERVERS[server]("HEAD", headers, h2=h2, path=path))
    finally:
        await mw.shutdown()
    (start, body), (got_start, got_body) = sent, got
    assert start["status"] == got_start["status"]
    length = dict(start["headers"])[b"content-length"]
    assert length == dict(got_start["headers"])[b"content-length"] != b"0"
    assert body["type"] == "http.response.body" and body.get("body", b"") == b""
    assert got_body["body"] and not body.get("more_body", False)


# -- lifespan: an app that takes none (Django) -------------------------------------------------


def lifespan_app(kind: str) -> Any:
    """The page at ``/``, and for lifespan events: Django's answer (it raises, before reading
    any), an app that returns at once, or Starlette's own lifespan."""
    page = shop("starlette")

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan" and kind == "django":  # django.core.handlers.asgi
            raise ValueError("Django can only handle ASGI/HTTP connections, not lifespan.")
        if scope["type"] == "lifespan" and kind == "returns":
            return
        await page(scope, receive, send)

    return app


async def told(task: asyncio.Task[None], outbox: asyncio.Queue[dict[str, Any]]) -> str:
    """What the app answered a lifespan message with, or how its lifespan call ended."""
    reply = asyncio.ensure_future(outbox.get())
    await asyncio.wait({reply, task}, return_when=asyncio.FIRST_COMPLETED)
    if reply.done():
        return str(reply.result()["type"])
    reply.cancel()
    return "returned" if task.exception() is None else f"raised {task.exception()!r}"


@pytest.mark.parametrize("kind", ["django", "returns", "starlette"])
async def test_the_lifespan_is_answered_for_an_app_that_takes_none(
    make_settings: Make, kind: str
) -> None:
    """uvicorn (auto or on), Hypercorn and Granian send lifespan events; Django refuses them,
    and those servers then end the process without ending the event loop (uvicorn re-raises
    SIGTERM), so page views still queued were lost. Omotenashi answers them for such an app:
    the pool opens at startup, and the shutdown writes what is queued."""
    settings = make_settings(RULES, SNIPPETS, redis={"write_batch_interval": 0.5})
    mw = Omotenashi(lifespan_app(kind), settings=settings)
    inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.3"}}
    task = asyncio.create_task(mw(scope, inbox.get, outbox.put))
    try:
        await inbox.put({"type": "lifespan.startup"})
        assert await told(task, outbox) == "lifespan.startup.complete"
        assert mw.store.fast is not None  # the pool is open before any request
        headers = [(b"host", b"shop.test"), (b"accept", b"text/html")]
        start = (await served(mw, granian("GET", headers, h2=False)))[0]
        await inbox.put({"type": "lifespan.shutdown"})
        assert await told(task, outbox) == "lifespan.shutdown.complete"
        await task
        ident = mw.signer.identify(cookie_of(start).decode())
        await mw.startup()  # (a new pool, to read what the shutdown wrote)
        assert (await mw.store.load(ident.vid)).views == 1
    finally:
        task.cancel()
        await mw.shutdown()
