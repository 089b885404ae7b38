"""A page the app hands the server as a file (the ASGI ``http.response.pathsend`` extension,
Granian's): read here, so it can be personalised like a body, while every other file keeps the
server's own sending. ``zerocopysend`` (an open descriptor the server owns) is not offered on
requests whose page may be held, so apps send body messages instead."""

from __future__ import annotations

import asyncio
import os
import stat
from typing import Any

from omotenashi.asgi.arrival import FILE_SENDS

PATHSEND = "http.response.pathsend"
ZEROCOPY = "http.response.zerocopysend"


SMALL_PIECE = 4096  # a held page's pieces under this join the one before: see hold()


def hold(pieces: list[bytes | bytearray], body: bytes) -> int | None:
    """Keeps ``body``, one piece of a page held back, in ``pieces``: a small one joins a run of
    small ones. An origin that sends a page as one-byte chunks (each a message of its own)
    would otherwise cost some 40 bytes per byte held, beyond the max_body held in all. Its
    length; None, keeping nothing, when it is no bytes (a ``str``, no ASGI body: the server's
    to refuse, as without us; Granian's 500 was ours: mount64)."""
    if not isinstance(body, bytes | bytearray | memoryview):
        return None
    if len(body) >= SMALL_PIECE:
        pieces.append(body)  # kept as it came: a page sent whole is never copied here
    elif pieces and type(pieces[-1]) is bytearray and len(pieces[-1]) < SMALL_PIECE:
        pieces[-1] += body
    elif body:
        pieces.append(bytearray(body))
    return len(body)


def bodiless(send: Any) -> Any:
    """``send`` for a ``HEAD`` whose length Omotenashi took off: the body an app sends with it
    anyway (Starlette's, a file) goes as an empty one. A server may frame what it is handed:
    Granian sends it on HTTP/2 (a protocol error) and counts it as the length on HTTP/1.1."""

    async def sent(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body" or message["type"] in FILE_SENDS:
            more = message["type"] == "http.response.body" and message.get("more_body", False)
            message = {"type": "http.response.body", "body": b"", "more_body": more}
        await send(message)

    return sent


def offered(extensions: dict[str, Any]) -> dict[str, Any]:
    """The server's extensions, less the one a held page cannot use."""
    return {k: v for k, v in extensions.items() if k != ZEROCOPY}


async def read_page(message: dict[str, Any], limit: int) -> bytes | None:
    """The file a ``pathsend`` names, if it is a readable file of at most ``limit`` bytes;
    None: the message goes to the server as it is (too big, gone, or not a pathsend)."""
    path = message.get("path") if message.get("type") == PATHSEND else None
    if not isinstance(path, str):
        return None
    try:
        return await asyncio.to_thread(_read, path, limit)  # (no file system call on the loop)
    except (OSError, ValueError):  # (a NUL in the path, gone ...): the server's own error
        return None


def _read(path: str, limit: int) -> bytes | None:
    """The file, opened once and judged by what was opened: a regular file of at most
    ``limit`` bytes (a FIFO or a device could block the thread for ever; O_NONBLOCK keeps
    even the open from waiting for a FIFO's writer)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        found = os.fstat(fd)
        if not stat.S_ISREG(found.st_mode) or found.st_size > limit:
            return None
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read(limit + 1)  # (a file that grew since: one byte more says so)
    finally:
        os.close(fd)
    return data if len(data) <= limit else None
