"""The visitor's request body on its way to the origin: small ones read whole first, every one
read at a least rate.

A body whose ``Content-Length`` is within ``OMOTENASHI_PROXY_BODY_BUFFER`` is read from the
visitor before the origin is asked (nginx's request buffering): however slowly it comes, it
holds no connection to the origin. Larger and chunked bodies stream as httpx asks for them.
Either way the visitor has ``OMOTENASHI_PROXY_BODY_TIMEOUT`` seconds for the body, one more per
``OMOTENASHI_PROXY_BODY_MIN_RATE`` bytes received (Apache mod_reqtimeout's
``body=20,MinRate=500``); past that, :class:`BodyTimeout`, which the proxy answers with a 408.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from typing import Any, TypeVar

from omotenashi.errors import OmotenashiError

Headers = list[tuple[bytes, bytes]]
T = TypeVar("T")


class BodyTimeout(OmotenashiError):
    """The visitor sent their request body slower than the least rate (answered 408)."""

    def __init__(self, received: int, seconds: float) -> None:
        self.received = received
        self.seconds = seconds
        super().__init__(
            f"the visitor sent {received!r} bytes of the request body in {seconds:.1f} s, "
            "below the least rate"
        )


class Deadline:
    """When the visitor's body must be in: ``timeout`` seconds from :meth:`start`, plus one
    second per ``min_rate`` bytes :meth:`received`."""

    def __init__(self, timeout: float, min_rate: float) -> None:
        self.timeout = timeout
        self.min_rate = min_rate
        self.received = 0
        self._start: float | None = None

    def start(self) -> float:
        """When the body was first waited for (now, the first time)."""
        if self._start is None:
            self._start = asyncio.get_running_loop().time()
        return self._start

    def got(self, size: int) -> None:
        self.received += size

    def remaining(self) -> float:
        """Seconds left (0 or less: the deadline has passed)."""
        end = self.start() + self.timeout + self.received / self.min_rate
        return end - asyncio.get_running_loop().time()

    def expired(self) -> BodyTimeout:
        return BodyTimeout(self.received, asyncio.get_running_loop().time() - self.start())

    async def within(self, waiting: Awaitable[T]) -> T:
        """What ``waiting`` (an awaitable) gives, or BodyTimeout once the deadline passes."""
        try:
            async with asyncio.timeout(self.remaining()):
                return await waiting
        except TimeoutError:
            raise self.expired() from None


def buffered_length(headers: Headers, limit: int) -> int | None:
    """The body's length when it is read whole before the origin is asked: one
    ``Content-Length`` of digits, at most ``limit``, and no ``Transfer-Encoding``. None: the
    body streams (chunked, larger, or a length the server let through unread)."""
    lengths = [value.strip() for name, value in headers if name.lower() == b"content-length"]
    if len(lengths) != 1 or any(name.lower() == b"transfer-encoding" for name, _ in headers):
        return None
    value = lengths[0]
    if not value.isdigit() or len(value) > 18 or int(value) > limit:
        return None
    return int(value)


async def read_whole(receive: Any, deadline: Deadline) -> bytes | None:
    """The visitor's whole body, read before the origin is asked; None when they left first.

    Raises BodyTimeout past the deadline (nothing has reached the origin then).
    """
    # one buffer, not a list of pieces: a visitor trickling one byte per packet would make
    # each byte a piece of its own, some 40 bytes apiece held for the whole body's time
    whole = bytearray()
    while True:
        message = await deadline.within(receive())
        if message["type"] == "http.disconnect":
            return None
        chunk: bytes = message.get("body", b"")
        deadline.got(len(chunk))
        whole += chunk
        if not message.get("more_body", False):
            return bytes(whole)


async def listen(
    receive: Any, body: asyncio.Queue[bytes | None] | None, wanted: asyncio.Event
) -> None:
    """Reads the visitor's side until they disconnect: their body into ``body`` (None ends it),
    from when the body is ``wanted``.

    A server's ``receive`` waits, once the request is whole, until the visitor leaves; one
    that answers at once again (a test's) is not read any further.
    """
    await wanted.wait()
    complete = False
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        if complete:
            await asyncio.get_running_loop().create_future()  # nothing more to learn
        chunk: bytes = message.get("body", b"")
        if chunk and body is not None:
            await body.put(chunk)
        if not message.get("more_body", False):
            complete = True
            if body is not None:
                await body.put(None)


async def streamed(
    queue: asyncio.Queue[bytes | None], wanted: asyncio.Event, deadline: Deadline
) -> AsyncIterator[bytes]:
    """The visitor's body, streamed to the origin as it arrives (asked for first here): the
    deadline starts then. Raises BodyTimeout past it, inside httpx, which closes the origin's
    connection."""
    wanted.set()
    deadline.start()
    while (chunk := await deadline.within(queue.get())) is not None:
        deadline.got(len(chunk))
        yield chunk
