"""isolation52 P3: a visitor who leaves while one of our pages goes out (the server's
``send`` raises) is not a failure of ours: it was logged as "the endpoint … failed" with a
traceback, an ERROR for every departure on servers that raise. A bug of ours still is."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from starlette.applications import Starlette

from omotenashi import Omotenashi, Settings

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]


class Gone(Exception):
    pass


async def ask(mw: Omotenashi, path: str, fail: bool) -> list[dict[str, Any]]:
    scope = {
        "type": "http", "method": "GET", "path": path, "raw_path": path.encode(),
        "query_string": b"", "headers": [(b"host", b"shop.test"), (b"accept", b"text/html")],
        "scheme": "http", "server": ("shop.test", 80), "client": ("10.0.0.1", 5000),
        "root_path": "", "http_version": "1.1", "asgi": {"version": "3.0"},
    }  # fmt: skip
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if fail and message["type"] == "http.response.body":
            raise Gone("the visitor left")
        sent.append(message)

    await mw(scope, receive, send)
    return sent


@pytest.mark.parametrize("path", ["/_omotenashi/preferences", "/_omotenashi/preferences/export"])
async def test_a_visitor_leaving_is_not_logged_as_our_failure(
    make_settings: Make, caplog: pytest.LogCaptureFixture, path: str
) -> None:
    mw = Omotenashi(Starlette(), settings=make_settings(""))
    await mw.startup()
    try:
        assert (await ask(mw, path, fail=False))[0]["status"] == 200  # (the page is there)
        caplog.clear()
        with caplog.at_level(logging.DEBUG, "omotenashi"), pytest.raises(Gone):
            await ask(mw, path, fail=True)
    finally:
        await mw.shutdown()
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert any("the visitor left" in r.getMessage() for r in caplog.records)
