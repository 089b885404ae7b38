"""WebSockets through ``omotenashi proxy``: a real origin, the proxy under a real uvicorn, a
real client (wsproto over asyncio streams). The handshake is the origin's to answer; messages,
closes and their codes pass both ways; nothing is ever the proxy's 5xx or traceback."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import redis
import trustme
import uvicorn
from wsproto import ConnectionType, WSConnection
from wsproto.connection import ConnectionState
from wsproto.events import (
    AcceptConnection,
    BytesMessage,
    CloseConnection,
    Event,
    Message,
    Ping,
    RejectConnection,
    RejectData,
    Request,
    TextMessage,
)

from omotenashi import Settings
from omotenashi.proxy import ProxySettings, proxy_app
from omotenashi.proxy.wsguard import GuardedWSProtocol
from omotenashi.store.embedded import free_port

from .live_server import serving

pytestmark = pytest.mark.anyio
LIMIT = 1024  # ws_max_message in these tests


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings(max_body=4096)


class Origin:
    """A raw ASGI WebSocket origin: echoes; ``/refuse`` is a 403; ``/bye`` closes with 4001
    after the first message; ``/big`` sends a message over LIMIT. ``scopes`` it saw, and the
    ``closes`` (code, reason) its visitors ended with."""

    def __init__(self) -> None:
        self.scopes: list[dict[str, Any]] = []
        self.closes: list[tuple[int, str]] = []
        self.closed = asyncio.Event()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "websocket":
            return
        self.scopes.append(scope)
        await receive()  # websocket.connect
        path: str = scope["path"]
        if path.endswith("/refuse"):
            headers = [(b"content-type", b"text/plain"), (b"content-length", b"7")]
            await send({"type": "websocket.http.response.start", "status": 403, "headers": headers})
            await send({"type": "websocket.http.response.body", "body": b"go away"})
            return
        chosen = scope["subprotocols"][-1] if scope["subprotocols"] else None
        cookie = [(b"set-cookie", b"room=7; Path=/; HttpOnly")]
        await send({"type": "websocket.accept", "subprotocol": chosen, "headers": cookie})
        if path.endswith("/big"):
            await send({"type": "websocket.send", "bytes": b"x" * (LIMIT + 1)})
        while True:
            message = await receive()
            if message["type"] == "websocket.disconnect":
                self.closes.append((message.get("code", 1005), message.get("reason") or ""))
                self.closed.set()
                return
            if path.endswith("/bye"):
                await send({"type": "websocket.close", "code": 4001, "reason": "bye"})
                continue  # (until the proxy answers the close: its disconnect)
            reply = {k: message.get(k) for k in ("text", "bytes")}
            await send({"type": "websocket.send", **reply})


class Client:
    """A visitor's WebSocket, wsproto over a socket."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.ws = WSConnection(ConnectionType.CLIENT)
        self.pending: deque[Event] = deque()

    async def event(self) -> Event | None:
        while not self.pending:
            data = await self.reader.read(65536)
            if not data:
                return None
            self.ws.receive_data(data)
            self.pending.extend(self.ws.events())
        return self.pending.popleft()

    def send(self, data: str | bytes) -> None:
        frame: Message[Any] = Message(data=data)
        self.writer.write(self.ws.send(frame))

    async def message(self) -> str | bytes | CloseConnection:
        parts: list[Any] = []
        while True:
            event = await self.event()
            assert event is not None, "the connection was cut without a close"
            if isinstance(event, Ping):
                self.writer.write(self.ws.send(event.response()))
            elif isinstance(event, CloseConnection):
                if self.ws.state is ConnectionState.REMOTE_CLOSING:
                    self.writer.write(self.ws.send(event.response()))
                return event
            elif isinstance(event, TextMessage | BytesMessage):
                parts.append(event.data)
                if event.message_finished:
                    return "".join(parts) if isinstance(event, TextMessage) else b"".join(parts)

    async def close(self, code: int, reason: str) -> CloseConnection:
        self.writer.write(self.ws.send(CloseConnection(code=code, reason=reason)))
        while True:
            answer = await self.message()
            if isinstance(answer, CloseConnection):
                return answer


@asynccontextmanager
async def connected(
    url: str, target: str, subprotocols: Sequence[str] = (), headers: Sequence[Any] = ()
) -> AsyncIterator[tuple[Client, AcceptConnection | RejectConnection, bytes]]:
    """A handshake to ``url``'s ``target``: (client, the answer, a refusal's body)."""
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    client = Client(reader, writer)
    hello = Request(
        host=parts.netloc,
        target=target,
        subprotocols=list(subprotocols),
        extra_headers=list(headers),
    )
    writer.write(client.ws.send(hello))
    answer = await client.event()
    assert isinstance(answer, AcceptConnection | RejectConnection), answer
    body = b""
    if isinstance(answer, RejectConnection) and answer.has_body:
        while isinstance(more := await client.event(), RejectData):
            body += more.data
            if more.body_finished:
                break
    try:
        yield client, answer, body
    finally:
        writer.close()


@contextmanager
def tracebacks() -> Iterator[list[logging.LogRecord]]:
    """The records with a traceback that uvicorn's or the proxy's loggers write meanwhile."""
    seen: list[logging.LogRecord] = []

    class Catch(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.exc_info or "Exception in ASGI" in record.getMessage():
                seen.append(record)

    handler = Catch()
    loggers = [logging.getLogger(n) for n in ("uvicorn.error", "omotenashi.proxy")]
    for one in loggers:
        one.addHandler(handler)
    try:
        yield seen
    finally:
        for one in loggers:
            one.removeHandler(handler)


@asynccontextmanager
async def proxied(
    settings: Settings, origin_url: str | None = None, **config: Any
) -> AsyncIterator[tuple[str, Origin]]:
    """The proxy (ws_max_message LIMIT) in front of an Origin under ``/base``, or of
    ``origin_url``; the test's whole run bounded, so that a broken proxy fails, not hangs."""
    origin = Origin()
    cfg = ProxySettings(**{"websockets": True, "ws_max_message": LIMIT, **config})
    async with asyncio.timeout(30), serving(origin, lifespan="off", ws="wsproto") as own:
        app = proxy_app(origin_url or f"{own}/base", settings=settings, config=cfg)
        async with serving(app, ws=GuardedWSProtocol) as url:  # (as `omotenashi proxy` runs)
            yield url, origin


async def test_text_and_binary_messages_echo_through_under_the_base_path(
    settings: Settings,
) -> None:
    async with proxied(settings) as (url, origin):
        async with connected(url, "/chat/room?id=1&x=%20y") as (client, answer, _):
            assert isinstance(answer, AcceptConnection)
            client.send("héllo ✓")
            assert await client.message() == "héllo ✓"
            client.send(b"\x00\xffbinary")
            assert await client.message() == b"\x00\xffbinary"
            closed = await client.close(1000, "")
    assert closed.code == 1000
    (scope,) = origin.scopes
    assert scope["raw_path"] == b"/base/chat/room"
    assert scope["query_string"] == b"id=1&x=%20y"


async def test_cookie_origin_and_subprotocols_reach_the_origin_and_its_choice_comes_back(
    settings: Settings, omotenashi_redis: redis.Redis
) -> None:
    """The middleware in front leaves a WebSocket alone: no cookie of its own, no page view."""
    headers = [
        (b"cookie", b"session=abc"),
        (b"origin", b"https://shop.example"),
        (b"user-agent", b"Mozilla/5.0 test"),
        (b"x-forwarded-for", b"6.6.6.6"),
    ]
    async with proxied(settings) as (url, origin):
        async with connected(url, "/socket", ["v2.chat", "v1.chat"], headers) as (_, answer, _):
            assert isinstance(answer, AcceptConnection)
            assert answer.subprotocol == "v1.chat"  # the origin's choice (its last offered)
            cookies = [v for k, v in answer.extra_headers if k.lower() == b"set-cookie"]
            assert cookies == [b"room=7; Path=/; HttpOnly"]  # the origin's, and no other
    assert omotenashi_redis.keys("*") == []  # nothing recorded for it
    (scope,) = origin.scopes
    seen = {k.decode(): v.decode() for k, v in scope["headers"]}
    assert scope["subprotocols"] == ["v2.chat", "v1.chat"]
    assert seen["cookie"] == "session=abc"
    assert seen["origin"] == "https://shop.example"
    assert seen["user-agent"] == "Mozilla/5.0 test"
    assert seen["x-forwarded-for"] == "6.6.6.6, 127.0.0.1"
    assert seen["x-forwarded-proto"] == "http"
    assert seen["host"] == f"127.0.0.1:{scope['server'][1]}"  # the origin's own
    names = [k for k, _ in scope["headers"]]
    assert names.count(b"sec-websocket-key") == names.count(b"sec-websocket-version") == 1


async def test_an_origins_refusal_is_the_visitors_and_it_is_never_accepted(
    settings: Settings,
) -> None:
    with tracebacks() as seen:
        async with proxied(settings) as (url, origin):
            async with connected(url, "/refuse") as (_, answer, body):
                assert isinstance(answer, RejectConnection)
                assert (answer.status_code, body) == (403, b"go away")
    assert len(origin.scopes) == 1 and seen == []


@pytest.mark.parametrize("silent", [False, True])
async def test_an_origin_down_or_silent_is_a_refusal_without_a_traceback(
    settings: Settings, silent: bool
) -> None:
    """Down: 502. Accepting the connection but never answering the handshake: 504."""
    port = free_port()
    sockets: list[asyncio.StreamWriter] = []

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sockets.append(writer)  # read nothing, answer nothing

    server = await asyncio.start_server(hold, "127.0.0.1", port) if silent else None
    try:
        with tracebacks() as seen:
            down = f"http://127.0.0.1:{port}"
            async with proxied(settings, down, read_timeout=0.5) as (url, _):
                async with connected(url, "/socket") as (_, answer, body):
                    assert isinstance(answer, RejectConnection)
                    assert answer.status_code == (504 if silent else 502)
                    assert b"<h1>" in body  # the proxy's short page
        assert seen == []
    finally:
        for writer in sockets:
            writer.close()
        if server is not None:
            server.close()


async def test_close_codes_and_reasons_pass_both_ways(settings: Settings) -> None:
    async with proxied(settings) as (url, origin):
        async with connected(url, "/bye") as (client, answer, _):
            assert isinstance(answer, AcceptConnection)
            client.send("hello")
            closed = await client.message()
            assert isinstance(closed, CloseConnection)
            assert (closed.code, closed.reason) == (4001, "bye")
        async with connected(url, "/echo") as (client, answer, _):
            assert isinstance(answer, AcceptConnection)
            await client.close(4002, "see you")
            await origin.closed.wait()
    assert (4002, "see you") in origin.closes


@pytest.mark.parametrize("sender", ["visitor", "origin"])
async def test_a_message_over_the_limit_closes_both_ends_with_1009(
    settings: Settings, sender: str
) -> None:
    async with proxied(settings) as (url, origin):
        path = "/big" if sender == "origin" else "/echo"
        async with connected(url, path) as (client, answer, _):
            assert isinstance(answer, AcceptConnection)
            if sender == "visitor":
                client.send("y" * LIMIT)  # at the limit: passed on
                assert await client.message() == "y" * LIMIT
                client.send(b"y" * (LIMIT + 1))
            closed = await client.message()
            assert isinstance(closed, CloseConnection) and closed.code == 1009
            await origin.closed.wait()
    assert origin.closes[0][0] == 1009


async def test_twenty_sockets_at_once_each_get_their_own_echoes(settings: Settings) -> None:
    async def talk(url: str, n: int) -> list[str | bytes | CloseConnection]:
        async with connected(url, f"/echo/{n}") as (client, answer, _):
            assert isinstance(answer, AcceptConnection)
            heard = []
            for i in range(5):
                client.send(f"socket {n} says {i}")
                await asyncio.sleep(0)
                heard.append(await client.message())
            await client.close(1000, "")
            return heard

    async with proxied(settings) as (url, origin):
        heard = await asyncio.gather(*(talk(url, n) for n in range(20)))
    for n, messages in enumerate(heard):
        assert messages == [f"socket {n} says {i}" for i in range(5)]
    assert sorted(s["path"] for s in origin.scopes) == sorted(f"/base/echo/{n}" for n in range(20))


@pytest.mark.parametrize("trusted", [True, False])
async def test_an_https_origin_is_reached_over_tls_trusted_as_for_http(
    settings: Settings, tmp_path: Path, trusted: bool
) -> None:
    """wss to an https:// origin whose private CA OMOTENASHI_PROXY_CA_BUNDLE names; without
    it, the certificate is not trusted: 502."""
    ca = trustme.CA()
    leaf = ca.issue_cert("127.0.0.1")
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    leaf.private_key_pem.write_to_path(str(tmp_path / "leaf.key"))
    leaf.cert_chain_pems[0].write_to_path(str(tmp_path / "leaf.pem"))
    origin, port = Origin(), free_port()
    config = uvicorn.Config(
        origin, host="127.0.0.1", port=port, log_level="warning", lifespan="off", ws="wsproto",
        ssl_certfile=str(tmp_path / "leaf.pem"), ssl_keyfile=str(tmp_path / "leaf.key"),
    )  # fmt: skip
    server = uvicorn.Server(config)
    server.capture_signals = contextlib.nullcontext  # type: ignore[method-assign,assignment]
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            assert not task.done()
            await asyncio.sleep(0.01)
        bundle = {"ca_bundle": str(tmp_path / "ca.pem")} if trusted else {}
        async with proxied(settings, f"https://127.0.0.1:{port}/base", **bundle) as (url, _):
            async with connected(url, "/tls") as (client, answer, _):
                if not trusted:
                    assert isinstance(answer, RejectConnection) and answer.status_code == 502
                    return
                assert isinstance(answer, AcceptConnection)
                client.send("over tls")
                assert await client.message() == "over tls"
                await client.close(1000, "")
        assert [s["path"] for s in origin.scopes] == ["/base/tls"]
    finally:
        server.should_exit = True
        await task


async def test_websockets_past_their_cap_are_refused_and_a_closed_one_frees_its_place(
    settings: Settings,
) -> None:
    """(eye50) Each WebSocket holds its own connection to the origin, outside the HTTP pool:
    past OMOTENASHI_PROXY_WS_MAX_SOCKETS a handshake is refused with 503, never passed on."""
    async with proxied(settings, ws_max_sockets=2) as (url, origin):
        async with connected(url, "/a") as (first, a, _), connected(url, "/b") as (_, b, _):
            assert isinstance(a, AcceptConnection) and isinstance(b, AcceptConnection)
            async with connected(url, "/c") as (_, c, _):
                assert isinstance(c, RejectConnection) and c.status_code == 503
            await first.close(1000, "")
        for _ in range(200):  # the places are freed as the relays end, just after the closes
            async with connected(url, "/d") as (client, d, _):
                if isinstance(d, AcceptConnection):
                    client.send("again")
                    assert await client.message() == "again"
                    break
            await asyncio.sleep(0.01)
        assert isinstance(d, AcceptConnection)
    assert [s["raw_path"] for s in origin.scopes] == [b"/base/a", b"/base/b", b"/base/d"]
