"""Slow uploaders against ``omotenashi proxy``: small bodies are read whole before the origin
is asked, every body is read at a least rate (else 408), and streamed uploads hold at most
half the pool, so pages always find a connection to the origin."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from omotenashi import Settings
from omotenashi.proxy import EdgeSettings, ProxySettings, proxy_app
from omotenashi.proxy.uploads import buffered_length

from .live_server import serving
from .test_proxy_hardening import until

pytestmark = pytest.mark.anyio

BROWSER = {"accept": "text/html,*/*;q=0.8"}
PAGE = b'<!doctype html><html><body><h1 data-omo-slot="hero">Hello</h1></body></html>'
SLOW_PAGE_BOUND = 20.0  # seconds: "answered at all", never a timing claim
Visitor = tuple[asyncio.StreamReader, asyncio.StreamWriter]


class Origin:
    """A raw ASGI origin: ``/echo`` answers the size of the body it got; ``bodies`` lists each
    request's body size as it reached the origin (None: cut off before its end)."""

    def __init__(self) -> None:
        self.bodies: list[int | None] = []

    @property
    def arrived(self) -> int:
        return len(self.bodies)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        index = len(self.bodies)
        self.bodies.append(None)
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the proxy hung up mid-body
            size += len(message.get("body", b""))
            if not message.get("more_body", False):
                break
        self.bodies[index] = size
        if scope["path"] == "/echo":
            body, kind = json.dumps({"size": size}).encode(), b"application/json"
        else:
            body, kind = PAGE, b"text/html; charset=utf-8"
        headers = [(b"content-type", kind), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})


@asynccontextmanager
async def proxied(settings: Settings, config: ProxySettings) -> AsyncIterator[tuple[str, Origin]]:
    origin = Origin()
    async with serving(origin) as origin_url:
        async with serving(proxy_app(origin_url, settings=settings, config=config)) as url:
            yield url, origin


@asynccontextmanager
async def visitors() -> AsyncIterator[list[Visitor]]:
    """Raw connections, all closed at the end (a stalled upload must not outlive its test)."""
    opened: list[Visitor] = []
    try:
        yield opened
    finally:
        for _, writer in opened:
            writer.close()


async def upload(opened: list[Visitor], url: str, head: bytes, first: bytes) -> Visitor:
    """A visitor who POSTs to /echo with ``head`` and sends ``first`` of their body."""
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    opened.append((reader, writer))
    writer.write(b"POST /echo HTTP/1.1\r\nHost: shop.example\r\n" + head + b"\r\n" + first)
    await writer.drain()
    return reader, writer


async def send(visitor: Visitor, data: bytes) -> None:
    visitor[1].write(data)
    await visitor[1].drain()


async def answer(visitor: Visitor) -> tuple[int, bytes]:
    """The status and body of the response the visitor gets (failing if none comes at all)."""

    async def read() -> tuple[int, bytes]:
        head = await visitor[0].readuntil(b"\r\n\r\n")
        length = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
        assert length is not None, head
        return int(head.split()[1]), await visitor[0].readexactly(int(length[1]))

    return await asyncio.wait_for(read(), timeout=SLOW_PAGE_BOUND)


async def get_page(url: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=url, timeout=SLOW_PAGE_BOUND) as client:
        return await client.get("/page", headers=BROWSER)


def said(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "omotenashi.proxy"]


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings(max_body=4096)


async def test_slow_small_uploads_hold_no_origin_connection(settings: Settings) -> None:
    """More slow small-body uploaders than the pool has connections: a page still gets 200,
    and each upload reaches the origin whole once it is all in."""
    config = ProxySettings(max_connections=2, connect_timeout=0.5, body_timeout=30)
    async with proxied(settings, config) as (url, origin), visitors() as opened:
        slow = [await upload(opened, url, b"Content-Length: 100\r\n", b"x") for _ in range(4)]
        await asyncio.sleep(0.3)  # time enough to take every origin connection (the old code did)
        page = await get_page(url)
        before = list(origin.bodies)
        for visitor in slow:
            await send(visitor, b"y" * 99)
        answers = [await answer(visitor) for visitor in slow]
    assert page.status_code == 200 and ">Hello<" in page.text
    assert before == [0]  # only the page's request had reached the origin
    assert answers == [(200, b'{"size": 100}')] * 4


@pytest.mark.parametrize(
    ("head", "first"),
    [
        (b"Content-Length: 1000000\r\n", b"x"),  # past the buffer: streamed
        (b"Transfer-Encoding: chunked\r\n", b"1\r\nx\r\n"),  # no length: streamed
    ],
    ids=["large", "chunked"],
)
async def test_slow_streamed_uploads_hold_at_most_half_the_pool(
    settings: Settings, caplog: pytest.LogCaptureFixture, head: bytes, first: bytes
) -> None:
    """Three slow streamed uploads, a pool of two: one takes the one upload slot and gets 408
    past its deadline, two find no slot and get 503; a page meanwhile gets the other
    connection."""
    caplog.set_level(logging.INFO, logger="omotenashi.proxy")
    config = ProxySettings(
        max_connections=2, connect_timeout=0.5, body_timeout=1, body_min_rate=1000
    )
    async with proxied(settings, config) as (url, _), visitors() as opened:
        slow = [await upload(opened, url, head, first) for _ in range(3)]
        await asyncio.sleep(0.3)  # time enough to take every origin connection (the old code did)
        page = await get_page(url)
        assert page.status_code == 200 and ">Hello<" in page.text  # (the old code: 503)
        statuses = sorted([(await answer(visitor))[0] for visitor in slow])
    assert statuses == [408, 503, 503]
    lines = said(caplog)
    busy = sum("all 1 upload slots to the origin are busy" in line for line in lines)
    assert busy == 1  # two refusals, one line: once a minute per kind (omotenashi/quiet.py)
    assert sum("answered 408" in line for line in lines) == 1


@pytest.mark.parametrize(
    ("size", "head", "pieces", "buffered"),
    [
        (2000, b"Content-Length: 2000\r\n", [b"z" * 400] * 5, True),  # exactly the buffer
        (2001, b"Content-Length: 2001\r\n", [b"z" * 400] * 4 + [b"z" * 401], False),
        (2000, b"Transfer-Encoding: chunked\r\n", [b"190\r\n" + b"z" * 400 + b"\r\n"] * 5, False),
    ],
    ids=["at-the-buffer", "past-the-buffer", "chunked"],
)
async def test_a_body_sent_slowly_within_the_rate_reaches_the_origin_whole(
    settings: Settings, size: int, head: bytes, pieces: list[bytes], buffered: bool
) -> None:
    """Past BODY_TIMEOUT alone but within the rate: the body arrives whole. One within the
    buffer reaches the origin only once it is all in; a larger or chunked one streams."""
    config = ProxySettings(body_buffer=2000, body_timeout=1, body_min_rate=500)  # 5 s for 2000
    end = b"0\r\n\r\n" if b"chunked" in head else b""
    async with proxied(settings, config) as (url, origin), visitors() as opened:
        visitor = await upload(opened, url, head, b"")
        for piece in pieces[:-1]:
            await send(visitor, piece)
            await asyncio.sleep(0.3)
        if not buffered:
            await until(lambda: origin.arrived == 1)  # streaming to the origin already
        before = origin.arrived
        await send(visitor, pieces[-1] + end)
        status, body = await answer(visitor)
    assert (status, json.loads(body)) == (200, {"size": size})
    assert before == (0 if buffered else 1)  # a buffered body reached the origin only whole
    assert origin.bodies == [size]


@pytest.mark.parametrize(
    ("head", "buffered"),
    [(b"Content-Length: 100\r\n", True), (b"Content-Length: 1000000\r\n", False)],
    ids=["buffered", "streamed"],
)
async def test_a_body_that_stalls_gets_408_and_frees_the_origin(
    settings: Settings, caplog: pytest.LogCaptureFixture, head: bytes, buffered: bool
) -> None:
    """Ten bytes, then nothing: a 408 page once past the deadline, the visitor's connection
    closed, one log line with the path and the bytes received, no traceback. A buffered body
    never reached the origin; a streamed one's origin connection (the whole pool here) is
    freed for the next request."""
    caplog.set_level(logging.INFO, logger="omotenashi.proxy")
    config = ProxySettings(
        max_connections=1, connect_timeout=0.5, body_timeout=1, body_min_rate=1000
    )
    async with proxied(settings, config) as (url, origin), visitors() as opened:
        visitor = await upload(opened, url, head, b"x" * 10)
        status, body = await answer(visitor)
        rest = await asyncio.wait_for(visitor[0].read(), timeout=SLOW_PAGE_BOUND)
        seen = list(origin.bodies)
        page = await get_page(url)
    assert status == 408 and b"<h1>Request Timeout</h1>" in body
    assert seen == ([] if buffered else [None])  # None: cut off mid-body
    assert rest == b""  # the proxy closed the connection: the body's rest goes nowhere
    assert page.status_code == 200
    assert not [r for r in caplog.records if r.exc_info]
    (line,) = [line for line in said(caplog) if "408" in line]
    assert "/echo" in line and "sent 10 bytes" in line


@pytest.mark.parametrize(
    ("method", "content"),
    [("POST", b""), ("POST", None), ("PUT", b"a=1"), ("GET", "no body")],
    ids=["content-length-0", "chunked-empty", "small", "no-body"],
)
async def test_empty_and_small_bodies_pass_as_before(
    settings: Settings, method: str, content: bytes | str | None
) -> None:
    async def nothing() -> AsyncIterator[bytes]:
        return
        yield b""

    config = ProxySettings()
    async with proxied(settings, config) as (url, origin):
        async with httpx.AsyncClient(base_url=url) as client:
            if content == "no body":
                response = await client.request(method, "/echo")
            else:
                body = nothing() if content is None else content
                response = await client.request(method, "/echo", content=body)
    size = len(content) if isinstance(content, bytes) else 0
    assert response.json() == {"size": size}
    assert origin.bodies == [size]


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ([(b"content-length", b"0")], 0),
        ([(b"content-length", b"65536")], 65536),  # exactly the buffer
        ([(b"content-length", b"65537")], None),
        ([(b"Content-Length", b" 12 ")], 12),
        ([(b"content-length", b"12abc")], None),  # not a length: streamed as sent
        ([(b"content-length", b"")], None),
        ([(b"content-length", b"1" * 5000)], None),  # too many digits for int()
        ([(b"content-length", b"5"), (b"content-length", b"5")], None),
        ([(b"content-length", b"5"), (b"transfer-encoding", b"chunked")], None),
        ([(b"transfer-encoding", b"chunked")], None),
        ([], None),
    ],
)
def test_only_a_body_of_a_known_small_length_is_read_whole(
    headers: list[tuple[bytes, bytes]], expected: int | None
) -> None:
    assert buffered_length(headers, 65536) == expected


def test_the_upload_settings_are_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OMOTENASHI_PROXY_BODY_BUFFER", "1024")
    monkeypatch.setenv("OMOTENASHI_PROXY_BODY_TIMEOUT", "7.5")
    monkeypatch.setenv("OMOTENASHI_PROXY_BODY_MIN_RATE", "250")
    proxy = EdgeSettings(secret_keys=["k"]).proxy
    assert (proxy.body_buffer, proxy.body_timeout, proxy.body_min_rate) == (1024, 7.5, 250)
    assert ProxySettings().model_dump(include={"body_buffer", "body_timeout", "body_min_rate"}) == {
        "body_buffer": 65536,
        "body_timeout": 20.0,
        "body_min_rate": 500,
    }
