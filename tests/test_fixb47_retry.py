"""fixb47: a request is asked again only when it met a kept-alive connection the origin closed
(nginx's rule, tests/test_proxy47_framing.py): one the origin drops on a connection opened for
it (a crash, a worker killed by a timeout) reached the origin once, and is not sent twice."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from omotenashi.proxy import proxy_app

from .live_server import serving
from .test_proxy47_framing import RULES, raw_origin

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS"])
async def test_a_request_the_origin_drops_on_a_new_connection_is_sent_once(
    make_settings: Any, method: str
) -> None:
    seen: list[bytes] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append((await reader.readuntil(b"\r\n\r\n")).split(b"\r\n", 1)[0])
        writer.close()  # read it whole, answered nothing

    async with raw_origin(handler) as origin_url:
        async with serving(proxy_app(origin_url, settings=make_settings(RULES))) as url:
            async with httpx.AsyncClient(base_url=url) as client:
                response = await client.request(method, "/report?rebuild=1")
    assert response.status_code == 502
    assert seen == [f"{method} /report?rebuild=1 HTTP/1.1".encode()]
