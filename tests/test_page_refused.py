"""A page we cannot personalise for a reason of its own (bytes that are not in its charset, a
charset label browsers reject, a broken gzip body) goes out as the app sent it, counted as
``page_refused`` and logged once as a warning: no traceback per request, no ``splice_error``.
"""

from __future__ import annotations

import gzip
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from omotenashi import Omotenashi, Settings
from omotenashi.proxy import proxy_app

from .conftest import client_for, page_app
from .live_server import serving

pytestmark = pytest.mark.anyio

Make = Callable[..., Settings]
MAX_BODY = 4096
PAGE = (
    "<!doctype html><html><head><title>Caf\u00e9</title></head><body>"
    '<p data-omo-slot="tagline">Default tagline</p></body></html>'
)
ASCII = PAGE.replace("\u00e9", "e").encode()
RULES = """
rules:
  - id: campaign-copy
    slot: tagline
    text: "Spring sale"
    when: {query: {utm_campaign: spring}}
    why: "You came from our spring campaign."
"""
GZIP = [(b"content-encoding", b"gzip")]
# (body, Content-Type, extra headers): each a page a browser shows, that we must not touch
PAGES = {
    "undeclared-windows-1252": (PAGE.encode("cp1252"), "text/html", []),
    "single-quoted-label": (ASCII, "text/html; charset='utf-8'", []),
    "unknown-label": (ASCII, "text/html; charset=klingon", []),
    "python-only-label": (ASCII, "text/html; charset=cp500", []),
    "header-replacement": (ASCII, "text/html; charset=iso-2022-kr", []),
    "meta-replacement": (b'<meta charset="iso-2022-kr">' + ASCII, "text/html", []),
    "not-in-its-charset": (PAGE.encode("cp1252"), "text/html; charset=utf-8", []),
    "no-round-trip": (ASCII + b"<p>\xfa\x4a</p>", "text/html; charset=shift_jis", []),
    "gzip-too-large": (
        gzip.compress(ASCII + b" " * MAX_BODY),
        "text/html; charset=utf-8",
        GZIP,
    ),
    "gzip-truncated": (gzip.compress(ASCII)[:-12], "text/html; charset=utf-8", GZIP),
    "gzip-second-cut": (gzip.compress(ASCII) * 2 + b"\x1f\x8b", "text/html; charset=utf-8", GZIP),
    "gzip-broken": (b"\x1f\x8b\x08\x00garbage" + ASCII, "text/html; charset=utf-8", GZIP),
}
REQUESTS = 3


@asynccontextmanager
async def middleware(app: Any, settings: Settings) -> AsyncIterator[tuple[Any, Omotenashi]]:
    mw = Omotenashi(app, settings=settings)
    async with client_for(mw) as client:
        yield client, mw


@asynccontextmanager
async def proxy(app: Any, settings: Settings) -> AsyncIterator[tuple[Any, Omotenashi]]:
    async with serving(app, lifespan="off") as origin:
        mw = proxy_app(origin, settings=settings)
        async with client_for(mw) as client:
            yield client, mw


async def raw_get(client: httpx.AsyncClient, url: str) -> tuple[int, bytes]:
    """The status and the body's bytes as sent (never un-gzipped by the client)."""
    async with client.stream("GET", url) as response:
        return response.status_code, b"".join([part async for part in response.aiter_raw()])


@pytest.mark.parametrize("adapter", [middleware, proxy], ids=["middleware", "proxy"])
@pytest.mark.parametrize("name", list(PAGES))
async def test_a_page_we_cannot_read_goes_out_untouched_with_one_warning(
    make_settings: Make, caplog: pytest.LogCaptureFixture, adapter: Any, name: str
) -> None:
    body, content_type, headers = PAGES[name]
    app = page_app(body, content_type=content_type, headers=headers)
    settings = make_settings(RULES, max_body=MAX_BODY)
    caplog.set_level(logging.DEBUG, logger="omotenashi")
    async with adapter(app, settings) as (client, mw):
        caplog.clear()  # what startup said
        for _ in range(REQUESTS):
            status, sent = await raw_get(client, "/legacy/page?utm_campaign=spring")
            assert (status, sent) == (200, body)
    ours = [r for r in caplog.records if r.name.startswith("omotenashi")]
    assert [r for r in ours if r.levelno >= logging.ERROR] == []
    warnings = [r for r in ours if r.levelno == logging.WARNING]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    assert warnings[0].exc_info is None
    assert "/legacy/page" in warnings[0].getMessage()  # names the path
    assert (mw.metrics["page_refused"], mw.metrics["splice_error"]) == (REQUESTS, 0)
    assert b'omotenashi_responses_total{outcome="refused"} 3.0' in mw.metrics.exposition()


@pytest.mark.parametrize("adapter", [middleware, proxy], ids=["middleware", "proxy"])
@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (ASCII, "text/html; charset=utf-8"),
        (ASCII, 'text/html; charset="utf-8"'),  # a double-quoted label is the label
        (PAGE.encode("cp1252"), "text/html; charset=windows-1252"),
        (PAGE.encode("cp1252"), "text/html; charset=latin1"),
        (b"<meta charset=latin1>" + PAGE.encode("cp1252"), "text/html; charset='utf-8'"),
    ],
    ids=["utf-8", "double-quoted", "windows-1252", "latin1", "bad-label-then-meta"],
)
async def test_the_same_pages_readable_are_personalised(
    make_settings: Make, adapter: Any, body: bytes, content_type: str
) -> None:
    """The control: the rule applies to these pages, so it is the page that was refused."""
    settings = make_settings(RULES, max_body=MAX_BODY)
    async with adapter(page_app(body, content_type=content_type), settings) as (client, mw):
        status, sent = await raw_get(client, "/legacy/page?utm_campaign=spring")
    assert status == 200
    assert b'data-omo-rule="campaign-copy">Spring sale</p>' in sent
    assert b"Caf\xe9" in sent or b"Cafe" in sent  # its own bytes
    assert (mw.metrics["personalised"], mw.metrics["page_refused"]) == (1, 0)


C1 = b"<p>\x81\x8d\x8f\x90\x9d</p>"  # undefined in Python's cp1252; C1 controls in browsers
TAGLINE = b'<p data-omo-slot="tagline">Default tagline</p>'
SHOWN = b'<p data-omo-slot="tagline" data-omo-rule="campaign-copy">Spring sale</p>'


@pytest.mark.parametrize("adapter", [middleware, proxy], ids=["middleware", "proxy"])
@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (PAGE.encode("cp1252") + C1, "text/html; charset=latin1"),
        (b"<meta charset=iso-8859-1>" + C1 + PAGE.encode("cp1252"), "text/html"),
    ],
    ids=["header-latin1", "meta-iso-8859-1"],
)
async def test_a_windows_1252_page_with_c1_bytes_is_personalised_byte_for_byte(
    make_settings: Make, adapter: Any, body: bytes, content_type: str
) -> None:
    """0x81, 0x8D, 0x8F, 0x90 and 0x9D decode as browsers decode them, and go out as they came."""
    settings = make_settings(RULES, max_body=MAX_BODY)
    async with adapter(page_app(body, content_type=content_type), settings) as (client, mw):
        status, sent = await raw_get(client, "/legacy/page?utm_campaign=spring")
    assert (status, sent) == (200, body.replace(TAGLINE, SHOWN))
    assert (mw.metrics["personalised"], mw.metrics["page_refused"]) == (1, 0)


async def test_one_warning_per_reason_not_per_page(
    make_settings: Make, caplog: pytest.LogCaptureFixture
) -> None:
    """Two pages with the same problem are one line; another problem is another line."""
    apps = {
        "/a": page_app(PAGE.encode("cp1252"), content_type="text/html"),
        "/b": page_app(PAGE.encode("cp1252"), content_type="text/html"),
        "/c": page_app(ASCII, content_type="text/html; charset='utf-8'"),
    }

    async def site(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await apps[scope["path"]](scope, receive, send)

    async with middleware(site, make_settings(RULES)) as (client, mw):
        caplog.clear()
        for path in ["/a", "/b", "/c", "/a", "/c"]:
            assert (await client.get(path)).status_code == 200
    said = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(said) == 2, said
    assert "'/a'" in said[0] and "declares no charset" in said[0]
    assert "'/c'" in said[1] and "\"'utf-8'\"" in said[1]
    assert mw.metrics["page_refused"] == 5
