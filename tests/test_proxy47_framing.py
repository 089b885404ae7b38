"""The reverse proxy in front of origins that frame their messages oddly: a chunked body with a
stray ``Content-Length`` either way, a status no server can send on, and a kept-alive
connection the origin closes just as the next request arrives. Each is a real origin on a
socket (it writes the exact bytes), the real proxy under uvicorn and a real Redis."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from omotenashi.proxy import proxy_app

from .live_server import serving
from .test_proxy_upstream import RULES

pytestmark = pytest.mark.anyio

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
CSS = b"body { color: #333; }\n" * 40
PAGE = b'<!doctype html><html><body><h1 data-omo-slot="hero">Hello</h1></body></html>'


@asynccontextmanager
async def raw_origin(handler: Handler) -> AsyncIterator[str]:
    """An origin on a free port that answers each connection with ``handler``."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await handler(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        server.close()
        await server.wait_closed()


def chunks(data: bytes, size: int = 100) -> bytes:
    frames = (data[i : i + size] for i in range(0, len(data), size))
    return b"".join(b"%x\r\n%s\r\n" % (len(f), f) for f in frames) + b"0\r\n\r\n"


def answering(wire: bytes) -> Handler:
    """An origin that reads one request's head and sends ``wire``, then closes."""

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(wire)
        await writer.drain()

    return handler


def chunked_with_length(content_type: bytes, body: bytes, length: int) -> bytes:
    return (
        b"HTTP/1.1 200 OK\r\nContent-Type: " + content_type + b"\r\n"
        b"Transfer-Encoding: chunked\r\nContent-Length: %d\r\n\r\n" % length + chunks(body)
    )


@pytest.mark.parametrize(
    ("content_type", "body", "length", "accept"),
    [
        (b"text/css", CSS, 50, "text/css"),  # was cut after 50 bytes, a traceback logged
        (b"text/css", CSS, len(CSS) + 500, "text/css"),  # was cut: "too little data"
        (b"text/html; charset=utf-8", PAGE, 20, "text/html"),  # a page: its length is ours
    ],
)
async def test_a_chunked_answer_with_a_stray_length_reaches_the_visitor_whole(
    make_settings: Any, content_type: bytes, body: bytes, length: int, accept: str
) -> None:
    """RFC 9112 6.3: Transfer-Encoding overrides Content-Length, which a proxy must remove."""
    wire = chunked_with_length(content_type, body, length)
    async with raw_origin(answering(wire)) as origin_url:
        async with serving(proxy_app(origin_url, settings=make_settings(RULES))) as url:
            async with httpx.AsyncClient(base_url=url) as client:
                response = await client.get("/", headers={"accept": accept})
    assert (response.status_code, response.content) == (200, body)
    assert response.headers.get("content-length") in (None, str(len(body)))


@pytest.mark.parametrize(
    ("method", "path"),
    [
        (b"POST", b"/form"),
        (b"GET", b"/form"),
        (b"POST", b"/_omotenashi/events"),  # (review67: answered by the middleware, kept open)
        (b"GET", b"/_omotenashi/preferences"),
    ],
)
async def test_a_request_framed_two_ways_is_refused_and_its_connection_closed(
    make_settings: Any, method: bytes, path: bytes
) -> None:
    """A visitor's chunked body next to a Content-Length (uvicorn's h11 reads it chunked) was
    sent on without the length (proxy47), and the connection kept: a front end that frames by
    the length saw one request, the origin two (proxy67: a GET hidden after the "0" chunk)."""
    seen: list[bytes] = []

    async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while head := await reader.readuntil(b"\r\n\r\n"):
            seen.append(head)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            await writer.drain()

    hidden = b"GET /hidden HTTP/1.1\r\nHost: inn.example\r\n\r\n"
    body = b"0\r\n\r\n" + hidden
    async with raw_origin(echo) as origin_url:
        async with serving(proxy_app(origin_url, settings=make_settings(RULES))) as url:
            port = int(url.rsplit(":", 1)[1])
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(
                method + b" " + path + b" HTTP/1.1\r\nHost: inn.example\r\n"
                b"Content-Length: %d\r\nTransfer-Encoding: chunked\r\n\r\n" % len(body) + body
            )
            await writer.drain()
            answer = await asyncio.wait_for(reader.read(), 10)  # (the proxy closes: read ends)
            writer.close()
    assert answer.startswith(b"HTTP/1.1 400 ")
    assert answer.count(b"HTTP/1.1 ") == 1  # one answer: the hidden GET never read
    assert b"connection: close" in answer.lower()
    assert seen == []  # the origin was asked nothing


@pytest.mark.parametrize("status", [600, 999])
async def test_a_status_no_server_can_send_is_a_bad_gateway_page(
    make_settings: Any, status: int
) -> None:
    """LinkedIn answers 999; uvicorn has no reason phrase past 599 (a KeyError per request,
    and the visitor's connection dropped with no answer at all)."""
    wire = (
        b"HTTP/1.1 %d Whatever\r\nContent-Type: text/html\r\nContent-Length: 2\r\n\r\nok" % status
    )
    async with raw_origin(answering(wire)) as origin_url:
        async with serving(proxy_app(origin_url, settings=make_settings(RULES))) as url:
            async with httpx.AsyncClient(base_url=url) as client:
                response = await client.get("/", headers={"accept": "text/html"})
    assert response.status_code == 502
    assert "Bad Gateway" in response.text
    assert response.headers["cache-control"] == "no-store"


def closing_on_reuse(seen: list[bytes]) -> Handler:
    """An origin whose keep-alive ends just as the next request arrives (gunicorn's is 2 s,
    Node's and uvicorn's 5 s, httpx keeps a connection 5 s): it answers a connection's first
    request, reads the second and closes without a word. ``seen``: each request line."""

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        seen.append(head.split(b"\r\n", 1)[0])
        length = next(
            (int(v) for k, _, v in (h.partition(b":") for h in head.lower().split(b"\r\n"))
             if k == b"content-length"),
            0,
        )  # fmt: skip
        await reader.readexactly(length)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/css\r\nContent-Length: 2\r\n\r\nok")
        await writer.drain()
        seen.append((await reader.readuntil(b"\r\n\r\n")).split(b"\r\n", 1)[0])

    return handler


@pytest.mark.parametrize(
    ("method", "body", "status", "times"),
    [
        ("GET", b"", 200, 1),  # was a 502: asked again on a new connection, as nginx does
        ("HEAD", b"", 200, 1),
        ("POST", b"a=1", 502, 0),  # not safe to send twice: the 502 page, sent once
    ],
)
async def test_a_request_that_meets_a_connection_the_origin_just_closed_is_asked_again(
    make_settings: Any, method: str, body: bytes, status: int, times: int
) -> None:
    seen: list[bytes] = []
    async with raw_origin(closing_on_reuse(seen)) as origin_url:
        async with serving(proxy_app(origin_url, settings=make_settings(RULES))) as url:
            async with httpx.AsyncClient(base_url=url) as client:
                first = await client.get("/first.css")
                second = await client.request(method, "/second.css", content=body)
    assert (first.status_code, second.status_code) == (200, status)
    line = f"{method} /second.css HTTP/1.1".encode()
    assert seen.count(line) == 1 + times  # the closed connection's, and the new one's


async def test_a_get_that_meets_several_closed_connections_is_asked_until_a_new_one(
    make_settings: Any,
) -> None:
    """proxy67: the one try more went out on another kept-alive connection the origin had
    closed too (three in the pool here): the visitor got a 502. The pool's idle connections
    are closed before it: the try more opens a new one."""
    seen: list[bytes] = []
    slow = closing_on_reuse(seen)

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(0.3)  # (the first three overlap: three connections in the pool)
        await slow(reader, writer)

    async with raw_origin(handler) as origin_url:
        async with serving(proxy_app(origin_url, settings=make_settings(RULES))) as url:
            async with httpx.AsyncClient(base_url=url) as client:
                firsts = await asyncio.gather(*(client.get(f"/f{n}.css") for n in range(3)))
                again = await client.get("/again.css")
    assert [r.status_code for r in firsts] == [200, 200, 200]
    assert again.status_code == 200
    # the closed one met, then a new connection's (the other idle ones closed before it)
    assert seen.count(b"GET /again.css HTTP/1.1") == 2


async def test_a_get_the_origin_drops_is_sent_to_it_twice_at_most(make_settings: Any) -> None:
    """review67: asking again until a try opened a new connection sent a request the origin
    reads and drops (a worker crashing on it) once per kept-alive connection of the pool."""
    seen: list[bytes] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            seen.append(head.split(b"\r\n", 1)[0])
            if b"/poison" in head:
                return  # read, then the connection dropped without an answer
            await asyncio.sleep(0.3)  # (the first three overlap: three connections kept)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            await writer.drain()

    async with raw_origin(handler) as origin_url:
        async with serving(proxy_app(origin_url, settings=make_settings(RULES))) as url:
            async with httpx.AsyncClient(base_url=url) as client:
                firsts = await asyncio.gather(*(client.get(f"/f{n}.css") for n in range(3)))
                poisoned = await client.get("/poison.css")
    assert [r.status_code for r in firsts] == [200, 200, 200]
    assert poisoned.status_code == 502
    assert seen.count(b"GET /poison.css HTTP/1.1") == 2  # (a kept connection's, a new one's)
