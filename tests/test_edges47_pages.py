"""Which responses are pages to personalise and count, read as browsers read their headers: a
download (``Content-Disposition: attachment``) is no page, and of several ``Content-Type``
lines the browser takes the last valid one (Fetch, "extract a MIME type"; Chromium, checked
against it, does the same)."""

from __future__ import annotations

from typing import Any

import pytest

from omotenashi import Omotenashi
from omotenashi.engine.pagehttp import can_personalise, header_values

from .conftest import client_for
from .test_middleware import PAGE, RULES, SNIPPETS, Make

pytestmark = pytest.mark.anyio

HTML = (b"content-type", b"text/html; charset=utf-8")


def disposition(value: bytes) -> tuple[bytes, bytes]:
    return (b"content-disposition", value)


def typed(value: bytes) -> tuple[bytes, bytes]:
    return (b"content-type", value)


@pytest.mark.parametrize(
    ("headers", "page"),
    [
        ([HTML], True),
        # a download: saved, never shown (Chromium: "Download is starting")
        ([HTML, disposition(b"attachment")], False),
        ([HTML, disposition(b"attachment; filename=guide.html")], False),
        ([HTML, disposition(b"ATTACHMENT;filename=guide.html")], False),
        ([HTML, disposition(b"form-data")], False),  # a type browsers do not know: attachment
        ([HTML, disposition(b"inline; filename=guide.html")], True),
        ([HTML, disposition(b"filename=guide.html")], True),  # no type: inline
        ([HTML, disposition(b'"attachment"')], True),  # no token: read as a parameter
        ([HTML, disposition(b"")], True),
        ([HTML, disposition(b'inline; filename="a,b.html"')], True),
        ([HTML, disposition(b"inline"), disposition(b"inline")], True),  # the same one twice
        # several different ones: Chromium shows ERR_RESPONSE_HEADERS_MULTIPLE_CONTENT_DISPOSITION
        ([HTML, disposition(b"inline"), disposition(b"attachment")], False),
        ([HTML, disposition(b"inline, attachment")], False),
        ([HTML, disposition(b"inline; filename=a,b.html")], False),
        # several Content-Type lines: the last valid type, as the browser takes it
        ([typed(b"text/html"), typed(b"text/plain")], False),  # shown as text
        ([typed(b"text/html; charset=utf-8, text/plain")], False),
        # another value, even one browsers skip (Chromium reads more than Fetch): untouched
        ([typed(b"text/html"), typed(b"nonsense")], False),
        ([typed(b"text/html"), typed(b"*/*")], False),
        ([typed(b"text/html"), typed(b"text/plain (x)")], False),  # shown as text in Chromium
        ([typed(b"text/html; charset=utf-8"), typed(b" TEXT/HTML ")], True),  # the same type
        ([typed(b"text/html; charset=utf-8"), typed(b"text/html")], True),  # its charset holds
        # the charset the browser takes is not the one the engine reads (the first line's)
        ([typed(b"text/html"), typed(b"text/html; charset=windows-1252")], False),
        ([typed(b"text/html; charset=utf-8"), typed(b"text/html; charset=windows-1252")], False),
        ([typed(b"text/html; charset=utf-8"), typed(b"text/plain"), typed(b"text/html")], False),
        ([typed(b"text/html; charset=utf-8"), typed(b'text/html; charset=""')], False),
        # Fetch takes the first charset given, Chromium the last: no telling which
        (
            [
                typed(b"text/html; charset=utf-8"),
                typed(b"text/html; charset=windows-1252"),
                typed(b"text/html"),
            ],
            False,
        ),
        ([typed(b"text/html\x0c; charset=utf-8")], False),  # no type to Chromium: shown as text
        ([typed(b'text/html; charset="utf-8"')], True),
    ],
)
def test_a_page_is_what_the_browser_shows_as_html(
    headers: list[tuple[bytes, bytes]], page: bool
) -> None:
    assert can_personalise("GET", 200, headers) is page


@pytest.mark.parametrize(
    ("lines", "values"),
    [
        ([b"a, b"], [b"a", b"b"]),
        ([b"a", b"b"], [b"a", b"b"]),
        ([b'x; n="1,2", y'], [b'x; n="1,2"', b"y"]),
        ([b'x; n="1\\",2", y'], [b'x; n="1\\",2"', b"y"]),
        ([b"inline,"], [b"inline", b""]),
        ([b'x; n="open, to the end'], [b'x; n="open, to the end']),
    ],
)
def test_header_values_split_at_commas_outside_quotes(
    lines: list[bytes], values: list[bytes]
) -> None:
    assert header_values(lines) == values


def site(extra: list[tuple[bytes, bytes]]) -> Any:
    """``/doc`` answers the page with ``extra`` headers; any other path, the plain page."""
    body = PAGE.encode()

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        own = extra if scope["path"] == "/doc" else [HTML]
        length = (b"content-length", str(len(body)).encode())
        await send({"type": "http.response.start", "status": 200, "headers": [*own, length]})
        await send({"type": "http.response.body", "body": body})

    return app


@pytest.mark.parametrize(
    ("extra", "page"),
    [
        ([HTML, disposition(b"inline; filename=guide.html")], True),
        ([HTML, disposition(b"attachment; filename=guide.html")], False),
        ([HTML, disposition(b"form-data")], False),
        ([typed(b"text/html; charset=utf-8"), typed(b"text/plain")], False),
    ],
    ids=["inline", "attachment", "unknown-type", "text-last"],
)
async def test_a_download_is_passed_untouched_and_counts_no_page_view(
    make_settings: Make, extra: list[tuple[bytes, bytes]], page: bool
) -> None:
    """The page's topics make a second page view "Welcome back": only a page counts."""
    mw = Omotenashi(site(extra), settings=make_settings(RULES, SNIPPETS))
    async with client_for(mw) as client:
        await client.get("/doc")
        again = await client.get("/doc")
        other = await client.get("/")
    assert (again.content == PAGE.encode()) is not page
    assert ("vary" in again.headers) is page
    assert ("Welcome back" in other.text) is page
