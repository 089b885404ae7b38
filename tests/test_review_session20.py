"""Found by a sceptical review of session 20's fast paths and page-panel rule."""

from __future__ import annotations

import asyncio
import gc
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from omotenashi import Omotenashi, Settings
from omotenashi.engine.pagehttp import _private_shape, can_personalise
from omotenashi.engine.pagehttp import private_headers as _private
from omotenashi.store.pipeline import AutoPipeline
from omotenashi.testing import Written

from .test_middleware import PAGE, RULES, SNIPPETS
from .test_review_fixes import respond

Make = Callable[..., Settings]


def bytearray_app(content_type: bytes) -> Any:
    """A page whose Content-Type value is a bytearray (uvicorn and the code before took it)."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        body = PAGE.encode()
        headers = [(b"content-type", bytearray(content_type))]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


def as_server(app: Any) -> Any:
    """Header values as uvicorn takes them (h11 and httptools: any bytes-like), for httpx's
    client, which takes only bytes."""

    async def server(scope: dict[str, Any], receive: Any, send: Any) -> None:
        async def out(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = [(bytes(k), bytes(v)) for k, v in message.get("headers", [])]
                message = {**message, "headers": headers}
            await send(message)

        await app(scope, receive, out)

    return server


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("content_type", "personalised"),
    [(b"text/html; charset=utf-8", True), (b"application/json", False)],
)
async def test_a_bytearray_content_type_is_read_not_refused(
    make_settings: Make, content_type: bytes, personalised: bool
) -> None:
    """``media_type`` kept every short value in an lru_cache: a bytearray is unhashable, so the
    response's start raised TypeError into the app and the visitor got an error page."""
    mw = Omotenashi(bytearray_app(content_type), settings=make_settings(RULES, SNIPPETS))
    await mw.startup()
    try:
        transport = httpx.ASGITransport(app=as_server(Written(mw)))
        async with httpx.AsyncClient(transport=transport, base_url="http://shop.test") as client:
            await client.get("/")  # interest in hawaii, from the page's topics
            response = await client.get("/")
    finally:
        await mw.shutdown()
    assert response.status_code == 200
    assert ("Welcome back" in response.text) is personalised
    odd = [(b"content-type", bytearray(content_type))]
    assert can_personalise("GET", 200, odd) is personalised  # type: ignore[arg-type]


def test_no_page_panel_inside_a_slot_that_runs_past_the_body_end(tmp_path: Path) -> None:
    """A slot never closed holds the page's ``</body>`` in its content: the panel is left out
    (placed at the old offset it would land inside the rewritten slot's markup)."""
    page = b'<!doctype html><body><div data-omo-slot="hero">x</body></html>'
    out = respond(tmp_path, page, [(b"content-type", b"text/html")])
    assert b"Aloha" in out  # the slot itself is personalised
    assert b"omo-why-page" not in out


def test_pages_that_differ_in_length_and_validators_share_one_header_rewrite() -> None:
    """The headers dropped from a personalised page (length, ETag, Last-Modified) are not part
    of what is remembered: otherwise every page of a site is a miss (slower than no cache)."""
    base = [(b"content-type", b"text/html"), (b"cache-control", b"public, max-age=60")]
    _private(base, 1, (b"Cookie",))
    before = _private_shape.cache_info().hits
    for n in range(5):
        headers = [*base, (b"content-length", str(n).encode()), (b"ETag", f'"{n}"'.encode())]
        assert _private(headers, n, (b"Cookie",)) == [
            (b"content-type", b"text/html"),
            (b"content-length", str(n).encode()),
            (b"vary", b"Cookie"),
            (b"cache-control", b"private, no-store"),  # (rewritten: kept nowhere, http50/qa50)
        ]
    assert _private_shape.cache_info().hits == before + 5


def test_a_page_the_scanner_could_not_follow_to_its_end_gets_no_page_panel(
    tmp_path: Path,
) -> None:
    """More than 512 open formatting elements stop the scanner after the slot: the slot is
    personalised with its own "i", and the page panel is left out (its place cannot be known
    to be the page's own end), as the README says."""
    bold = "".join(f"<b class=k{i}>" for i in range(600))
    page = f'<!doctype html><body><div data-omo-slot="hero">x</div>{bold}</body></html>'
    out = respond(tmp_path, page.encode(), [(b"content-type", b"text/html")])
    assert b"Aloha" in out
    assert b'class="omo-i"' in out  # the block's own note
    assert b"omo-why-page" not in out
    assert out.endswith(f"{bold}</body></html>".encode())


def test_the_fast_path_reconnects_on_a_new_loop_after_the_old_one_closed(
    omotenashi_redis_url: str,
) -> None:
    pipe = AutoPipeline(omotenashi_redis_url, connect_timeout=2.0, stall=2.0)
    loop = asyncio.new_event_loop()
    try:
        assert loop.run_until_complete(pipe.execute("PING")) == "PONG"
    finally:
        loop.close()
    # The old loop's transport cannot be closed once its loop is: the collector reports it
    # unclosed whenever it runs, here or (automatically, at any allocation) in the new loop.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            got: object = asyncio.run(pipe.execute("PING"))
        except AttributeError as exc:  # not kept: its frames would keep the old transport alive
            got = repr(exc)
        finally:
            pipe.close()
            gc.collect()
    assert got == "PONG"
