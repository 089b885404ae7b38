"""Under uvloop (the event loop ``uvicorn[standard]`` runs on) the fast Redis path works as it
does under asyncio's own loop: reads, queued writes and a visitor's personalised page."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable

import pytest

from omotenashi import Omotenashi, Settings

from .conftest import client_for, page_app
from .test_middleware import PAGE, RULES, SNIPPETS

if sys.platform == "win32":
    pytest.skip("uvloop does not run on Windows", allow_module_level=True)

import uvloop  # noqa: E402  (a dev dependency: missing, this fails, never skips)

Make = Callable[..., Settings]


def test_a_returning_visitor_is_personalised_on_uvloop(make_settings: Make) -> None:
    mw = Omotenashi(page_app(PAGE), settings=make_settings(RULES, SNIPPETS))

    async def visit() -> tuple[str, bool, int, int]:
        assert type(asyncio.get_running_loop()).__module__.startswith("uvloop")
        async with client_for(mw) as client:
            await client.get("/")  # interest in hawaii, from the page's topics
            response = await client.get("/")
            fast = mw.store.fast
            assert fast is not None
            sent, errors = fast.sent, mw.metrics["redis_error"]
        return response.text, "returning-hero" in response.text, sent, errors

    loop = uvloop.new_event_loop()
    try:
        text, shown, sent, errors = loop.run_until_complete(visit())
    finally:
        loop.close()
    assert shown, text
    assert sent >= 2  # the profile was read (and the first page view written) on the fast path
    assert errors == 0
