"""An app that breaks off mid-body (raises, or returns before its last byte) gets from us what
it sent, as it sent it and still unfinished, and then its own error: the server cuts the
connection as it would have done without Omotenashi, instead of answering 500."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from omotenashi import Omotenashi, forget, track
from omotenashi.proxy import proxy_app

from .live_server import serving
from .test_middleware import PAGE, RULES, SNIPPETS, Make

pytestmark = pytest.mark.anyio

Message = dict[str, Any]
HTML = [(b"content-type", b"text/html; charset=utf-8")]
HALF = PAGE.encode()[: len(PAGE) // 2]
KINDS = {
    "html": (HTML, HALF),
    "non-html": ([(b"content-type", b"application/json")], b'{"half": '),
    "gzip-html": (
        [*HTML, (b"content-encoding", b"gzip")],
        gzip.compress(PAGE.encode())[:40],
    ),
}
HOWS = ["raise-after-start", "raise-after-part", "return-after-start", "return-after-part"]
BROWSER = {"accept": "text/html,*/*;q=0.8"}


class AppBroke(Exception):
    """What the test apps raise mid-body."""


def site(
    how: str = "raise-after-part", kind: str = "html", *, sent: list[Message] | None = None
) -> Any:
    """``/`` is a whole page; any other path sends the start (and part of the body, a
    ``*-part``) of ``kind`` and then raises or returns. ``/out`` signs the visitor out first,
    ``/track`` tracks an event first. The messages the app sent go into ``sent``."""
    headers, part = KINDS[kind]
    log = sent if sent is not None else []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["path"] == "/":
            await send({"type": "http.response.start", "status": 200, "headers": HTML})
            await send({"type": "http.response.body", "body": PAGE.encode()})
            return
        if scope["path"] == "/out":
            await forget(scope)
        if scope["path"] == "/track":
            await track(scope, "signup")
        messages: list[Message] = [
            {"type": "http.response.start", "status": 200, "headers": list(headers)}
        ]
        if how.endswith("part"):
            messages.append({"type": "http.response.body", "body": part, "more_body": True})
        for message in messages:
            log.append(message)
            await send(message)
        if how.startswith("raise"):
            raise AppBroke("the app broke off")

    return app


def request(path: str, cookie: str | None = None) -> dict[str, Any]:
    """An ASGI scope: a browser's GET of ``path`` (a query that would personalise the page)."""
    headers = [(b"host", b"shop.test"), (b"accept", b"text/html")]
    if cookie is not None:
        headers.append((b"cookie", f"omo_vid={cookie}".encode()))
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"utm_campaign=spring",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("shop.test", 80),
        "state": {},
    }


async def call(mw: Omotenashi, scope: dict[str, Any]) -> tuple[list[Message], Exception | None]:
    """What the middleware sent the server, and what it raised."""
    got: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        got.append(message)

    try:
        await mw(scope, receive, send)
    except AppBroke as exc:
        return got, exc
    return got, None


def cookie_of(start: Message) -> str | None:
    for key, value in start.get("headers", []):
        if key == b"set-cookie" and value.startswith(b"omo_vid="):
            return str(value.split(b";")[0].split(b"=", 1)[1].decode())
    return None


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("how", HOWS)
async def test_the_server_gets_what_the_app_sent_then_its_error(
    make_settings: Make, how: str, kind: str
) -> None:
    sent: list[Message] = []
    mw = Omotenashi(site(how, kind, sent=sent), settings=make_settings(RULES, SNIPPETS))
    await mw.startup()
    try:
        got, raised = await call(mw, request("/broken"))
    finally:
        await mw.shutdown()
    assert got == sent
    assert all(m.get("more_body") for m in got[1:])  # unfinished: the server cuts it
    if how.startswith("raise"):
        assert isinstance(raised, AppBroke) and str(raised) == "the app broke off"
    else:
        assert raised is None


@pytest.mark.parametrize("how", ["raise-after-part", "return-after-part"])
async def test_many_held_parts_go_out_as_one_body_in_order(make_settings: Make, how: str) -> None:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": HTML})
        for byte in HALF:
            await send({"type": "http.response.body", "body": bytes([byte]), "more_body": True})
        if how.startswith("raise"):
            raise AppBroke("the app broke off")

    mw = Omotenashi(app, settings=make_settings(RULES, SNIPPETS))
    await mw.startup()
    try:
        got, raised = await call(mw, request("/broken"))
    finally:
        await mw.shutdown()
    assert got == [
        {"type": "http.response.start", "status": 200, "headers": HTML},
        {"type": "http.response.body", "body": HALF, "more_body": True},
    ]
    assert (raised is not None) == how.startswith("raise")


@pytest.mark.parametrize("how", ["raise-after-start", "return-after-part"])
async def test_a_sign_out_before_the_break_still_changes_the_cookie(
    make_settings: Make, how: str
) -> None:
    """The app's own session cookie is cleared in its start: ours must not keep the user's."""
    mw = Omotenashi(site(how), settings=make_settings(RULES, SNIPPETS))
    await mw.startup()
    try:
        whole, _ = await call(mw, request("/"))
        before = cookie_of(whole[0])
        assert before is not None
        got, _ = await call(mw, request("/out", before))
    finally:
        await mw.shutdown()
    after = cookie_of(got[0])
    assert after is not None and after != before
    assert mw.signer.identify(f"omo_vid={after}").vid != mw.signer.identify(f"omo_vid={before}").vid
    assert (b"cache-control", b"private") in got[0]["headers"]
    assert [m["body"] for m in got[1:]] == ([HALF] if how.endswith("part") else [])


@pytest.mark.parametrize(("how", "signups"), [("raise-after-part", 0), ("return-after-part", 1)])
async def test_a_broken_page_is_no_page_view_and_a_raise_writes_nothing(
    make_settings: Make, how: str, signups: int
) -> None:
    """Nobody saw a whole page: no view, no exposure. The app that raised failed: its events
    are not written (as when it raises before its response); one that returned did its work."""
    mw = Omotenashi(site(how), settings=make_settings(RULES, SNIPPETS))
    await mw.startup()
    try:
        whole, _ = await call(mw, request("/"))
        cookie = cookie_of(whole[0])
        assert cookie is not None
        await mw.drain()
        visitor = mw.signer.identify(f"omo_vid={cookie}").vid
        assert (await mw.store.load(visitor)).views == 1
        await call(mw, request("/track", cookie))
        await mw.drain()
        profile = await mw.store.load(visitor)
    finally:
        await mw.shutdown()
    assert profile.views == 1
    assert profile.events.get("signup", 0) == signups
    assert mw.metrics["bypassed"] == 1


async def read_until_cut(response: httpx.Response) -> tuple[bytes, bool]:
    """The bytes that arrived, and whether the connection was cut before the body's end."""
    got = b""
    try:
        async for chunk in response.aiter_raw():
            got += chunk
    except httpx.RemoteProtocolError:
        return got, True
    return got, False


@pytest.mark.parametrize("how", ["raise-after-part", "return-after-part"])
async def test_a_real_server_sends_the_partial_page_and_cuts_it(
    make_settings: Make, how: str
) -> None:
    mw = Omotenashi(site(how), settings=make_settings(RULES, SNIPPETS))
    async with serving(mw, lifespan="off") as url, httpx.AsyncClient(base_url=url) as client:
        async with client.stream("GET", "/broken?utm_campaign=spring", headers=BROWSER) as r:
            status = r.status_code
            got, cut = await read_until_cut(r)
    assert status == 200
    assert got == HALF and cut


@asynccontextmanager
async def origin_that_breaks_off() -> AsyncIterator[str]:
    """A raw HTTP origin: an HTML page that promises more bytes than it sends, then closes."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(
            b"HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\n"
            b"content-length: %d\r\n\r\n" % (len(HALF) * 4) + HALF
        )
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.close()
        await server.wait_closed()


async def test_the_proxy_cuts_an_origin_page_that_breaks_off(make_settings: Make) -> None:
    """README, the proxy's failures: the visitor's connection is cut (not a 500)."""
    async with origin_that_breaks_off() as origin:
        app = proxy_app(origin, settings=make_settings(RULES, SNIPPETS))
        async with serving(app) as url, httpx.AsyncClient(base_url=url) as client:
            async with client.stream("GET", "/page", headers=BROWSER) as response:
                status = response.status_code
                got, cut = await read_until_cut(response)
    assert status == 200
    assert got == HALF and cut
