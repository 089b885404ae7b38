"""The proxy never lets a visitor's path leave the origin's base path (``..`` and kin)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

import pytest

from omotenashi import Settings
from omotenashi.proxy import proxy_app
from omotenashi.proxy.targets import confined_path

from .live_server import serving

pytestmark = pytest.mark.anyio

BASE = "/public"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        (b"/", b"/"),
        (b"/shop/item", b"/shop/item"),
        (b"/a..b/...", b"/a..b/..."),  # not dot segments
        (b"/..", b"/"),
        (b"/../admin", b"/admin"),
        (b"/a/../../etc/passwd", b"/etc/passwd"),
        (b"/a/b/..", b"/a/"),
        (b"/a/b/.", b"/a/b/"),
        (b"/./a/./b", b"/a/b"),
        (b"/a//../b", b"/a/b"),
        (b"/%2e%2e/admin", b"/admin"),
        (b"/%2E./%2e%2E/admin", b"/admin"),
        (b"/a/%2e/b", b"/a/b"),
        (b"//evil.example/x", b"//evil.example/x"),
        (b"http://evil.example/x", b"/http://evil.example/x"),
        (b"..", b"/"),
        (b"/..%2f..%2fetc/passwd", None),
        (b"/%2E%2E%2Fetc", None),
        (b"/..%5C..%5Cetc", None),
        (b"/..\\..\\etc", None),
        (b"/a\\..\\b", None),
        (b"/..;/admin", None),
        (b"/..%3Bx/admin", None),
    ],
)
def test_dot_segments_are_removed_or_the_path_refused(raw: bytes, clean: bytes | None) -> None:
    assert confined_path(raw) == clean


def recorder(seen: list[str]) -> Any:
    """An origin that notes each path exactly as it arrives (raw, not decoded)."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        query = scope["query_string"].decode("latin-1")
        seen.append(scope["raw_path"].decode("latin-1") + (f"?{query}" if query else ""))
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    return app


@asynccontextmanager
async def proxied(settings: Settings, seen: list[str]) -> AsyncIterator[tuple[str, int]]:
    async with serving(recorder(seen)) as origin:
        async with serving(proxy_app(origin + BASE, settings=settings)) as url:
            parts = urlsplit(url)
            assert parts.hostname is not None and parts.port is not None
            yield parts.hostname, parts.port


async def status_of(host: str, port: int, target: str) -> int:
    """GET ``target`` exactly as written (httpx would resolve the dots itself)."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        head = f"GET {target} HTTP/1.1\r\nHost: shop.example\r\nConnection: close\r\n\r\n"
        writer.write(head.encode("latin-1"))
        await writer.drain()
        status_line = await reader.readline()
        await reader.read()
    finally:
        writer.close()
        await writer.wait_closed()
    return int(status_line.split()[1])


@pytest.mark.parametrize(
    ("target", "origin_sees"),
    [
        ("/shop/item", "/public/shop/item"),
        ("/../admin", "/public/admin"),
        ("/a/../../etc/passwd", "/public/etc/passwd"),
        ("/%2e%2e/%2E%2e/admin", "/public/admin"),
        ("/%2E./secret", "/public/secret"),
        ("/a/b/..", "/public/a/"),
        ("/..", "/public/"),
        ("/../a?next=/../b", "/public/a?next=/../b"),  # the query is not a path: untouched
        ("//evil.example/x", "/public//evil.example/x"),
        ("/..%2f..%2fetc/passwd", None),
        ("/..%5c..%5cetc", None),
        ("/..\\..\\etc", None),
        ("/..;/admin", None),
        # (proxy49) an absolute-form target names no other origin: its path, under the base
        ("http://other.example:9999/shop/item?x=1", "/public/shop/item?x=1"),
        ("HTTPS://shop.example", "/public/"),
        ("http://shop.example/../admin", "/public/admin"),
    ],
)
async def test_the_origin_only_ever_sees_paths_under_the_base(
    make_settings: Callable[..., Settings], target: str, origin_sees: str | None
) -> None:
    seen: list[str] = []
    async with proxied(make_settings(), seen) as (host, port):
        status = await status_of(host, port, target)
    if origin_sees is None:
        assert (status, seen) == (400, [])  # refused, and the origin was never asked
    else:
        assert (status, seen) == (200, [origin_sees])
    assert all(path.startswith(BASE + "/") for path in seen)
