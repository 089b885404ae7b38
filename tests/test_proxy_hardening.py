"""The proxy against what an audit threw at it: visitors who leave, a full pool, odd URLs, an
origin that breaks off, httpoxy, spoofed forwarding headers, WebSocket handshakes."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import redis

from omotenashi import Settings
from omotenashi.proxy import ProxySettings, proxy_app
from omotenashi.proxy.forwarding import response_headers

from .live_server import serving

pytestmark = pytest.mark.anyio

BROWSER = {"accept": "text/html,*/*;q=0.8"}
PAGE = b'<!doctype html><html><body><h1 data-omo-slot="hero">Hello</h1></body></html>'


class Origin:
    """A raw ASGI origin that notes what reaches it: ``seen`` targets, ``headers`` of the
    last request, and how many endless streams were ``opened`` and ``closed``."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.headers: dict[str, str] = {}
        self.opened = 0
        self.closed = 0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        query = scope["query_string"].decode("latin-1")
        self.seen.append(scope["raw_path"].decode("latin-1") + (f"?{query}" if query else ""))
        self.headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        path = scope["path"]
        extra: list[tuple[bytes, bytes]] = []
        if path == "/forever":  # an event stream that ends only when the proxy hangs up
            self.opened += 1
            start = {"type": "http.response.start", "status": 200}
            await send({**start, "headers": [(b"content-type", b"text/event-stream")]})
            await send({"type": "http.response.body", "body": b"data: 1\n\n", "more_body": True})
            while (await receive())["type"] != "http.disconnect":
                pass
            self.closed += 1
            return
        if path == "/page":
            extra = [(b"content-type", b"text/html; charset=utf-8")]
        if path == "/hop":
            extra = [(b"proxy", b"http://evil:1"), (b"proxy-foo", b"1"), (b"x-kept", b"1")]
        body = PAGE if path == "/page" else b"ok"
        await send({"type": "http.response.start", "status": 200, "headers": extra})
        await send({"type": "http.response.body", "body": body})


@asynccontextmanager
async def proxied(
    settings: Settings, config: ProxySettings | None = None, ws: str = "auto"
) -> AsyncIterator[tuple[str, Origin]]:
    origin = Origin()
    async with serving(origin) as origin_url:
        async with serving(proxy_app(origin_url, settings=settings, config=config), ws=ws) as url:
            yield url, origin


async def raw_get(
    url: str, target: str, extra: str = "", connection: str = "close"
) -> tuple[int, bytes]:
    """GET ``target`` exactly as written (httpx would escape it): (status, body)."""
    top, body = await raw_request(url, "GET", target, extra, connection)
    return int(top.split()[1]), body


async def raw_request(
    url: str, method: str, target: str, extra: str = "", connection: str = "close"
) -> tuple[bytes, bytes]:
    """``method target`` exactly as written: (the answer's head, its body)."""
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    try:
        head = f"{method} {target} HTTP/1.1\r\nHost: shop.example\r\n{extra}"
        writer.write(f"{head}Connection: {connection}\r\n\r\n".encode("latin-1"))
        await writer.drain()
        answer = await reader.read()
    finally:
        writer.close()
        await writer.wait_closed()
    top, _, body = answer.partition(b"\r\n\r\n")
    return top, body


async def until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    for _ in range(int(timeout / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("never happened")


async def open_stream(url: str) -> asyncio.StreamWriter:
    """A visitor who opens /forever through the proxy and reads its first event."""
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    writer.write(
        b"GET /forever HTTP/1.1\r\nHost: shop.example\r\nAccept: text/event-stream\r\n\r\n"
    )
    await writer.drain()
    await asyncio.wait_for(reader.readuntil(b"data: 1\n\n"), timeout=30)  # only if broken
    return writer


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings(max_body=4096)


async def test_visitors_who_leave_free_their_origin_connections(settings: Settings) -> None:
    """README: each open stream holds one connection of the pool, and gives it back when its
    visitor leaves. More visitors than connections leave; the next one is answered."""
    config = ProxySettings(max_connections=4, connect_timeout=2.0)
    async with proxied(settings, config) as (url, origin):
        for _ in range(3):  # 12 streams in all: the pool only holds 4 at a time
            writers = [await open_stream(url) for _ in range(4)]
            for writer in writers:
                writer.close()
            await until(lambda: origin.closed == origin.opened)  # the proxy hung up on them
        async with httpx.AsyncClient(base_url=url) as client:
            innocent = await client.get("/ok")
    assert (origin.opened, origin.closed) == (12, 12)
    assert innocent.status_code == 200 and innocent.text == "ok"


async def test_a_full_pool_says_busy(settings: Settings, caplog: pytest.LogCaptureFixture) -> None:
    config = ProxySettings(max_connections=2, connect_timeout=0.3)
    async with proxied(settings, config) as (url, origin):
        writers = [await open_stream(url) for _ in range(2)]
        async with httpx.AsyncClient(base_url=url) as client:
            busy = await client.get("/ok")
        for writer in writers:
            writer.close()
        await until(lambda: origin.closed == 2)
    assert busy.status_code == 503
    assert "<h1>Service Unavailable</h1>" in busy.text and "busy" in busy.text
    assert busy.headers["cache-control"] == "no-store"
    said = [r.getMessage() for r in caplog.records if r.name == "omotenashi.proxy"]
    assert any("all 2 connections to the origin are busy" in line for line in said)


@pytest.mark.parametrize(
    ("target", "status", "origin_sees"),
    [
        ("/a#b", 200, "/a%23b"),
        ("/a?x=#y&z=1", 200, "/a?x=%23y&z=1"),
        ("/#", 200, "/%23"),
        ("/a?q=" + "x" * 100_000, 414, None),
    ],
)
async def test_a_hash_or_a_huge_query_gets_an_answer_not_a_500(
    settings: Settings,
    caplog: pytest.LogCaptureFixture,
    target: str,
    status: int,
    origin_sees: str | None,
) -> None:
    caplog.set_level(logging.INFO, logger="omotenashi.proxy")
    async with proxied(settings) as (url, origin):
        got, body = await raw_get(url, target)
    assert got == status
    assert origin.seen == ([origin_sees] if origin_sees else [])
    if origin_sees is None:
        assert b"<h1>URI Too Long</h1>" in body
        said = [r for r in caplog.records if r.name == "omotenashi.proxy"]
        assert len(said) == 1 and "414" in said[0].getMessage()
        assert said[0].levelno == logging.INFO  # the sender's doing, as often as they like


@asynccontextmanager
async def origin_that_breaks_off() -> AsyncIterator[str]:
    """A raw HTTP origin: an HTML page that promises more bytes than it sends, then closes."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = await reader.readuntil(b"\r\n\r\n")
        whole = b" /whole " in request.split(b"\r\n", 1)[0]
        body = PAGE if whole else PAGE[:40]
        head = b"HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\n"
        writer.write(head + b"content-length: %d\r\n\r\n" % len(PAGE) + body)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        server.close()
        await server.wait_closed()


async def test_an_origin_breaking_off_is_one_warning_and_no_page_view(
    settings: Settings, caplog: pytest.LogCaptureFixture, omotenashi_redis: redis.Redis
) -> None:
    server_log = logging.getLogger("uvicorn.error")
    async with origin_that_breaks_off() as origin:
        app = proxy_app(origin, settings=settings)
        async with serving(app) as url, httpx.AsyncClient(base_url=url) as client:
            server_log.addHandler(caplog.handler)  # uvicorn's own logging does not propagate
            try:
                with pytest.raises(httpx.RemoteProtocolError):  # the visitor's connection cut
                    await client.get("/broken", headers=BROWSER)
                whole = await client.get("/whole", headers=BROWSER)
            finally:
                server_log.removeHandler(caplog.handler)
            await app.drain()
    assert whole.status_code == 200
    assert not [r for r in caplog.records if r.exc_info]  # no traceback, from us or uvicorn
    ours = [r.getMessage() for r in caplog.records if r.name == "omotenashi.proxy"]
    assert len(ours) == 1 and "broke off mid-body" in ours[0]
    views = [omotenashi_redis.hget(key, "V") for key in omotenashi_redis.scan_iter("omo:*:p2")]
    assert views == ["1"]  # the whole page only


async def test_httpoxy_and_other_proxy_fields_are_dropped_both_ways(settings: Settings) -> None:
    sent = {"proxy": "http://evil:1", "proxy-foo": "1", "proxy-authorization": "Basic eA=="}
    async with proxied(settings) as (url, origin), httpx.AsyncClient(base_url=url) as client:
        response = await client.get("/hop", headers={**sent, "x-kept": "yes"})
    assert not [name for name in origin.headers if name == "proxy" or name.startswith("proxy-")]
    assert origin.headers["x-kept"] == "yes"
    assert "proxy" not in response.headers and "proxy-foo" not in response.headers
    assert response.headers["x-kept"] == "1"


SPOOFED = {
    "forwarded": "for=6.6.6.6;proto=https;host=evil.test",
    "x-forwarded-port": "443",
    "x-forwarded-server": "evil.test",
    "x-forwarded-prefix": "/admin",
    "x-forwarded-ssl": "on",
    "x-real-ip": "6.6.6.6",
}


async def test_a_visitors_own_forwarding_headers_never_reach_the_origin(
    settings: Settings,
) -> None:
    async with proxied(settings) as (url, origin), httpx.AsyncClient(base_url=url) as client:
        await client.get("/ok", headers=SPOOFED)
    assert not set(SPOOFED) & set(origin.headers)
    assert origin.headers["x-forwarded-for"] == "127.0.0.1"
    assert origin.headers["x-forwarded-proto"] == "http"


@pytest.mark.parametrize("ws", ["none"])  # the server has no websocket library (ws50: with one,
# the handshake goes to the origin: tests/test_proxy_websocket50.py)
async def test_a_websocket_handshake_is_refused_before_the_origin(
    settings: Settings, ws: str
) -> None:
    """A server without a websocket library hands the handshake over as http: refused, with
    why, before the origin (with one, it goes to the origin: test_proxy_websocket50.py)."""
    handshake = "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: eA==\r\n"
    async with proxied(settings, ws=ws) as (url, origin):
        status, body = await raw_get(url, "/socket", handshake, connection="Upgrade, close")
    assert status == 501 and b"WebSockets are not proxied" in body
    assert origin.seen == []


@pytest.mark.parametrize(
    ("base", "location", "expected"),
    [
        (b"http://origin", b"http://origin:80/x", b"/x"),
        (b"http://origin:80", b"http://origin/x?y=1", b"/x?y=1"),
        (b"http://origin", b"//origin/x", b"/x"),
        (b"https://origin", b"//Origin/x", b"/x"),
        (b"https://origin", b"http://origin/x", b"/x"),  # an origin unaware of its TLS
        (b"https://origin", b"https://origin:443/x", b"/x"),
        (b"http://origin:8080/site", b"//origin:8080/site/a#f", b"/a#f"),
        (b"http://origin:8080/site", b"http://origin:8080/site#f", b"/#f"),
        (b"http://[::1]:9001", b"http://[::1]:9001/a", b"/a"),
        # Other hosts, ports, paths and schemes stay as they are.
        (b"http://origin", b"https://origin/x", b"https://origin/x"),  # the origin asks TLS
        (b"https://origin", b"http://origin:8443/x", b"http://origin:8443/x"),
        (b"http://origin", b"http://origin:8080/x", b"http://origin:8080/x"),
        (b"http://origin", b"//evil.example/x", b"//evil.example/x"),
        (b"http://origin", b"http://origin.evil/x", b"http://origin.evil/x"),
        (b"http://origin", b"http://user@origin/x", b"http://user@origin/x"),
        (b"http://origin", b"http://origin//evil.example/", b"http://origin//evil.example/"),
        # a browser drops tabs and newlines and reads "\\" as "/": "/<tab>/evil" is "//evil"
        (b"http://origin", b"http://origin/\t/evil.example/", b"http://origin/\t/evil.example/"),
        (b"http://origin", b"http://origin/\n\\evil.example/", b"http://origin/\n\\evil.example/"),
        (b"http://origin:8080/site", b"//origin:8080/sitemap", b"//origin:8080/sitemap"),
        (b"http://origin", b"ftp://origin/x", b"ftp://origin/x"),
    ],
)
def test_every_spelling_of_the_origins_own_address_becomes_relative(
    base: bytes, location: bytes, expected: bytes
) -> None:
    assert response_headers([(b"location", location)], base) == [(b"location", expected)]


@pytest.mark.parametrize("path", [b"/a", b"/_omotenashi/preferences"])
@pytest.mark.parametrize(
    ("host", "status"),
    [
        (b"shop.example", 200),
        (b"shop.example:8080", 200),
        (b"127.0.0.1", 200),
        (b"[::1]:8080", 200),
        (b"shop.example evil", 400),
        (b"shop.example@evil.example", 400),
        (b"evil.example/x?", 400),
        (b"", 400),
    ],
)
async def test_a_host_that_names_no_host_is_refused_before_the_origin(
    settings: Settings, host: bytes, status: int, path: bytes
) -> None:
    """proxy67: such Hosts went on to the origin (as X-Forwarded-Host, or as the Host with
    OMOTENASHI_PROXY_PRESERVE_HOST); RFC 9112 3.2 asks for a 400."""
    async with proxied(settings) as (url, origin):
        parts = urlsplit(url)
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        writer.write(
            b"GET " + path + b" HTTP/1.1\r\nHost: " + host + b"\r\nConnection: close\r\n\r\n"
        )
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(), 10)
        writer.close()
    assert int(answer.split()[1]) == status
    assert origin.seen == (["/a"] if status == 200 and path == b"/a" else [])
