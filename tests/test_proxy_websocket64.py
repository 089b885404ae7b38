"""A WebSocket's handshake through ``omotenashi proxy`` under a base path gets the address and
cookie rewrites an HTTP response gets (final63): an accepted handshake's Set-Cookie has its
``Path`` under the base path made the visitor's and a ``Domain`` that is the origin's own
dropped; a refusal's Location on the visitor's own host under the base path is made relative.
A real origin and the proxy under real uvicorn servers, a real client (wsproto)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, Event, RejectConnection, Request

from omotenashi import Settings
from omotenashi.proxy import ProxySettings, proxy_app
from omotenashi.proxy.wsguard import GuardedWSProtocol

from .live_server import serving

pytestmark = pytest.mark.anyio


async def origin(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Accepts ``/base/chat`` with its own cookies; refuses anything else with a redirect to
    its login page on the address the visitor used (an origin trusting X-Forwarded-Host)."""
    if scope["type"] != "websocket":
        return
    await receive()  # websocket.connect
    if scope["path"] == "/base/chat":
        cookies = [
            (b"set-cookie", b"room=7; Path=/base/chat; HttpOnly"),
            (b"set-cookie", b"seat=2; Domain=127.0.0.1; Path=/"),
            (b"set-cookie", b"team=1; Domain=.shop.example; Path=/elsewhere"),
        ]
        await send({"type": "websocket.accept", "headers": cookies})
        await receive()
        return
    told = dict(scope["headers"])
    at = b"http://" + told[b"x-forwarded-host"] + b"/base/login?next=chat"
    headers = [(b"location", at), (b"content-length", b"0")]
    await send({"type": "websocket.http.response.start", "status": 302, "headers": headers})
    await send({"type": "websocket.http.response.body", "body": b""})


async def handshake(url: str, target: str) -> AcceptConnection | RejectConnection:
    """A visitor's handshake sent as to ``shop.example`` (a Host the proxy is known by)."""
    host, port = url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    ws = WSConnection(ConnectionType.CLIENT)
    writer.write(ws.send(Request(host="shop.example", target=target)))
    try:
        while True:
            data = await reader.read(65536)
            assert data, "the connection was cut before an answer"
            ws.receive_data(data)
            for event in ws.events():
                assert isinstance(event, AcceptConnection | RejectConnection), event
                return event
    finally:
        writer.close()


async def through_the_proxy(settings: Settings, target: str) -> Event:
    """The origin's answer to a handshake for ``target``, through the proxy under /base."""
    cfg = ProxySettings(websockets=True)
    async with asyncio.timeout(30), serving(origin, lifespan="off", ws="wsproto") as own:
        app = proxy_app(f"{own}/base", settings=settings, config=cfg)
        async with serving(app, ws=GuardedWSProtocol) as url:
            return await handshake(url, target)


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings()


async def test_an_accepted_handshakes_cookies_are_rewritten_as_over_http(
    settings: Settings,
) -> None:
    answer = await through_the_proxy(settings, "/chat")
    assert isinstance(answer, AcceptConnection)
    cookies = [v for k, v in answer.extra_headers if k.lower() == b"set-cookie"]
    assert cookies == [
        b"room=7; Path=/chat; HttpOnly",  # the base path is the origin's, not the visitor's
        b"seat=2; Path=/",  # the origin's own host: a browser would drop the cookie whole
        b"team=1; Domain=.shop.example; Path=/elsewhere",  # the site's own choice stays
    ]


async def test_a_refusals_address_on_the_visitors_host_is_made_relative(
    settings: Settings,
) -> None:
    answer = await through_the_proxy(settings, "/other")
    assert isinstance(answer, RejectConnection)
    assert answer.status_code == 302
    location = dict((k.lower(), v) for k, v in answer.headers)[b"location"]
    assert location == b"/login?next=chat"  # (sent on, /base/login would be /base/base/login)
