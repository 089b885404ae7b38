"""The origin as an ASGI app: every request forwarded with httpx, every body streamed.

Wrapped by :class:`~omotenashi.Omotenashi` (see :func:`omotenashi.proxy.proxy_app`), so HTML
pages are personalised exactly as in an ASGI app, while everything else streams through. When
the origin cannot be reached the visitor gets a short plain page: 502 when it refused or broke
the connection or gave a status outside HTTP's final ones (200-599), 504 when it stayed silent
past the read timeout. A visitor's body is read at a least rate (else 408), small ones whole
before the origin is asked, and streamed uploads hold at most half the pool (see
:mod:`omotenashi.proxy.uploads`); the visitor's path is cleaned of dot segments before the
origin's base path is put in front of it (:func:`confined_path`), so no request ever leaves it.
"""

from __future__ import annotations

import asyncio
import logging
from email.utils import formatdate
from typing import Any

import httpx

from omotenashi.errors import OmotenashiError
from omotenashi.proxy.config import ProxySettings, origin_tls, unreached, upstream_url
from omotenashi.proxy.forwarding import (
    public_at,
    public_of,
    request_headers,
    response_headers,
    websocket_handshake,
)
from omotenashi.proxy.refusals import refusal
from omotenashi.proxy.reuse import ask, body_of, release
from omotenashi.proxy.targets import confined_path, escaped, origin_form
from omotenashi.proxy.uploads import (
    BodyTimeout,
    Deadline,
    buffered_length,
    listen,
    read_whole,
    streamed,
)
from omotenashi.proxy.websocket import relay, tls_context
from omotenashi.quiet import Quiet, named

log = logging.getLogger("omotenashi.proxy")
ANSWERED = "omotenashi proxy: %s answered %d: %s"  # the request's path (never its query), why
Scope = dict[str, Any]
Message = dict[str, Any]
Headers = list[tuple[bytes, bytes]]

PAGES = {
    400: ("Bad Request", "This address cannot be reached through this site."),
    405: ("Method Not Allowed", "This kind of request is not passed on to the site."),
    408: ("Request Timeout", "What you sent arrived too slowly. Please try again."),
    414: ("URI Too Long", "This address is too long to be passed on to the site."),
    501: ("Not Implemented", "WebSockets are not proxied to this site."),
    502: ("Bad Gateway", "The site did not answer properly. Please try again in a moment."),
    503: ("Service Unavailable", "The site is busy. Please try again in a moment."),
    504: ("Gateway Timeout", "The site is taking too long to answer. Please try again soon."),
}


class OriginError(OmotenashiError):
    """The origin failed while a response was being streamed; the connection is cut."""

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(f"origin {url!r}: {reason}")


WS_OFF = "WebSockets are off (OMOTENASHI_PROXY_WEBSOCKETS)"
WS_NO_LIBRARY = "the server has no WebSocket library (install wsproto)"


class ClientGone(OmotenashiError):
    """The visitor left before their response was complete."""


def error_page(status: int) -> tuple[Headers, bytes]:
    title, text = PAGES[status]
    body = (
        f'<!doctype html><html lang="en"><meta charset="utf-8"><title>{status} {title}</title>'
        f"<h1>{title}</h1><p>{text}</p></html>\n"
    ).encode()
    headers = [
        (b"content-type", b"text/html; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store"),
        (b"date", _now()),  # the server adds none: the origin's Date passes through
    ]
    return headers, body


def _now() -> bytes:
    return formatdate(usegmt=True).encode()


class Upstream:
    """``Upstream("http://origin:8080")``: an ASGI app that is the origin, over HTTP."""

    def __init__(
        self, upstream: str, *, config: ProxySettings | None = None, chunk_size: int = 65536
    ) -> None:
        self.config = config or ProxySettings()
        self.base = upstream_url(upstream)
        self.base_bytes = str(self.base).encode("latin-1")
        self._base_path = self.base.raw_path.split(b"?", 1)[0].rstrip(b"/")
        self.chunk_size = chunk_size
        cfg = self.config
        self._verify = origin_tls(cfg, self.base)  # a bad CA bundle fails here, at start
        self.ws_tls = tls_context(self._verify) if self.base.scheme == "https" else None
        self.websockets = 0  # open now, each with its own connection (proxy/websocket.py)
        self._timeout = httpx.Timeout(
            connect=cfg.connect_timeout,
            read=cfg.read_timeout,
            write=cfg.read_timeout,
            pool=cfg.connect_timeout,
        ).as_dict()
        self._transport: httpx.AsyncHTTPTransport | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.upload_slots = max(1, cfg.max_connections // 2)
        self._slots = asyncio.Semaphore(self.upload_slots)  # made anew with each transport
        self.quiet = Quiet(log)  # anyone can set off a failure line: once a minute per kind

    def transport(self) -> httpx.AsyncHTTPTransport:
        """The connection pool of the running event loop (made on first use, per loop).

        A bare transport, not a client: no cookie jar (one visitor's cookies must never be
        sent for another), no redirects followed, no proxy settings from the environment. Made
        with it: the slots of streamed uploads (:meth:`slots`).
        """
        loop = asyncio.get_running_loop()
        if self._transport is None or self._loop is not loop:
            limits = httpx.Limits(
                max_connections=self.config.max_connections,
                max_keepalive_connections=self.config.max_connections,
            )
            self._transport = httpx.AsyncHTTPTransport(limits=limits, verify=self._verify)
            self._slots = asyncio.Semaphore(self.upload_slots)
            self._loop = loop
        return self._transport

    def slots(self) -> asyncio.Semaphore:
        """The running loop's slots for streamed uploads: half the pool, so that requests
        without a body always find a connection."""
        self.transport()
        return self._slots

    async def aclose(self) -> None:
        transport, self._transport = self._transport, None
        if transport is not None and self._loop is asyncio.get_running_loop():
            await transport.aclose()

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            await self._forward(scope, receive, send)
        elif scope["type"] == "websocket" and self.config.websockets:  # (a server with a
            await relay(self, scope, receive, send)  # websocket library: proxy/websocket.py)
        elif scope["type"] == "websocket":
            await self.refuse_websocket(scope, send, 501, WS_OFF, None)

    async def refuse_websocket(
        self, scope: Scope, send: Any, status: int, why: str, page: tuple[Headers, bytes] | None
    ) -> None:
        """A WebSocket handshake refused with ``status`` and the origin's ``page`` (else the
        proxy's), where the server lets an app answer one (the ASGI Denial Response extension),
        else by a close (the server answers 403). One line a minute per status in the log."""
        level = logging.WARNING if status in (502, 503, 504) else logging.INFO
        kind = f"ws {status // 100}xx"  # (an origin picks its status: by class, bounded kinds)
        self.quiet.say(level, kind, ANSWERED, named(scope), status, f"WebSocket: {why}")
        try:
            if "websocket.http.response" not in (scope.get("extensions") or {}):
                await send({"type": "websocket.close", "code": 1008})
                return
            headers, body = error_page(status) if page is None else page
            if page is not None:
                headers = response_headers(headers, self.base_bytes, public_at(scope))
            if not any(k == b"date" for k, _ in headers):
                headers.append((b"date", _now()))
            start = {"type": "websocket.http.response.start", "status": status}
            await send({**start, "headers": headers})
            await send({"type": "websocket.http.response.body", "body": body, "more_body": False})
        except OSError:  # the visitor left meanwhile
            log.debug("omotenashi proxy: the visitor left before %r was refused", named(scope))

    async def _lifespan(self, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return

    def target(self, scope: Scope) -> httpx.URL | None:
        """The origin's URL for this request, always under the base path; None: refuse it.

        Raises httpx.InvalidURL for what no origin could be sent (a query past 64 KiB).
        """
        raw_path = confined_path(origin_form(scope.get("raw_path") or scope["path"].encode()))
        if raw_path is None:
            return None
        query: bytes = scope.get("query_string", b"")
        full = escaped(self._base_path + raw_path) + (b"?" + escaped(query) if query else b"")
        return self.base.copy_with(raw_path=full)

    def aimed(self, scope: Scope) -> httpx.URL | tuple[int, str]:
        """:meth:`target`, or the status and reason a request without one is refused with."""
        try:
            url = self.target(scope)
        except httpx.InvalidURL as exc:
            return 414 if "too long" in str(exc) else 400, repr(exc)
        return (400, "a '..' behind an encoded slash, a backslash or a ';'") if url is None else url

    async def _forward(self, scope: Scope, receive: Any, send: Any) -> None:
        method: str = scope["method"]
        said = named(scope)
        if (refused := refusal(scope)) is not None:  # (CONNECT, TRACE, framed two ways ...)
            await self.refuse(scope, send, *refused)
            return
        if websocket_handshake(scope["headers"]):  # no websocket library: it is "http"
            why = (
                f"a WebSocket handshake: {WS_OFF if not self.config.websockets else WS_NO_LIBRARY}"
            )
            await self._fail(send, 501, said, why)
            return
        url = self.aimed(scope)
        if isinstance(url, tuple):
            await self._fail(send, url[0], said, url[1])
            return
        client = scope.get("client")
        headers = request_headers(
            scope.get("headers", []),
            method=method,
            scheme=scope.get("scheme", "http"),
            client=client[0] if client else None,
            preserve_host=self.config.preserve_host,
        )
        has_body = any(k in (b"content-length", b"transfer-encoding") for k, _ in scope["headers"])
        cfg = self.config
        deadline = Deadline(cfg.body_timeout, cfg.body_min_rate)
        body: asyncio.Queue[bytes | None] | None = None
        content: bytes | None = None
        # A small body is read whole first: it holds no origin connection while it comes.
        # A larger one is first read when httpx sends it (the origin connected and has the
        # headers): not before, as the first read makes the server say 100 Continue to a
        # visitor who sent Expect: 100-continue, and an unreachable origin needs no upload.
        wanted = asyncio.Event()
        if has_body and buffered_length(scope["headers"], cfg.body_buffer) is not None:
            try:
                content = await read_whole(receive, deadline)
            except BodyTimeout as exc:
                await self._fail(send, 408, said, str(exc))
                return
            if content is None:
                log.debug("omotenashi proxy: the visitor left while sending %r's body", said)
                return
        elif has_body:
            body = asyncio.Queue(1)
        if body is None:
            wanted.set()
        request = httpx.Request(
            method,
            url,
            headers=headers,
            content=content if body is None else streamed(body, wanted, deadline),
            extensions={"timeout": self._timeout},
        )
        visitor = _Visitor(send)
        upload = body is not None
        exchange = asyncio.ensure_future(self._exchange(request, visitor.send, said, upload))
        listener = asyncio.ensure_future(listen(receive, body, wanted))
        try:
            await asyncio.wait((exchange, listener), return_when=asyncio.FIRST_COMPLETED)
            if not exchange.done():  # the visitor left: the origin's connection is freed now
                visitor.leave(exchange)
                await asyncio.wait((exchange,))
        finally:
            listener.cancel()
            exchange.cancel()  # only ever still running when we are cancelled ourselves
            await asyncio.wait((exchange, listener))
        failed = None if listener.cancelled() else listener.exception()
        if failed is not None:  # the server's receive() broke
            raise failed
        if exchange.cancelled() or isinstance(exchange.exception(), ClientGone):
            log.debug("omotenashi proxy: the visitor left before %s had been relayed", said)
            return
        exchange.result()  # an error of ours (or the middleware's) is the server's to log

    async def _exchange(self, request: httpx.Request, send: Any, said: str, upload: bool) -> None:
        """Asks the origin and relays its answer; a streamed upload holds a slot meanwhile."""
        if not upload:
            await self._ask(request, send, said)
            return
        slots = self.slots()
        try:
            async with asyncio.timeout(self.config.connect_timeout):  # as the pool's timeout
                await slots.acquire()
        except TimeoutError:
            busy = f"all {self.upload_slots} upload slots to the origin are busy (streamed uploads"
            await self._fail(send, 503, said, f"{busy} may hold half the pool)", kind="503 uploads")
            return
        try:
            await self._ask(request, send, said)
        finally:
            slots.release()

    async def _ask(self, request: httpx.Request, send: Any, said: str) -> None:
        try:
            response = await ask(self.transport(), request)  # once more on a closed one
        except BodyTimeout as exc:  # raised by the body's reader; httpx closed the connection
            await self._fail(send, 408, said, str(exc))
            return
        except httpx.PoolTimeout as exc:  # a TimeoutException, but the origin is not to blame
            busy = f"all {self.config.max_connections} connections to the origin are busy"
            await self._fail(send, 503, said, f"{busy} ({exc!r})")
            return
        except httpx.TimeoutException as exc:
            await self._fail(send, 504, said, repr(exc))
            return
        except (httpx.TransportError, httpx.StreamError) as exc:
            await self._fail(send, 502, said, unreached(exc))
            return
        try:
            if not 200 <= response.status_code <= 599:  # LinkedIn's 999: servers cannot send it
                await self._fail(send, 502, said, f"status {response.status_code!r} is not HTTP's")
                return
            await self._relay(response, send, said)
        except OriginError as exc:  # the response ends unfinished: the server cuts it
            self.quiet.say(logging.WARNING, "broke off", "omotenashi proxy: %s", exc)
        finally:
            await release(request.method, response)  # its connection closed if bytes may follow

    async def _relay(self, response: httpx.Response, send: Any, said: str) -> None:
        headers = response_headers(response.headers.raw, self.base_bytes, public_of(response))
        if response.status_code == 204:  # RFC 9110 8.6: no Content-Length on a 204 (its
            headers = [(k, v) for k, v in headers if k != b"content-length"]  # body dropped)
        if not any(k == b"date" for k, _ in headers):  # RFC 9110 6.6.1: a proxy adds one
            headers.append((b"date", _now()))
        await send(
            {"type": "http.response.start", "status": response.status_code, "headers": headers}
        )
        size = self.chunk_size
        try:  # each piece as it arrives (an event stream must not wait for a full chunk) ...
            async for piece in body_of(response):  # (left open: release() decides its reuse)
                for start in range(0, len(piece), size):  # ... split only when over chunk_size
                    chunk = piece[start : start + size]
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
        except (httpx.TransportError, httpx.StreamError) as exc:
            cut = f"broke off mid-body ({exc!r}); the visitor's connection is cut"
            raise OriginError(said, cut) from exc  # (said: the path, as logs name it)
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def refuse(self, scope: Scope, send: Any, status: int, why: str) -> None:
        await self._fail(send, status, named(scope), why)  # (proxy/refusals.py's)

    async def _fail(self, send: Any, status: int, said: str, why: str, kind: str = "") -> None:
        # the origin failing (502, 504) or the proxy full (503) is the operator's to see; a
        # request refused as the sender's (400, 408, 414, 501) is information: anyone can send
        # those, as many as they like. Either way a line a minute per kind, never per request
        level = logging.WARNING if status in (502, 503, 504) else logging.INFO
        self.quiet.say(level, kind or str(status), ANSWERED, said, status, why)
        headers, body = error_page(status)
        if status in (400, 408):  # more of a body (a request hidden in it) may come: closed
            headers.append((b"connection", b"close"))
        elif status == 405:
            headers.append((b"allow", b"GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body, "more_body": False})


class _Visitor:
    """The visitor's end of one exchange: ``send`` to them, and ``leave`` once they are gone.

    The exchange is cancelled at once (its origin connection closed and freed), unless it is
    inside ``send``: what the middleware does there runs to its end, then ClientGone stops it.
    """

    def __init__(self, send: Any) -> None:
        self._send = send
        self._sending = False
        self._gone = False

    async def send(self, message: Message) -> None:
        self._sending = True
        try:
            await self._send(message)
        finally:
            self._sending = False
        if self._gone:
            raise ClientGone("the visitor left")

    def leave(self, exchange: asyncio.Future[None]) -> None:
        self._gone = True
        if not self._sending:
            exchange.cancel()
