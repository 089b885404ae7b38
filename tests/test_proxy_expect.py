"""The proxy's edges with real servers: Expect: 100-continue (checked with curl) and the Date
of every response, the proxy's own pages included (``omotenashi proxy`` has uvicorn add none,
so the origin's passes through alone)."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest

from omotenashi import Settings
from omotenashi.proxy import ProxySettings, Upstream, proxy_app
from omotenashi.store.embedded import free_port

from .live_server import serving

pytestmark = pytest.mark.anyio

UPLOAD = bytes(range(256)) * 1200  # 307,200 bytes


async def origin(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """``/refuse`` answers 413 without reading the body; anything else echoes what it got."""
    if scope["type"] != "http":
        return
    if scope["path"] == "/refuse":
        body = b"too large"
    else:
        size = 0
        while True:
            message = await receive()
            size += len(message.get("body", b""))
            if not message.get("more_body", False):
                break
        headers = [k.decode("latin-1") for k, _ in scope["headers"]]
        body = json.dumps({"size": size, "headers": headers}).encode()
    status = 413 if scope["path"] == "/refuse" else 200
    start = {"type": "http.response.start", "status": status, "headers": []}
    await send({**start, "headers": [(b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


async def curl_post(url: str, upload: Path) -> tuple[int, int, bytes]:
    """POST ``upload`` with ``Expect: 100-continue`` as curl does: (status, bytes uploaded,
    body). curl waits up to 30 s for 100 Continue, so only the proxy decides when it sends."""
    curl = shutil.which("curl")
    assert curl is not None, "these tests need curl"
    process = await asyncio.create_subprocess_exec(
        curl,
        *("-sS", "-o", "-", "-w", "\n%{http_code} %{size_upload}", "--expect100-timeout", "30"),
        *("-H", "Expect: 100-continue", "--data-binary", f"@{upload}", url),
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await process.communicate()
    body, _, tail = out.rpartition(b"\n")
    status, uploaded = tail.split()
    return int(status), int(float(uploaded)), body


@pytest.mark.parametrize(
    ("where", "status", "uploaded"),
    [("down", 502, 0), ("echo", 200, len(UPLOAD))],
)
async def test_expect_100_continue_waits_for_the_origin(
    make_settings: Callable[..., Settings], tmp_path: Path, where: str, status: int, uploaded: int
) -> None:
    """The visitor is told to send their body only once the origin has the request: an origin
    that cannot be reached costs them no upload; one that can gets the whole body, and no
    Expect (the proxy answered it)."""
    upload = tmp_path / "upload.bin"
    upload.write_bytes(UPLOAD)
    settings = make_settings()
    config = ProxySettings(connect_timeout=5, read_timeout=30)
    async with serving(origin) as origin_url:
        target = origin_url if where == "echo" else f"http://127.0.0.1:{free_port()}"
        async with serving(proxy_app(target, settings=settings, config=config)) as url:
            got = await curl_post(f"{url}/{where}", upload)
    assert got[:2] == (status, uploaded)
    if where == "echo":
        seen = json.loads(got[2])
        assert seen["size"] == len(UPLOAD) and "expect" not in seen["headers"]


async def test_an_origin_that_refuses_unread_is_answered_through_the_proxy(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    """httpx sends the body without waiting for the origin (it cannot wait for a 100), so the
    visitor uploads it; what matters here is that the origin's refusal reaches them."""
    upload = tmp_path / "upload.bin"
    upload.write_bytes(UPLOAD)
    async with serving(origin) as origin_url:
        async with serving(proxy_app(origin_url, settings=make_settings())) as url:
            status, _, body = await curl_post(f"{url}/refuse", upload)
    assert (status, body) == (413, b"too large")


async def exchange(upstream: Upstream, path: bytes, headers: list[Any]) -> list[dict[str, Any]]:
    """One request straight to the proxy's origin end (no server to add a Date): its messages."""
    messages: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    scope = {"type": "http", "method": "GET", "path": path.decode(), "raw_path": path}
    await upstream({**scope, "headers": headers, "query_string": b""}, receive, send)
    await upstream.aclose()
    return messages


@pytest.mark.parametrize(
    ("where", "path", "headers", "status"),
    [
        ("down", b"/page", [], 502),
        ("up", b"/..%2f..%2fetc", [], 400),
        ("up", b"/ws", [(b"upgrade", b"websocket")], 501),
        ("up", b"/echo", [], 200),  # the origin's own Date was left out by its server
    ],
)
async def test_every_response_through_the_proxy_has_one_date(
    where: str, path: bytes, headers: list[Any], status: int
) -> None:
    """RFC 9110 6.6.1: the proxy's own pages say when they were made, and a response the
    origin sent without a Date gets one (as ``omotenashi proxy`` runs, uvicorn adds none)."""
    async with serving(origin, date_header=False) as origin_url:
        target = origin_url if where == "up" else f"http://127.0.0.1:{free_port()}"
        messages = await exchange(Upstream(target), path, headers)
    start = messages[0]
    assert start["status"] == status
    dates = [v for k, v in start["headers"] if k.lower() == b"date"]
    assert len(dates) == 1
    assert parsedate_to_datetime(dates[0].decode()).tzname() == "UTC"


async def test_the_origins_own_date_passes_through_alone() -> None:
    async with serving(origin) as origin_url:  # uvicorn adds a Date here
        messages = await exchange(Upstream(origin_url), b"/echo", [])
    dates = [v for k, v in messages[0]["headers"] if k.lower() == b"date"]
    assert len(dates) == 1
