"""WebSockets through the proxy: the origin asked first, then messages passed both ways.

A visitor's handshake is put to the origin over TCP (TLS for an https:// origin, trusted as its
HTTP requests are: config.origin_tls) at the path an HTTP request would reach, with the
visitor's end-to-end headers, subprotocols and the forwarding headers. Only then is the visitor
answered: accepted with the origin's subprotocol (and Set-Cookie), or refused with its status
and page (502 unreachable, 504 silent past ``read_timeout``). Then text and binary messages
pass both ways, each whole and at most ``ws_max_message`` bytes (past it: 1009 at both ends);
each side's pings are answered where they arrive; a close, with its code and reason, is passed
on, and either side closing or leaving ends the other."""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import h11
import httpx
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
from wsproto.utilities import LocalProtocolError, RemoteProtocolError

from omotenashi.proxy.config import unreached
from omotenashi.proxy.forwarding import public_at, request_headers, response_headers
from omotenashi.proxy.wsguard import MAX_PARTS  # (fragments of one message: either side)
from omotenashi.quiet import named

if TYPE_CHECKING:
    from omotenashi.proxy.upstream import Upstream

Scope = dict[str, Any]
Headers = list[tuple[bytes, bytes]]
READ = 65536  # bytes read from the origin at a time
_NOT_FORWARDED = (b"sec-websocket-", b"content-length", b"transfer-encoding")
REFUSAL_PAGE = 65536  # the most of an origin's refusal page passed on (past it: no body)
ENDED = "omotenashi proxy: a WebSocket to %s ended: %s"
# Codes never sent (RFC 6455 7.4.1), as the other end is told: left without a close, "going
UNSENDABLE = {1005: 1000, 1006: 1001, 1015: 1011}  # away"; a close without a code, normal


def tls_context(verify: ssl.SSLContext | bool) -> ssl.SSLContext:
    """The TLS context for an https:// origin's WebSockets: the one its HTTP requests use
    (httpx's, from ``origin_tls``), speaking HTTP/1.1, the only version a handshake has."""
    context = httpx.create_ssl_context(verify=verify)
    context.set_alpn_protocols(["http/1.1"])
    return context


class Refusal(Exception):
    """The visitor's handshake is refused: ``status``, why (logged), and the origin's own
    ``page`` (headers, body) when it refused, else the proxy's page for ``status``."""

    def __init__(self, status: int, why: str, page: tuple[Headers, bytes] | None = None) -> None:
        super().__init__(why)
        self.status = status
        self.why = why
        self.page = page


async def relay(origin: Upstream, scope: Scope, receive: Any, send: Any) -> None:
    """One WebSocket: the handshake put to the origin, its answer given to the visitor, and
    then every message passed on until either side ends it."""
    if (await receive())["type"] != "websocket.connect":  # gone before it began
        return
    if origin.websockets >= (most := origin.config.ws_max_sockets):  # (eye50: one origin
        why = f"{most} WebSockets open already (OMOTENASHI_PROXY_WS_MAX_SOCKETS)"  # connection
        await origin.refuse_websocket(scope, send, 503, why, None)  # each: bounded)
        return
    origin.websockets += 1
    try:
        await _relay(origin, scope, receive, send)
    finally:
        origin.websockets -= 1


async def _relay(origin: Upstream, scope: Scope, receive: Any, send: Any) -> None:
    try:
        reader, writer, ws, accepted, early = await _handshake(origin, scope)
    except Refusal as refusal:
        await origin.refuse_websocket(scope, send, refusal.status, refusal.why, refusal.page)
        return
    given = [(k.lower(), v) for k, v in accepted.extra_headers if k.lower() == b"set-cookie"]
    cookies = response_headers(given, origin.base_bytes, public_at(scope))  # as HTTP's
    try:
        await send(
            {"type": "websocket.accept", "subprotocol": accepted.subprotocol, "headers": cookies}
        )
    except OSError:  # the visitor left meanwhile
        writer.close()
        return
    await _Pipe(origin, scope, receive, send, reader, writer, ws).run(early)


def _forwarded(origin: Upstream, scope: Scope) -> tuple[str, Headers]:
    """The Host the origin is sent, and the visitor's other headers as forwarded for HTTP,
    less the handshake's own (wsproto writes those)."""
    # (a handshake has no body: a length the visitor sent is not the origin's)
    theirs = [(k, v) for k, v in scope.get("headers", []) if not k.startswith(_NOT_FORWARDED)]
    client = scope.get("client")
    headers = request_headers(
        theirs,
        method="GET",
        scheme="https" if scope.get("scheme") == "wss" else "http",
        client=client[0] if client else None,
        preserve_host=origin.config.preserve_host,
    )
    host = next((v for k, v in headers if k == b"host"), None)  # only with preserve_host
    name = host.decode("latin-1") if host is not None else origin.base.netloc.decode("ascii")
    return name, [(k, v) for k, v in headers if k != b"host"]


async def _handshake(
    origin: Upstream, scope: Scope
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter, WSConnection, AcceptConnection, list[Event]]:
    """The origin's connection once it accepted the handshake, and what it sent after it
    (already read); Refusal when it refused or failed."""
    url = origin.aimed(scope)
    if isinstance(url, tuple):
        raise Refusal(*url)
    host, headers = _forwarded(origin, scope)
    subprotocols = [str(p) for p in scope.get("subprotocols") or ()]
    ws = WSConnection(ConnectionType.CLIENT)
    target = url.raw_path.decode("ascii")
    try:
        hello = ws.send(
            Request(host=host, target=target, subprotocols=subprotocols, extra_headers=headers)
        )
    except (UnicodeError, ValueError, LocalProtocolError, h11.LocalProtocolError) as exc:
        raise Refusal(400, f"no handshake can carry this request ({exc!r})") from None
    cfg = origin.config
    port = url.port or (443 if url.scheme == "https" else 80)
    tls = origin.ws_tls if url.scheme == "https" else None
    try:
        async with asyncio.timeout(cfg.connect_timeout):
            reader, writer = await asyncio.open_connection(
                url.host, port, ssl=tls, server_hostname=url.host if tls else None
            )
    except TimeoutError:
        raise Refusal(502, f"no connection within {cfg.connect_timeout} s") from None
    except OSError as exc:  # refused, no such host, its certificate not trusted ...
        raise Refusal(502, unreached(exc)) from None
    try:
        writer.write(hello)
        async with asyncio.timeout(cfg.read_timeout):
            await writer.drain()
            accepted, early = await _answer(reader, ws)
    except TimeoutError:
        writer.close()
        raise Refusal(504, f"no answer to the handshake within {cfg.read_timeout} s") from None
    except (OSError, RemoteProtocolError, h11.RemoteProtocolError) as exc:
        writer.close()
        raise Refusal(502, f"no handshake answered ({exc!r})") from None
    except BaseException:  # Refusal, or cancelled
        writer.close()
        raise
    return reader, writer, ws, accepted, early


async def _answer(
    reader: asyncio.StreamReader, ws: WSConnection
) -> tuple[AcceptConnection, list[Event]]:
    """The origin's 101 and the events that came with it; Refusal for any other answer."""
    refused: RejectConnection | None = None
    body = bytearray()
    while True:
        data = await reader.read(READ)
        if not data:
            if refused is not None:  # a refusal page that ends with the connection
                raise Refusal(refused.status_code, "refused by the origin", _page(refused, body))
            raise OSError("the origin closed the connection before it answered")
        ws.receive_data(data)
        events = ws.events()
        for event in events:
            if isinstance(event, AcceptConnection):
                return event, list(events)  # (at most what one read held)
            if isinstance(event, RejectConnection):
                refused = event
                if not event.has_body:
                    raise Refusal(event.status_code, "refused by the origin", _page(event, b""))
            elif isinstance(event, RejectData) and refused is not None:
                body += event.data
                if len(body) > REFUSAL_PAGE:  # its status alone
                    raise Refusal(refused.status_code, "refused by the origin", _page(refused))
                if event.body_finished:
                    raise Refusal(
                        refused.status_code, "refused by the origin", _page(refused, body)
                    )


def _page(refused: RejectConnection, body: bytes | bytearray = b"") -> tuple[Headers, bytes]:
    headers = [(k.lower(), v) for k, v in refused.headers]
    kept = [(k, v) for k, v in headers if k != b"content-length"]
    return [*kept, (b"content-length", str(len(body)).encode())], bytes(body)


class _Pipe:
    """Both directions of one accepted WebSocket."""

    def __init__(
        self,
        origin: Upstream,
        scope: Scope,
        receive: Any,
        send: Any,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        ws: WSConnection,
    ) -> None:
        self.origin = origin
        self.scope = scope
        self.receive = receive
        self.send = send
        self.reader = reader
        self.writer = writer
        self.ws = ws
        self.limit = origin.config.ws_max_message
        self.visitor_open = True  # until they leave, or are sent a close
        self.parts: list[bytes] = []  # the origin's message being read
        self.size = self.frames = 0

    async def run(self, early: list[Event]) -> None:
        upward = asyncio.ensure_future(self._from_visitor())
        downward = asyncio.ensure_future(self._from_origin(early))
        tasks = (upward, downward)
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            if not downward.done():  # the visitor left: the origin may answer our close
                await asyncio.wait((downward,), timeout=self.origin.config.connect_timeout)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.wait(tasks)
            transport = self.writer.transport  # what the origin has not taken is dropped: a
            transport.abort() if transport.get_write_buffer_size() else self.writer.close()
        await self._close_visitor(1011, "")  # (when the origin never said goodbye)
        for task in tasks:
            failed = None if task.cancelled() else task.exception()
            if failed is not None:  # a bug of ours: the server's to log
                raise failed

    def _say(self, level: int, kind: str, why: str) -> None:
        self.origin.quiet.say(level, kind, ENDED, named(self.scope), why)

    def _to_origin(self, event: Event) -> bool:
        """Writes ``event`` to the origin, when its side is still open; whether it was."""
        if self.ws.state is not ConnectionState.OPEN and not isinstance(event, CloseConnection):
            return False
        try:
            self.writer.write(self.ws.send(event))
        except LocalProtocolError:  # (closing already)
            return False
        return True

    async def _drain(self) -> bool:
        """Waits until the origin has room for more; False when it is gone (its reader says
        so) or took nothing for ``read_timeout`` (then the visitor is closed with 1011)."""
        wait = self.origin.config.read_timeout
        try:
            async with asyncio.timeout(wait):
                await self.writer.drain()
        except TimeoutError:  # (before OSError, which it is on 3.11: wsedge50)
            self._say(logging.WARNING, "ws stuck", f"the origin read nothing for {wait} s")
            await self._close_visitor(1011, "")
            return False
        except OSError:
            return False
        return True

    async def _to_visitor(self, message: dict[str, Any]) -> bool:
        """Sends ``message`` to the visitor, who has ``read_timeout`` to take it (one who
        reads nothing held the relay, and a server's shutdown, for good: wsedge50); whether
        they are still there."""
        wait = self.origin.config.read_timeout
        try:
            async with asyncio.timeout(wait):
                await self.send(message)
            return True
        except (TimeoutError, OSError) as exc:  # (OSError: gone, their disconnect says so)
            if isinstance(exc, TimeoutError):
                said = f"the visitor took less than a message in {wait} s"
                self._say(logging.INFO, "ws slow", said)
            self.visitor_open = False
            return False

    async def _close_visitor(self, code: int, reason: str) -> None:
        """The visitor told the WebSocket is closed, within ``read_timeout`` as any message
        (a close to one reading nothing waited for good, holding its place: eye50b)."""
        if self.visitor_open:
            await self._to_visitor({"type": "websocket.close", "code": code, "reason": reason})
            self.visitor_open = False

    async def _too_big(self, who: str) -> None:
        over = f"{MAX_PARTS} parts" if self.frames > MAX_PARTS else f"{self.limit} bytes"
        reason = f"message {'in ' * (self.frames > MAX_PARTS)}over {over}"  # (wsedge50b)
        self._say(logging.INFO, "ws 1009", f"{who} sent a {reason}: closed with 1009")
        if self.ws.state is ConnectionState.OPEN:
            self._to_origin(CloseConnection(code=1009, reason=reason))
        await self._close_visitor(1009, reason)

    async def _from_visitor(self) -> None:
        """The visitor's messages to the origin, written one by one (each once the origin has
        room for it), until the visitor leaves or closes: then the origin is told."""
        while True:
            message = await self.receive()
            if message["type"] == "websocket.disconnect":
                closing = self.visitor_open  # (else the close was ours)
                self.visitor_open = False
                if closing and self.ws.state is ConnectionState.OPEN:
                    code = int(message.get("code") or 1005)
                    reason = str(message.get("reason") or "")
                    if code != 1005:  # (wsproto sends 1005 as a close without a code)
                        code = UNSENDABLE.get(code, code)
                    self._to_origin(CloseConnection(code=code, reason=reason or None))
                return  # (written as the origin reads: run() waits a moment for its answer)
            if message["type"] != "websocket.receive":
                continue
            data: str | bytes | None = message.get("bytes")
            if data is None:
                data = message.get("text")
            if data is None:
                continue
            size = len(data) if isinstance(data, bytes) else len(data.encode())
            if size > self.limit:
                await self._too_big("the visitor")
                return
            frame: Message[Any] = Message(data=data)
            if not self._to_origin(frame) or not await self._drain():
                return

    async def _from_origin(self, early: Iterable[Event]) -> None:
        """The origin's messages to the visitor until it closes or leaves; its pings answered."""
        events: Iterable[Event] = early
        while True:
            try:
                for event in events:
                    if not await self._handle(event):
                        return
            except RemoteProtocolError as exc:  # a frame no WebSocket may send
                if exc.event_hint is not None:
                    self._to_origin(exc.event_hint)
                self._say(logging.WARNING, "ws broke", f"the origin broke the protocol ({exc})")
                await self._close_visitor(1011, "")
                return
            try:
                data = await self.reader.read(READ)
            except OSError as exc:
                data, why = b"", repr(exc)
            else:
                why = "the origin closed the connection without a close frame"
            if not data:
                if self.visitor_open:  # (else the visitor's leaving ended it)
                    self._say(logging.WARNING, "ws cut", why)
                await self._close_visitor(1011, "")
                return
            self.ws.receive_data(data)
            events = self.ws.events()

    async def _handle(self, event: Event) -> bool:
        """Passes one event of the origin's on; whether the WebSocket is still open."""
        if isinstance(event, TextMessage | BytesMessage):
            piece = event.data.encode() if isinstance(event.data, str) else bytes(event.data)
            self.parts.append(piece)  # (text counted as the UTF-8 bytes it is sent as)
            self.size += len(piece)
            self.frames += event.frame_finished  # (frames, not reads: one comes in many)
            if self.size > self.limit or self.frames > MAX_PARTS:  # (empty ones add up too)
                await self._too_big("the origin")
                return False
            if event.message_finished:
                whole, self.parts, self.size, self.frames = b"".join(self.parts), [], 0, 0
                message: dict[str, Any] = {"type": "websocket.send"}
                if isinstance(event, TextMessage):
                    message["text"] = whole.decode()
                else:
                    message["bytes"] = whole
                if not (self.visitor_open and await self._to_visitor(message)):
                    return False
        elif isinstance(event, Ping):  # answered as the origin takes the answers (a ping
            return self._to_origin(event.response()) and await self._drain()  # flood: bounded)
        elif isinstance(event, CloseConnection):
            if self.ws.state is ConnectionState.REMOTE_CLOSING:
                self._to_origin(event.response())  # (flushed as the connection closes)
            code = UNSENDABLE.get(event.code, event.code)
            await self._close_visitor(code, event.reason or "")
            return False
        return True
