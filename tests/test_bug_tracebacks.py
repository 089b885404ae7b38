"""A bug of ours met on every request (an input that sets it off, sent by anyone) serves the
app's page each time, counted, and logs its traceback once a minute per kind of failure (its
type and the line it was raised at), not once a request: a flood cannot fill a disk or a log
vendor's bill. A failure of another kind is told at once."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route

from omotenashi import Omotenashi, Settings, quiet
from omotenashi.asgi import responder

from .conftest import client_for

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]
PAGE = '<!doctype html><html><body><div data-omo-slot="hero">Default</div></body></html>'
RULES = """
rules:
  - {id: hello, slot: hero, text: Hello, why: "Hi."}
"""
REQUESTS = 6


def broken(kind: type[Exception]) -> Callable[..., Any]:
    async def personalised(*args: Any, **kwargs: Any) -> Any:
        raise kind("a bug of ours")

    return personalised


async def test_a_bug_on_every_request_is_told_once_a_minute_per_kind(
    make_settings: Make, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(quiet, "_BUGS", {})  # (another test's bugs are not this one's)
    app = Starlette(routes=[Route("/", lambda r: HTMLResponse(PAGE))])
    mw = Omotenashi(app, settings=make_settings(RULES))
    caplog.set_level(logging.ERROR, logger="omotenashi")
    async with client_for(mw) as client:
        monkeypatch.setattr(responder, "personalised", broken(RuntimeError))
        pages = [await client.get("/", headers={"accept": "text/html"}) for _ in range(REQUESTS)]
        monkeypatch.setattr(responder, "personalised", broken(KeyError))
        other = await client.get("/", headers={"accept": "text/html"})
    assert all(p.status_code == 200 and "Default" in p.text for p in [*pages, other])
    assert mw.metrics["splice_error"] == REQUESTS + 1  # every one counted
    told = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r.exc_info[0] for r in told if r.exc_info] == [RuntimeError, KeyError], told
    assert all("personalisation failed" in r.getMessage() for r in told)
