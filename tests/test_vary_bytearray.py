"""An app's ``Vary`` given as a ``bytearray`` (bytes-like, as ASGI servers take it): a page's
``HEAD`` got a 500 (``add_vary`` put the values in a set: "unhashable type: 'bytearray'"), and
its ``GET`` was never personalised (a splice error). Through the whole stack, real Redis."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from omotenashi import Omotenashi, Settings

from .conftest import client_for

pytestmark = pytest.mark.anyio
RULES = """
rules:
  - {id: hi, slot: hero, text: "Hello", why: "Always."}
"""
PAGE = b'<html><body><div data-omo-slot="hero">x</div></body></html>'


def app_with(vary: bytes | bytearray) -> Any:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        headers = [(b"content-type", b"text/html; charset=utf-8"), (b"vary", vary)]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": PAGE})

    return app


@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize("vary", [b"Accept", bytearray(b"Accept")], ids=["bytes", "bytearray"])
async def test_a_bytearray_vary_is_read_as_bytes(
    make_settings: Callable[..., Settings], method: str, vary: bytes | bytearray
) -> None:
    mw = Omotenashi(app_with(vary), settings=make_settings(RULES))
    async with client_for(mw, headers={"accept": "text/html"}) as client:
        r = await client.request(method, "/")
    assert r.status_code == 200
    assert "Accept" in r.headers["vary"] and "Cookie" in r.headers["vary"]
    if method == "GET":
        assert "Hello" in r.text
