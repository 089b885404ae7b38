"""A page that declares no charset is read by the browser in its guess (windows-1252 in
Chromium), and so are its forms: a query it sends is read in that charset too (review64: a
search form sent ``q=caf%E9``, read as UTF-8, and a ``query: {q: café}`` rule never held). The
real middleware, a real Redis."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from omotenashi import Omotenashi, Settings

from .conftest import client_for

RULES = """
rules:
  - {id: cafe, slot: hero, text: "Coffee", when: {query: {q: café}}, why: "You searched."}
"""
PAGE = b'<!doctype html><html><body><h1 data-omo-slot="hero">Default</h1></body></html>'


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("content_type", "query", "shown"),
    [
        (b"text/html", b"q=caf%E9", True),  # as Chromium sends it from such a page
        (b"text/html", b"q=caf%C3%A9", True),  # a link's UTF-8 stays UTF-8 (query_params)
        (b"text/html", b"q=caf%E8", False),  # "cafè": another word
        (b"text/html; charset=utf-8", b"q=caf%C3%A9", True),
        (b"text/html; charset=windows-1252", b"q=caf%E9", True),
    ],
)
async def test_a_guessed_pages_query_is_read_in_the_browsers_guess(
    make_settings: Callable[..., Settings], content_type: bytes, query: bytes, shown: bool
) -> None:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        headers = [(b"content-type", content_type)]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": PAGE})

    async with client_for(Omotenashi(app, settings=make_settings(RULES))) as client:
        got = await client.get("/?" + query.decode(), headers={"accept": "text/html"})
    assert (b">Coffee<" in got.content) is shown
