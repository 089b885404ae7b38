"""An XHTML page (``application/xhtml+xml``) is XML: an HTML rewrite could make it ill-formed
(a browser then shows a parse error instead of the page), so it goes out as the app sent it."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from omotenashi import Omotenashi, Settings
from omotenashi.engine.page import can_personalise

from .conftest import client_for, page_app

XHTML = (
    '<?xml version="1.0" encoding="utf-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><body>'
    '<div data-omo-slot="hero"/><p>keep</p></body></html>'
)
RULE = 'rules:\n  - {id: hero, slot: hero, text: "Welcome", why: "Everyone."}\n'


@pytest.mark.parametrize(
    ("content_type", "personalised"),
    [
        (b"application/xhtml+xml", False),
        (b"application/xhtml+xml; charset=utf-8", False),
        (b"text/html; charset=utf-8", True),
    ],
)
def test_only_text_html_is_rewritten(content_type: bytes, personalised: bool) -> None:
    assert can_personalise("GET", 200, [(b"content-type", content_type)]) is personalised


@pytest.mark.anyio
async def test_an_xhtml_page_passes_byte_for_byte(make_settings: Callable[..., Settings]) -> None:
    app = page_app(XHTML, content_type="application/xhtml+xml; charset=utf-8")
    async with client_for(Omotenashi(app, settings=make_settings(RULE))) as client:
        response = await client.get("/")
    assert response.content == XHTML.encode()
    assert "x-omotenashi-rules" not in response.headers
