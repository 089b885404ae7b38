"""redis50: a server (or a proxy in front of Redis) that answers a profile read with what is
not a profile (``+OK``, a number, an odd array) is a failed read, counted toward the breaker:
the page is the app's, the app's own ``await visitor.loaded()`` gets an empty profile, and its
background task runs. Before, a TypeError or ValueError was raised into the app's ``send`` (a
traceback per request, the background task lost) and, where the app read the visitor, a 500."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import hiredis
import pytest
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from omotenashi import Omotenashi, Settings, get_visitor, quiet
from omotenashi.identity.cookie import Identity
from omotenashi.ids import new_vid
from omotenashi.store.pipeline import AutoPipeline, PipelineError

from ..conftest import client_for

pytestmark = pytest.mark.anyio
PAGE = '<!doctype html><html><body><p data-omo-slot="hero">Default</p></body></html>'
RULES = """
rules:
  - {id: hello, slot: hero, text: "Welcome back", when: {returning: true}, why: "Back again."}
"""
ANSWERS = {  # what the server answers to every command but PING and SCRIPT LOAD
    "ok": b"+OK\r\n",
    "number": b":42\r\n",
    "array": b"*3\r\n:1\r\n$3\r\nabc\r\n*1\r\n$1\r\nx\r\n",
    "pairs": b"*2\r\n$5\r\nhello\r\n:7\r\n",
}


@pytest.fixture
async def odd_server() -> AsyncIterator[Callable[[str], Any]]:
    """A server on a free port answering as ``mode`` says (its URL from ``await start(mode)``)."""
    servers: list[asyncio.Server] = []

    async def start(mode: str) -> str:
        async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            parser = hiredis.Reader()
            while data := await reader.read(65536):
                parser.feed(data)
                while (command := parser.gets()) is not False:
                    name = command[0].upper()
                    if name == b"PING":
                        writer.write(b"+PONG\r\n")
                    elif name == b"SCRIPT":
                        writer.write(b"$40\r\n" + b"0" * 40 + b"\r\n")
                    else:
                        writer.write(ANSWERS[mode])
            writer.close()

        server = await asyncio.start_server(answer, "127.0.0.1", 0)
        servers.append(server)
        return f"redis://127.0.0.1:{server.sockets[0].getsockname()[1]}/0"

    yield start
    for server in servers:
        server.close()


@pytest.mark.parametrize("mode", sorted(ANSWERS))
async def test_a_read_answered_with_what_is_no_profile_leaves_the_page_to_the_app(
    make_settings: Callable[..., Settings],
    odd_server: Any,
    mode: str,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(quiet, "_BUGS", {})  # (another test's bugs are not this one's)
    ran: list[str] = []

    async def page(request: Request) -> HTMLResponse:
        visitor = get_visitor(request)
        assert visitor is not None
        profile = await visitor.loaded()  # the app's own read of the visitor
        return HTMLResponse(PAGE, background=BackgroundTask(ran.append, f"views {profile.views}"))

    url = await odd_server(mode)
    settings = make_settings(RULES, redis={"url": url, "read_timeout": 0.5, "write_timeout": 0.5})
    mw = Omotenashi(Starlette(routes=[Route("/", page)]), settings=settings)
    known = Identity(vid=new_vid(), is_new=False, issued_at=time.time(), prefs={})
    async with client_for(mw, cookies={"omo_vid": mw.signer.sign(known)}) as client:
        response = await client.get("/", headers={"accept": "text/html"})
    assert (response.status_code, response.text) == (200, PAGE)  # the app's page, untouched
    assert ran == ["views 0"]  # its background task ran, with an empty profile
    assert mw.metrics._counts["redis_error"] >= 1
    # (eye50) logged as a bug's, with its traceback: a parser of ours failing looks the same
    (bug,) = [r for r in caplog.records if "reply could not be read" in r.getMessage()]
    assert bug.levelname == "ERROR" and bug.exc_info is not None


async def test_a_reply_that_never_ends_is_dropped_not_kept_in_memory() -> None:
    """(redis50) A server or proxy announcing a 2 GB bulk string and sending it: the
    connection is dropped once 32 MiB of it are buffered (before, all of it was kept: 2.9 GB
    in 12 s), and the command fails with the reason."""
    sent = 0
    closed = asyncio.Event()

    async def flood(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal sent
        await reader.read(65536)
        writer.write(b"$2000000000\r\n")
        chunk = b"a" * 2**20
        try:
            while sent < 96 * 2**20:
                writer.write(chunk)
                await writer.drain()
                sent += len(chunk)
            await reader.read()  # (the client gives up, or not: the test's wait says)
        except ConnectionError:
            pass
        finally:
            closed.set()
            writer.close()

    server = await asyncio.start_server(flood, "127.0.0.1", 0)
    url = f"redis://127.0.0.1:{server.sockets[0].getsockname()[1]}/0"
    pipe = AutoPipeline(url, connect_timeout=1.0, stall=30.0)
    try:
        await pipe.connect()
        answer = pipe.call("GET", "x")
        with pytest.raises(PipelineError, match="a reply longer than 32 MiB"):
            await asyncio.wait_for(answer, 20)
        await asyncio.wait_for(closed.wait(), 20)
    finally:
        pipe.close()
        server.close()
    assert sent < 96 * 2**20  # the client stopped reading it
