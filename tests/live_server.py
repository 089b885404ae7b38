"""Serve an ASGI app over real sockets inside the test's event loop (uvicorn, no thread)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn

from omotenashi.store.embedded import free_port


@asynccontextmanager
async def serving(
    app: Any,
    *,
    lifespan: str = "on",
    proxy_headers: bool = False,
    date_header: bool = True,
    ws: Any = "auto",
) -> AsyncIterator[str]:
    """``async with serving(app) as url:`` the app at ``http://127.0.0.1:<port>``.

    ``lifespan="off"`` is a server that sends no lifespan events; ``proxy_headers`` makes
    uvicorn believe X-Forwarded-* from its peer (off: the socket's own address and scheme);
    ``date_header=False`` is a server that adds no Date (as ``omotenashi proxy`` runs);
    ``ws``: uvicorn's websocket library ("none": a handshake is an HTTP request).
    """
    port = free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        lifespan=lifespan,
        log_level="warning",
        proxy_headers=proxy_headers,
        date_header=date_header,
        ws=ws,
    )
    server = uvicorn.Server(config)
    server.capture_signals = contextlib.nullcontext  # type: ignore[method-assign]
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("uvicorn stopped before it started")
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
