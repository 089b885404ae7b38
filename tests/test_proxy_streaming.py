"""The proxy passes a streamed body on piece by piece, as the origin sends it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from omotenashi import Settings
from omotenashi.proxy import Upstream, proxy_app

from .live_server import serving

pytestmark = pytest.mark.anyio

FIRST, SECOND = b"id: 1\ndata: hello\n\n", b"id: 2\ndata: again\n\n"
BIG = bytes(range(256)) * 200  # 51,200 bytes in one write


def origin(gate: asyncio.Event) -> Starlette:
    """``/events`` sends one event, then waits for ``gate`` before the next and the end."""

    async def events(request: Request) -> Response:
        async def parts() -> AsyncIterator[bytes]:
            yield FIRST
            await gate.wait()
            yield SECOND

        media = request.query_params.get("type", "text/event-stream")
        return StreamingResponse(parts(), media_type=media)

    async def big(request: Request) -> Response:
        return Response(BIG, media_type="application/octet-stream")

    return Starlette(routes=[Route("/events", events), Route("/big", big)])


@pytest.mark.parametrize("media", ["text/event-stream", "application/json", "text/plain"])
async def test_an_event_reaches_the_visitor_while_the_origin_is_still_open(
    make_settings: Any, media: str
) -> None:
    settings: Settings = make_settings()
    gate = asyncio.Event()
    async with serving(origin(gate)) as origin_url:
        async with serving(proxy_app(origin_url, settings=settings)) as url:
            async with httpx.AsyncClient(base_url=url) as client:
                request = client.build_request(
                    "GET", "/events", params={"type": media}, headers={"accept": media}
                )
                response = await client.send(request, stream=True)
                try:
                    chunks = response.aiter_raw()
                    # wait_for only keeps a broken proxy from hanging the test
                    first = await asyncio.wait_for(chunks.__anext__(), timeout=30)
                    assert first == FIRST
                    assert not gate.is_set()  # the origin has sent nothing more, nor closed
                    gate.set()
                    rest = b"".join([chunk async for chunk in chunks])
                finally:
                    gate.set()
                    await response.aclose()
    assert rest == SECOND
    assert response.headers["content-type"].startswith(media)


async def test_a_piece_larger_than_chunk_size_is_split() -> None:
    """No body message is ever larger than chunk_size (what bounds the memory held)."""
    messages: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    async with serving(origin(asyncio.Event())) as origin_url:
        upstream = Upstream(origin_url, chunk_size=1000)
        scope = {"type": "http", "method": "GET", "path": "/big", "raw_path": b"/big"}
        await upstream({**scope, "headers": [], "query_string": b""}, receive, send)
        await upstream.aclose()
    bodies = [m["body"] for m in messages if m["type"] == "http.response.body"]
    assert b"".join(bodies) == BIG
    assert max(len(body) for body in bodies) <= 1000
