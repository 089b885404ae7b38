"""A page the app hands the server as a file (the ASGI ``http.response.pathsend`` extension,
Granian's): read here, so it can be personalised like a body, while every other file keeps the
server's own sending. ``zerocopysend`` (an open descriptor the server owns) is not offered on
requests whose page may be held, so apps send body messages instead."""

from __future__ import annotations

import asyncio
import os
import stat
from typing import Any

PATHSEND = "http.response.pathsend"
ZEROCOPY = "http.response.zerocopysend"


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
        found = os.stat(path)
        if not stat.S_ISREG(found.st_mode) or found.st_size > limit:
            return None  # (a FIFO or a device could block the thread for ever)
        data = await asyncio.to_thread(_read, path, limit)
    except (OSError, ValueError):  # (a NUL in the path, a directory ...): the server's error
        return None
    return data if len(data) <= limit else None


def _read(path: str, limit: int) -> bytes:
    with open(path, "rb") as f:
        return f.read(limit + 1)  # (a file that grew since: one byte more says so)
