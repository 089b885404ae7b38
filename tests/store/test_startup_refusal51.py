"""redis50 P3: a server (or a proxy before it) that answers the startup's PING with an error is
up and refusing, and the startup's one warning says so: before, it said Redis "did not answer"
(with the error's text beside it), sending whoever reads the log to look for a network fault."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable

import hiredis
import pytest

from omotenashi import Omotenashi, Settings

from ..conftest import lifespan, page_app

pytestmark = pytest.mark.anyio
PAGE = "<!doctype html><html><body><h1>Welcome</h1></body></html>"


@pytest.fixture
async def refusing_url() -> AsyncIterator[str]:
    """A server on a free port that answers every command with an error."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        parser = hiredis.Reader()
        while data := await reader.read(65536):
            parser.feed(data)
            while parser.gets() is not False:
                writer.write(b"-ERR the server cannot serve now\r\n")
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    yield f"redis://127.0.0.1:{server.sockets[0].getsockname()[1]}/0"
    server.close()


@pytest.mark.parametrize("fast", [True, False], ids=["fast path", "redis-py"])
async def test_an_error_for_the_startup_ping_is_said_as_an_answer_not_as_silence(
    make_settings: Callable[..., Settings],
    refusing_url: str,
    fast: bool,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="omotenashi")
    url = refusing_url if fast else refusing_url + "?health_check_interval=30"
    mw = Omotenashi(page_app(PAGE), settings=make_settings(redis={"url": url}))
    async with lifespan(mw):
        pass
    lines = [r.getMessage() for r in caplog.records if r.name == "omotenashi"]
    at_start = [m for m in lines if "as the app started" in m]
    assert len(at_start) == 1, lines
    assert at_start[0].startswith(
        f"omotenashi: Redis at {url} (OMOTENASHI_REDIS_URL) answered with an error as the "
        "app started ("
    ), at_start
    assert "the server cannot serve now" in at_start[0]
    assert "until it answers;" in at_start[0]
    assert "did not answer" not in at_start[0]
