"""Auto-pipelining: every command of every request shares one connection, in order.

As ioredis's ``enableAutoPipelining``: a command is encoded and queued, and its reply is a
future. The first command of an event-loop tick is written at once (so a profile read is on
the wire before the app runs); the others queued in the same tick go out together in one write
when the tick ends. Replies come back in order and are matched to their futures by position.

Why this is safe under cancellation (redis-py CVE-2023-28859): a caller that gives up (a
timeout, a cancelled request) only cancels *its* future. The reply still arrives, is read and
dropped, and the next reply goes to the next future: the connection is never one reply behind.
A connection that stops answering (the oldest reply waited on for ``stall`` seconds) or that
breaks is closed; every command still waiting fails, and the next command reconnects.
URLs: store/tls.py ``fast_url`` (Sentinel, Cluster and URLs with options stay on redis-py).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import socket
import time
from collections import deque
from typing import Any, cast
from urllib.parse import parse_qs, unquote, urlparse

import hiredis

from omotenashi.errors import StoreError
from omotenashi.store.deadline import CONNECT_GRACE, Deadline
from omotenashi.store.refusals import MISCONFIGURED, REFUSED_CONNECTION, UNAVAILABLE
from omotenashi.store.refusals import shebang_refused as shebang_refused  # (its importers')
from omotenashi.store.tls import TLS
from omotenashi.store.tls import fast_url as fast_url  # (which URLs it speaks)


class PipelineError(StoreError, ConnectionError):
    """The connection failed or stalled, or the server cannot serve (the message says which).

    A ``ConnectionError`` too, so the store counts it as redis-py's errors are counted."""


class Closed(PipelineError):
    """A command waiting as this process closed the connection (its stop): not Redis failing."""


class ReplyError(StoreError):
    """The server answered this one command with an error (a script error, WRONGTYPE, OOM):
    it is up, so this is no ``ConnectionError`` and the circuit breaker does not count it."""


def reply_error(reply: object) -> StoreError:
    """The error of an error reply: :class:`ReplyError`, or a :class:`PipelineError` when
    the reply says the server cannot serve (it is loading its data, busy, lost its master)."""
    if str(reply).startswith(UNAVAILABLE):
        return PipelineError(f"Redis cannot serve: {reply}")
    return ReplyError(f"Redis refused: {reply}")


def encode(args: tuple[str | bytes | int | float, ...]) -> bytes:
    """One command in RESP: an array of bulk strings (hiredis packs it, in C)."""
    packed: bytes = hiredis.pack_command(args)  # type: ignore[arg-type]  # (its stub: 1-tuples)
    return packed


MAX_UNREAD = 32 * 2**20  # a reply's bytes still to come: ours are kB (redis50: 2.9 GB in 12 s)


class _Protocol(asyncio.Protocol):
    def __init__(self, owner: AutoPipeline) -> None:
        self.owner = owner
        self.reader = hiredis.Reader(encoding="utf-8")
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # Not an isinstance check: uvloop's transports (uvicorn[standard]'s loop) have the
        # same methods without deriving from asyncio.Transport.
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        if self.owner._proto is not self:
            return
        self.reader.feed(data)
        waiting = self.owner.waiting
        try:
            while (reply := self.reader.gets()) is not False:
                future, _ = waiting.popleft()
                if future.done():  # its caller gave up: the reply is read and dropped
                    continue
                if isinstance(reply, hiredis.ReplyError):
                    future.set_exception(reply_error(reply))
                else:
                    future.set_result(reply)
        except (hiredis.ProtocolError, IndexError) as exc:
            self.owner.drop(f"unreadable reply: {exc}")
            return
        if self.reader.len() > MAX_UNREAD:  # (left unread: the start of a reply still to come)
            self.owner.drop(f"a reply longer than {MAX_UNREAD // 2**20} MiB: not Redis's to us")

    def connection_lost(self, exc: Exception | None) -> None:
        if self.owner._proto is self:  # not an old connection closing after a new one opened
            self.owner.drop(f"connection lost: {exc or 'closed by the server'}")


class AutoPipeline:
    """One multiplexed connection; ``call(*args)`` returns the reply's future."""

    def __init__(
        self,
        url: str,
        *,
        connect_timeout: float,
        stall: float,
        max_waiting: int = 10_000,
        scripts: tuple[Script, ...] = (),
    ) -> None:
        parsed = urlparse(url)
        query = parse_qs(parsed.query)
        self.unix = parsed.path if parsed.scheme == "unix" else None
        self.tls = TLS(url)  # rediss:// (its context made when a connection first needs it)
        self.host = parsed.hostname or "localhost"
        self.port = parsed.port or 6379
        self.username = unquote(parsed.username) if parsed.username else None
        password = parsed.password or (query.get("password") or [""])[0]
        self.password = unquote(password) if password else None
        db = (query.get("db") or [""])[0] if self.unix else parsed.path.strip("/")
        self.db = int(db) if db else 0
        self.connect_timeout = connect_timeout
        self.stall = stall
        self.max_waiting = max_waiting
        self.scripts = scripts  # loaded on every connection, so EVALSHA finds them
        self.sent = 0  # commands sent so far
        self.waiting: deque[tuple[asyncio.Future[Any], float]] = deque()
        self._proto: _Protocol | None = None
        self._buffer: list[bytes] = []
        self._connecting: asyncio.Task[_Protocol] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def connected(self) -> bool:
        """Connected on the running loop: ``call`` can queue without waiting."""
        proto = self._proto
        return (
            proto is not None
            and proto.transport is not None
            and not proto.transport.is_closing()
            and self._loop is asyncio.get_running_loop()
        )

    @property
    def on_this_loop(self) -> bool:
        return self._loop is asyncio.get_running_loop()

    @property
    def refused(self) -> PipelineError | None:
        """The last opening's refusal (a misconfigured URL), as a new error; else None."""
        return refusal(self._connecting)

    def call(self, *args: str | bytes | int | float) -> asyncio.Future[Any]:
        """Queue one command (connected only); its future holds the reply or a PipelineError."""
        proto, loop = self._proto, self._loop
        if proto is None or proto.transport is None or loop is None:  # dropped under us
            raise PipelineError("Redis failed: not connected")
        now = time.monotonic()
        if self.waiting:
            if now - self.waiting[0][1] > self.stall:
                self.drop(f"no reply for {self.stall}s")
                raise PipelineError(f"Redis stalled: no reply for {self.stall}s")
            if len(self.waiting) >= self.max_waiting:
                raise PipelineError(f"{self.max_waiting} commands already wait for Redis")
        future: asyncio.Future[Any] = loop.create_future()
        self.waiting.append((future, now))
        self.sent += 1
        if self._buffer:  # a write is due at the end of this tick (or held): join it
            self._buffer.append(encode(args))
        else:
            proto.transport.write(encode(args))
            self._buffer.append(b"")  # later commands in this tick wait for _flush
            loop.call_soon(self._flush)
        return future

    def hold(self) -> bool:
        """Queue the commands that follow instead of writing the first at once; ``release``
        writes them together (a flush of queued page views and the profile read that follows
        it: one socket write, not two). False when a write is already due this tick."""
        if self._buffer:
            return False
        self._buffer.append(b"")
        return True

    def release(self) -> None:
        """Write what ``hold`` kept back, now."""
        self._flush()

    async def execute(self, *args: str | bytes | int | float) -> Any:
        """Connect when needed, then the reply of one command."""
        if not self.connected:
            await self.connect()
        return await self.call(*args)

    async def connect(self) -> None:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # a new event loop (a test's): start afresh
            self.close()
            self._loop = loop
        if self.connected:
            return
        refused = self.refused  # the last opening's refusal (a wrong password): said to the
        self.start()  # next caller too: on a busy loop none had waited for it, and it was
        if refused is not None:  # said as timeouts (sentinel59)
            raise refused
        # shield: one caller's timeout must not abort the connection the others wait for.
        # (_open sets the connection; nothing here sets it again: one dropped since stays so)
        await asyncio.shield(cast("asyncio.Task[_Protocol]", self._connecting))

    def start(self) -> None:
        """An opening, started now unless one is under way (a close cancels it)."""
        if self._connecting is None or self._connecting.done():
            self._connecting = asyncio.get_running_loop().create_task(self._open())
            # Every caller may have given up (timed out) before it fails: its error is theirs,
            # already reported to them, not an unretrieved task exception.
            self._connecting.add_done_callback(retrieved)

    async def _open(self) -> _Protocol:
        loop = asyncio.get_running_loop()
        if self._proto is not None:  # closing, not yet lost (the server ended it first): its
            self.drop("the connection closed")  # commands fail now; no reply here is theirs
        proto = _Protocol(self)
        try:
            with Deadline(self.connect_timeout, CONNECT_GRACE):
                if self.unix is not None:
                    await loop.create_unix_connection(lambda: proto, self.unix)
                else:
                    tls, host = self.tls.context(), self.host  # (TLS: the name checked, sent)
                    name = host if tls else None
                    await loop.create_connection(
                        lambda: proto, host, self.port, ssl=tls, server_hostname=name
                    )
        except (OSError, TimeoutError) as exc:
            said = str(exc) or ("timed out" if isinstance(exc, TimeoutError) else repr(exc))
            raise PipelineError(f"cannot connect to Redis: {said}") from exc
        self._proto, self._buffer = proto, []
        hello: list[asyncio.Future[Any]] = []
        if self.password is not None:
            user = (self.username,) if self.username else ()
            hello.append(self.call("AUTH", *user, self.password))
        if self.db:
            hello.append(self.call("SELECT", self.db))
        loads = [self.call("SCRIPT", "LOAD", script.source) for script in self.scripts]
        if hello or loads:
            try:
                with Deadline(self.connect_timeout, CONNECT_GRACE):
                    replies = await asyncio.gather(*hello, *loads, return_exceptions=True)
                    for at, reply in enumerate(replies):  # (NOAUTH to a SCRIPT LOAD too)
                        loading = at >= len(hello)
                        if isinstance(reply, ReplyError) and _misconfigured(reply, loading):
                            raise PipelineError(f"{REFUSED_CONNECTION}{_said(reply)}")
                    for reply in replies[: len(hello)]:
                        if isinstance(reply, BaseException):
                            raise reply
                    for script, reply in zip(self.scripts, replies[len(hello) :], strict=True):
                        if isinstance(reply, ReplyError) and script.plain_for(reply):
                            # A first line the server refuses (Redis 6 knows no "#!lua
                            # flags="): the plain text, from now on, once the server took it.
                            plain = script.plain or ""
                            await self.call("SCRIPT", "LOAD", plain)
                            script.use(plain)
                        elif isinstance(reply, BaseException):
                            raise reply
            except (PipelineError, ReplyError, TimeoutError) as exc:
                failed = f"setting up the connection failed: {_said(exc) or 'timeout'}"
                self.drop(failed)  # (no script's text: Redis quotes a refused command's args)
                if isinstance(exc, PipelineError) and str(exc).startswith(REFUSED_CONNECTION):
                    raise
                raise PipelineError(failed) from exc
        return proto

    def _flush(self) -> None:
        proto, buffer = self._proto, self._buffer
        self._buffer = []
        if proto is not None and proto.transport is not None and len(buffer) > 1:
            proto.transport.write(b"".join(buffer))

    def drop(self, reason: str, error: type[PipelineError] | None = None) -> None:
        """Close the connection; every command still waiting fails with ``reason``."""
        proto, self._proto, self._buffer = self._proto, None, []
        if proto is not None and proto.transport is not None:
            if self._loop is not None and self._loop.is_closed():  # closed under us: no loop
                sock = proto.transport.get_extra_info("socket")  # left to abort through
                if sock is not None:  # the connection ends now (asyncio's TransportSocket has
                    with contextlib.suppress(OSError, AttributeError):  # no close(): the
                        sock.shutdown(socket.SHUT_RDWR)  # descriptor goes with the transport)
            else:
                proto.transport.abort()
        waiting, self.waiting = self.waiting, deque()
        for future, _ in waiting:  # (not those of a closed event loop: nobody waits there)
            if not future.done() and not future.get_loop().is_closed():
                future.set_exception((error or PipelineError)(f"Redis failed: {reason}"))

    def close(self) -> None:
        self.drop("closed", Closed)
        if self._connecting is not None and not self._connecting.done():
            self._connecting.cancel()
        self._connecting = None


def _said(exc: BaseException) -> str:
    """What a reply said, without the arguments Redis quotes back (a script's text, keys)."""
    return str(exc).removeprefix("Redis refused: ").split(", with args beginning with:")[0]


def _misconfigured(reply: ReplyError, loading: bool) -> bool:
    """A refused AUTH/SELECT, or a SCRIPT LOAD refused for want of a password; one that an
    ACL refuses (NOPERM) is a command refused (store/breaker.py), not the URL's fault."""
    said = _said(reply)
    return said.startswith(MISCONFIGURED) and not (loading and said.startswith("NOPERM"))


def refusal(opening: asyncio.Task[Any] | None) -> PipelineError | None:
    """An opening's refusal (a misconfigured URL), as a new error; None for any other end."""
    if opening is None or not opening.done() or opening.cancelled():
        return None
    exc = opening.exception()
    refused = isinstance(exc, PipelineError) and str(exc).startswith(REFUSED_CONNECTION)
    return PipelineError(str(exc)) if refused else None


def retrieved(done: asyncio.Future[Any]) -> None:
    """A done callback that looks at a future's exception, so that asyncio reports none as
    never retrieved (a reply or a task nobody awaits)."""
    if not done.cancelled():
        done.exception()


class Script:
    """A Lua script run by EVALSHA, sent in full (EVAL) when the server does not know it.

    ``plain``: the same script without its ``#!lua flags=...`` line, for a server that refuses
    that line (Redis before 7): :meth:`plain_for` tells when, :meth:`use` switches to it."""

    def __init__(self, source: str, plain: str | None = None) -> None:
        self.source = source
        self.plain = plain
        self.sha = hashlib.sha1(source.encode()).hexdigest()
        self.calls = 0  # sent so far (the benchmark counts round trips with it)
        self.switched = False  # to ``plain``, by a connection that found the server refusing

    def plain_for(self, reply: object) -> bool:
        """Whether ``reply`` (an error reply to this script's SCRIPT LOAD) refuses its first
        line and there is a plain text to try instead. Any other refusal (a full server, a
        script error) is no reason to give up the read-only line."""
        switched = self.source != self.plain or self.switched  # (the other connection did)
        return self.plain is not None and switched and shebang_refused(reply)

    def use(self, source: str) -> None:
        """Run ``source`` from now on (the plain text, which the server took)."""
        self.source, self.sha = source, hashlib.sha1(source.encode()).hexdigest()
        self.switched = True

    def call(
        self, pipe: AutoPipeline, keys: list[str], args: list[str] | tuple[str, ...] = ()
    ) -> asyncio.Future[Any]:
        self.calls += 1
        return pipe.call("EVALSHA", self.sha, len(keys), *keys, *args)

    async def run(
        self, pipe: AutoPipeline, keys: list[str], args: list[str] | tuple[str, ...] = ()
    ) -> Any:
        if not pipe.connected:
            await pipe.connect()
        return await self.settle(pipe, self.call(pipe, keys, args), keys, args)

    async def settle(
        self,
        pipe: AutoPipeline,
        sent: asyncio.Future[Any],
        keys: list[str],
        args: list[str] | tuple[str, ...] = (),
    ) -> Any:
        """The reply of ``sent``; after a NOSCRIPT (a restarted or flushed server), once
        more with the script's text."""
        try:
            return await sent
        except ReplyError as exc:
            if not forgotten(exc):
                raise
        if pipe.connected:  # known again for the commands that follow
            pipe.call("SCRIPT", "LOAD", self.source).add_done_callback(_quiet)
        return await pipe.execute("EVAL", self.source, len(keys), *keys, *args)


def _quiet(reply: asyncio.Future[Any]) -> None:
    if not reply.cancelled():
        reply.exception()  # retrieved: a failure here shows in the EVAL that follows


def forgotten(exc: BaseException | None) -> bool:
    """The server had forgotten a script (NOSCRIPT: restarted or flushed): :meth:`Script.settle`
    sends it again with its text."""
    return exc is not None and "NOSCRIPT" in str(exc)
