"""Whether the origin's connection may carry the next request once a response is over.

A response to ``HEAD``, and a 204 or 304, ends with its headers: bytes the origin sends after
them (a body it should not have sent, as some origins do) stay in the connection, and the next
request on it, another visitor's, would read them as the start of its own answer (a 502 for
that visitor, or worse, the first visitor's bytes). httpx reuses a connection whose socket
holds nothing more, but not what its parser has already read; so after such a response, where
the origin may have sent more, the connection is closed, never reused (curl does the same), and
so it is after any response its parser has read bytes past (a body longer than its
``Content-Length``: what follows could even read as a whole response, the first visitor's).

The other way round, an origin may close a kept-alive connection just as the next request is
sent on it (its keep-alive ending as the request arrives: gunicorn keeps one 2 s, Node and
uvicorn 5 s, the pool 5 s): a ``GET``, ``HEAD`` or ``OPTIONS`` that meets such a connection
is asked once more (:func:`ask`), as nginx does, instead of answering that visitor 502; one
that the origin drops on a connection opened for it is not (it reached the origin once).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx

log = logging.getLogger("omotenashi.proxy")
NO_BODY = frozenset({204, 304})
SAFE = frozenset({"GET", "HEAD", "OPTIONS"})  # RFC 9110 9.2.1: asking twice changes nothing


def may_trail(method: str, response: httpx.Response) -> bool:
    """Whether bytes may follow ``response`` on its connection: always after a ``HEAD`` (its
    body is the GET's, easily sent by mistake), after a 204 or 304 that announces a body."""
    if method == "HEAD":
        return True
    if response.status_code not in NO_BODY:
        return False
    headers = response.headers
    length = headers.get("content-length", "0").strip()
    return "transfer-encoding" in headers or length != "0"


def read_past(response: httpx.Response) -> bool:
    """Whether the parser has read bytes past the end of ``response`` (h11's trailing data,
    reached through httpx's and httpcore's internals; False where they are not found)."""
    node: Any = response.stream
    for name in ("_httpcore_stream", "_stream", "_connection", "_h11_state"):
        node = getattr(node, name, None)
    trailing = getattr(node, "trailing_data", None)
    return isinstance(trailing, tuple) and bool(trailing[0])


def body_of(response: httpx.Response) -> AsyncIterator[bytes]:
    """``response``'s body as it arrives, the response left open at its end: httpx's
    ``aiter_raw`` closes it there, which gives its connection back to the pool, and another
    visitor's request waiting for one took it before :func:`release` could close it (sec63:
    that visitor read the stray bytes as their answer, or a 502 as it was closed under them)."""
    stream = response.stream
    if not isinstance(stream, httpx.AsyncByteStream):  # (the proxy's transport is async)
        raise TypeError(f"not an async response stream: {stream!r}")
    return stream.__aiter__()


async def release(method: str, response: httpx.Response) -> None:
    """Closes ``response``, and its connection too when bytes may follow it (:func:`may_trail`)
    or have (:func:`read_past`): the pool then opens a new one for the next request. Run to
    its end even when the exchange is cancelled meanwhile (a visitor gone once the last byte
    went): cancelled inside httpcore's close, the pool kept the connection as in use for good,
    and once every one was, every request was answered 503 (last63)."""
    if response.is_closed:
        return
    closing = asyncio.ensure_future(_release(method, response))
    try:
        await asyncio.shield(closing)
    except asyncio.CancelledError:
        closing.add_done_callback(_retrieved)  # (it goes on: its error, if any, is its own)
        raise


def _retrieved(task: asyncio.Future[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.debug("omotenashi proxy: closing a response failed", exc_info=task.exception())


async def _release(method: str, response: httpx.Response) -> None:
    try:  # (before the response is closed: the pool could give the connection out again)
        if may_trail(method, response) or read_past(response):
            stream = response.extensions.get("network_stream")
            if stream is not None:
                with contextlib.suppress(Exception):  # already broken: closed either way
                    await stream.aclose()
    finally:  # also when cancelled meanwhile: the pool gets its connection back
        await response.aclose()


def closed_under_us(exc: Exception) -> bool:
    """Whether ``exc`` is the origin closing the connection before any answer (a reset, a
    broken pipe, or an end with no response: httpcore's "Server disconnected without ...")."""
    if isinstance(exc, httpx.ReadError | httpx.WriteError):
        return True
    return isinstance(exc, httpx.RemoteProtocolError) and "disconnected without" in str(exc)


async def ask(transport: httpx.AsyncHTTPTransport, request: httpx.Request) -> httpx.Response:
    """The origin's response to ``request``, asked once more on a new connection when a safe
    request without a streamed body met a kept-alive connection the origin closed
    (:func:`closed_under_us`; the pool does not hand out a connection it already knows to be
    closed). Before the try more, every idle connection of the pool is closed: the origin
    closed those too, most likely (proxy67: the try more met another, a 502; review67: trying
    until a new one was opened sent a request the origin drops to it once per pooled
    connection). Not when the first try opened its connection (nginx's rule): the origin
    closed that one on this request itself (a crash, a worker killed), and would see it
    twice."""
    opened = False  # whether the first try opened a connection (httpcore's trace extension)
    theirs = request.extensions.get("trace")

    async def trace(event: str, info: dict[str, Any]) -> None:
        nonlocal opened
        opened |= ".connect_" in event  # connect_tcp, connect_unix_socket (a proxy's too)
        if theirs is not None:
            await theirs(event, info)

    extensions = request.extensions
    request.extensions = {**extensions, "trace": trace}
    try:
        response = await transport.handle_async_request(request)
        response.request = request  # (what it answers: forwarding.public_of)
        return response
    except (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError) as exc:
        streamed = not isinstance(request.stream, httpx.ByteStream)
        if request.method not in SAFE or streamed or opened or not closed_under_us(exc):
            raise
    finally:
        request.extensions = extensions
    await _close_idle(transport)
    response = await transport.handle_async_request(request)
    response.request = request
    return response


async def _close_idle(transport: httpx.AsyncHTTPTransport) -> None:
    """Close the pool's idle connections (httpcore's pool, reached through httpx's internals:
    nothing is closed where they are not found); the pool drops closed ones before it hands
    one out. Each is marked closed before any await: none is handed out meanwhile."""
    pool = getattr(transport, "_pool", None)
    for connection in list(getattr(pool, "connections", ())):
        if connection.is_idle():
            with contextlib.suppress(Exception):  # (already broken: closed either way)
                await connection.aclose()
