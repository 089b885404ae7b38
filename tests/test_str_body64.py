"""An app that sends a ``str`` as a body (no ASGI body: an app's bug) has its messages reach
the server as it sent them, after what was held, as without us: the server is the one to
refuse it or send nothing (Granian sent an empty 200 bare and our TypeError's 500 wrapped:
mount64). The real middleware, a real Redis."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from omotenashi import Omotenashi, Settings

from .conftest import asgi_get, client_for

Make = Callable[..., Settings]
RULES = """
rules:
  - {id: hero, slot: hero, text: "Hello there", why: "Everyone sees this."}
"""


@pytest.mark.anyio
@pytest.mark.parametrize("first", [b"", b"<div data-omo-slot=hero>x</div>"])
async def test_a_str_body_reaches_the_server_as_sent(make_settings: Make, first: bytes) -> None:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        headers = [(b"content-type", b"text/html")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        if first:
            await send({"type": "http.response.body", "body": first, "more_body": True})
        await send({"type": "http.response.body", "body": "<p>a str</p>"})

    mw = Omotenashi(app, settings=make_settings(RULES))
    async with client_for(mw):  # (its lifespan: the pool open)
        sent = await asgi_get(mw, "/")
    assert [m["type"] for m in sent] == [
        "http.response.start",
        "http.response.body",
        "http.response.body",
    ]
    assert sent[0]["status"] == 200
    assert sent[1] == {"type": "http.response.body", "body": first, "more_body": True}
    assert sent[2]["body"] == "<p>a str</p>"  # the app's own message, as it sent it
