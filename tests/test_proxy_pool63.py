"""The proxy's origin connection after a response that may leave bytes behind (a HEAD, a 204 or
304 with a body, bytes past a Content-Length) is closed before the pool can give it to another
visitor's request waiting for one (sec63: httpx gave it back as the body ended, before the
proxy closed it; the waiting visitor read the stray bytes as their answer, or got a 502 as it
was closed under their request). A real origin on a socket, the real proxy under uvicorn."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from omotenashi.proxy import proxy_app
from omotenashi.proxy.config import ProxySettings

from .live_server import serving
from .test_proxy_edges39 import A_PAGE, B_PAGE, TRAILING

pytestmark = pytest.mark.anyio


async def slow_origin(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Answers every request on one connection: ``/a/<kind>`` after 0.3 s, as TRAILING says
    (``/a/clean``: a HEAD answered rightly), anything else at once with B's page (a POST's
    body read first)."""
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            target = head.split(b" ", 2)[1]
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    await reader.readexactly(int(line.split(b":")[1]))
            if target.startswith(b"/a/"):
                await asyncio.sleep(0.3)
                kind = target[3:].decode()
                clean = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(A_PAGE)
                sent = clean if kind == "clean" else TRAILING[kind] % (len(A_PAGE), A_PAGE)
            else:
                sent = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(B_PAGE), B_PAGE)
            writer.write(sent)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


@pytest.mark.parametrize(
    ("kind", "method", "then"),
    [
        ("head", "HEAD", "POST"),  # B read A's stray bytes as its answer (a GET: asked again)
        ("204", "GET", "POST"),
        ("excess", "GET", "GET"),
        ("clean", "HEAD", "POST"),  # B's POST was cut as the connection closed: 502
        ("clean", "HEAD", "GET"),
    ],
)
async def test_a_visitor_waiting_for_the_connection_gets_their_own_answer(
    make_settings: Any, kind: str, method: str, then: str
) -> None:
    server = await asyncio.start_server(slow_origin, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    config = ProxySettings(max_connections=1)  # (B waits for A's connection)
    app = proxy_app(f"http://127.0.0.1:{port}", settings=make_settings(), config=config)
    try:
        async with serving(app) as url:
            async with httpx.AsyncClient(base_url=url) as a, httpx.AsyncClient(base_url=url) as b:

                async def later() -> httpx.Response:
                    await asyncio.sleep(0.1)  # A holds the one connection by now
                    return await b.request(then, "/b", content=b"x=1" if then == "POST" else None)

                first, second = await asyncio.gather(a.request(method, f"/a/{kind}"), later())
    finally:
        server.close()
        await server.wait_closed()
    assert first.status_code in (200, 204)
    assert (second.status_code, second.content) == (200, B_PAGE)


async def trusting_origin(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """An origin under /site that believes X-Forwarded-Host and -Proto (Django's
    USE_X_FORWARDED_HOST): it redirects to its home on the address the visitor used."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
        fields = dict(
            line.lower().split(b": ", 1) for line in head.split(b"\r\n")[1:] if b": " in line
        )
        home = b"%s://%s/site/home" % (fields[b"x-forwarded-proto"], fields[b"x-forwarded-host"])
        writer.write(b"HTTP/1.1 302 Found\r\nLocation: " + home + b"\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()
    finally:
        writer.close()


async def test_a_redirect_to_the_visitors_own_address_under_the_base_path_is_made_relative(
    make_settings: Any,
) -> None:
    # (sec63: it went out as http://<host>/site/home, the visitor landed on /site/site/home)
    server = await asyncio.start_server(trusting_origin, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    app = proxy_app(f"http://127.0.0.1:{port}/site", settings=make_settings())
    try:
        async with serving(app) as url:
            async with httpx.AsyncClient(base_url=url) as client:
                answer = await client.get("/login", headers={"host": "shop.example"})
    finally:
        server.close()
        await server.wait_closed()
    assert (answer.status_code, answer.headers["location"]) == (302, "/home")


BIG = b"x" * (1 << 20)


async def big_origin(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """``/big``: 1 MB in pieces (a HEAD of it with a stray body); anything else: a short page."""
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            method, target = head.split(b" ", 2)[:2]
            if target.startswith(b"/big"):
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(BIG))
                if method == b"HEAD":
                    writer.write(b"stray")
                for i in range(0, len(BIG) if method != b"HEAD" else 0, 65536):
                    writer.write(BIG[i : i + 65536])
                    await writer.drain()
            else:
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (2, b"ok"))
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def test_the_pool_keeps_every_connection_through_heads_and_pages_at_once(
    make_settings: Any,
) -> None:
    # (last63: a response closed once its last byte had gone out was cancelled inside
    # httpcore's close as the visitor's side ended; the pool kept that connection as in use
    # for good, and once all 4 were, every request was answered 503)
    server = await asyncio.start_server(big_origin, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    config = ProxySettings(max_connections=4, connect_timeout=3.0)
    app = proxy_app(f"http://127.0.0.1:{port}", settings=make_settings(), config=config)
    try:
        async with serving(app) as url:
            async with httpx.AsyncClient(base_url=url, timeout=30) as client:
                at_once = asyncio.Semaphore(16)

                async def one(index: int) -> int:
                    async with at_once:
                        method = "HEAD" if index % 2 else "GET"
                        return (
                            await client.request(method, "/big" if index % 2 else "/p")
                        ).status_code

                during = await asyncio.gather(*(one(i) for i in range(160)))
                after = await asyncio.gather(*(client.get("/p") for _ in range(8)))
    finally:
        server.close()
        await server.wait_closed()
    assert during.count(200) == len(during), sorted(set(during))
    assert [(a.status_code, a.content) for a in after] == [(200, b"ok")] * 8
