"""The reverse proxy in front of odd real-world origins: long polls and quiet event streams
outlast the default read timeout, and neither a page sent in one-byte chunks nor a request body
trickled byte by byte costs more memory than its size (plus a little)."""

from __future__ import annotations

import asyncio
import tracemalloc
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from omotenashi import Settings
from omotenashi.proxy import proxy_app
from omotenashi.proxy.uploads import Deadline, read_whole

from .conftest import asgi_get, lifespan
from .live_server import serving

pytestmark = pytest.mark.anyio

# Longer than the 15 s the default read timeout was: sse-starlette's heartbeat is 15 s, a
# Socket.IO long poll 25 s (and a refused WebSocket makes Socket.IO fall back to polling).
QUIET = 16.0
FIRST, SECOND = b"data: one\n\n", b"data: two\n\n"


def quiet_origin() -> Starlette:
    """``/poll`` answers after QUIET seconds; ``/events`` sends one event, then the next after
    QUIET seconds of silence."""

    async def poll(request: Request) -> Response:
        await asyncio.sleep(QUIET)
        return Response(b'{"messages": []}', media_type="application/json")

    async def events(request: Request) -> Response:
        async def parts() -> AsyncIterator[bytes]:
            yield FIRST
            await asyncio.sleep(QUIET)
            yield SECOND

        return StreamingResponse(parts(), media_type="text/event-stream")

    return Starlette(routes=[Route("/poll", poll), Route("/events", events)])


async def test_a_long_poll_and_a_quiet_event_stream_outlast_the_default_timeout(
    make_settings: Any,
) -> None:
    settings: Settings = make_settings()
    async with serving(quiet_origin()) as origin_url:
        async with serving(proxy_app(origin_url, settings=settings)) as url:  # the defaults
            async with httpx.AsyncClient(base_url=url, timeout=120) as client:

                async def events() -> bytes:
                    headers = {"accept": "text/event-stream"}
                    async with client.stream("GET", "/events", headers=headers) as response:
                        assert response.status_code == 200
                        return b"".join([piece async for piece in response.aiter_raw()])

                poll, stream = await asyncio.gather(client.get("/poll"), events())
    assert (poll.status_code, poll.content) == (200, b'{"messages": []}')
    assert stream == FIRST + SECOND  # whole: not cut after the silence


SIZE = 128 * 1024
PAGE = (
    b'<!doctype html><meta charset="utf-8"><title>Inn</title>'
    b'<h1 data-omo-slot="hero">Welcome</h1><p>' + b"x" * SIZE + b"</p>"
)


def chunked(piece: int) -> bytes:
    """The origin's whole answer: PAGE as chunks of ``piece`` bytes (made before any count)."""
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
    frames = (PAGE[i : i + piece] for i in range(0, len(PAGE), piece))
    body = b"".join(b"%x\r\n%s\r\n" % (len(frame), frame) for frame in frames)
    return head + b"Transfer-Encoding: chunked\r\n\r\n" + body + b"0\r\n\r\n"


@pytest.mark.parametrize("piece", [1, 3])
async def test_a_page_in_tiny_chunks_is_held_in_little_more_than_its_size(
    make_settings: Any, piece: int
) -> None:
    """Each chunk is a message of its own; held as pieces, a one-byte chunk cost ~130 bytes
    (17 MB for this 128 KiB page, past OMOTENASHI_MAX_BODY's promise many times over)."""
    wire = chunked(piece)

    async def origin(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(wire)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(origin, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    # held to its end, however slow tracemalloc makes its 131,000 parts (holdtime.py)
    app = proxy_app(f"http://127.0.0.1:{port}", settings=make_settings(hold_seconds=0))
    try:
        async with lifespan(app):
            tracemalloc.start()
            try:
                sent = await asgi_get(app, "/")
                peak = tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()
    finally:
        server.close()
        await server.wait_closed()
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    assert (sent[0]["status"], body) == (200, PAGE)
    # the page, its copies for the engine and the origin's own send buffer: ~16x; pieces: 130x
    assert peak < 40 * len(PAGE)


@pytest.mark.parametrize("piece", [1, 2])
async def test_a_small_body_trickled_byte_by_byte_is_held_as_one_buffer(piece: int) -> None:
    """A visitor sending one byte per packet gets each as a message (uvicorn passes on what
    each read gave); a body within OMOTENASHI_PROXY_BODY_BUFFER is held whole before the origin
    is asked, which the README puts at its size, about twice while joined, not 40 times."""
    body = bytes(range(256)) * 256  # 64 KiB, the default buffer
    messages = [
        {"type": "http.request", "body": body[i : i + piece], "more_body": i + piece < len(body)}
        for i in range(0, len(body), piece)
    ]
    queue = iter(messages)

    async def receive() -> dict[str, Any]:
        await asyncio.sleep(0)  # as a server's: the loop runs between two reads
        return next(queue)

    tracemalloc.start()
    try:
        got = await read_whole(receive, Deadline(20.0, 500))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert got == body
    assert peak < 4 * len(body)


A_PAGE = b"<!doctype html><p>visitor A's account</p>"
B_PAGE = b"B's page"
# What the origin answers the first request with, wrongly followed by a body (or, as a body
# the parser reads as a response, what visitor A's answer could hold).
TRAILING = {
    "head": b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n%s",
    "304": b"HTTP/1.1 304 Not Modified\r\nContent-Length: %d\r\n\r\n%s",
    "204": b"HTTP/1.1 204 No Content\r\nContent-Length: %d\r\n\r\n%s",
    "excess": b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n"
    b"Content-Length: %d\r\n\r\n%s",
}


async def keep_alive_origin(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Answers every request on one connection: ``/a/<kind>`` as TRAILING says, ``/b`` well."""
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            target = head.split(b" ", 2)[1]
            if target.startswith(b"/a/"):
                sent = TRAILING[target[3:].decode()] % (len(A_PAGE), A_PAGE)
            else:
                sent = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(B_PAGE), B_PAGE)
            writer.write(sent)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


@pytest.mark.parametrize(
    ("kind", "method", "status", "content"),
    [
        ("head", "HEAD", 200, b""),
        ("304", "GET", 304, b""),
        ("204", "GET", 204, b""),
        ("excess", "GET", 200, b"ok"),
    ],
)
async def test_a_body_the_origin_should_not_send_never_reaches_the_next_visitor(
    make_settings: Any, kind: str, method: str, status: int, content: bytes
) -> None:
    """A body after a HEAD's, a 304's or a 204's headers, or past a Content-Length, stayed in
    the pooled connection: the next visitor's request on it read it as its answer (a 502 for
    them, or visitor A's page when it read as a response)."""
    server = await asyncio.start_server(keep_alive_origin, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    app = proxy_app(f"http://127.0.0.1:{port}", settings=make_settings())
    try:
        async with serving(app) as url:
            async with httpx.AsyncClient(base_url=url) as a, httpx.AsyncClient(base_url=url) as b:
                first = await a.request(method, f"/a/{kind}")
                after = [await b.get("/b") for _ in range(2)]
    finally:
        server.close()
        await server.wait_closed()
    assert (first.status_code, first.content) == (status, content)
    assert [(r.status_code, r.content) for r in after] == [(200, B_PAGE)] * 2
    if status == 204:  # (proxy49) nor its Content-Length: none is allowed on a 204
        assert "content-length" not in first.headers
