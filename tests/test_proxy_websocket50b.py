"""wsedge50: the proxy's WebSocket relay against a hostile origin or visitor. WebSockets are
off unless the site turns them on (OMOTENASHI_PROXY_WEBSOCKETS: a handshake is then refused
with 501 before the origin); an origin's endless empty fragments close both ends with 1009 (they
added to memory, never to the size limit); an origin's ping flood is answered only as fast as
it takes the answers (unread pongs grew memory ~18 MB/s); a visitor's Content-Length never
reaches the origin. A real origin speaking WebSocket over TCP, the proxy under uvicorn."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from wsproto import ConnectionType, WSConnection
from wsproto.events import (
    AcceptConnection,
    CloseConnection,
    Message,
    Ping,
    RejectConnection,
    Request,
)

from omotenashi import Settings

from .test_proxy47_framing import raw_origin
from .test_proxy_websocket50 import connected, proxied

pytestmark = pytest.mark.anyio
Send = Callable[[asyncio.StreamWriter, WSConnection], Awaitable[None]]


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings(max_body=4096)


def ws_origin(then: Send, seen: list[Request], go: asyncio.Event | None = None) -> Any:
    """An origin that accepts every WebSocket handshake (noting it in ``seen``), then does
    ``then`` (test_proxy47_framing's raw origin, speaking WebSocket)."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        ws = WSConnection(ConnectionType.SERVER)
        while not (asked := [e for e in ws.events() if isinstance(e, Request)]):
            ws.receive_data(await reader.read(65536))
        seen.append(asked[0])
        writer.write(ws.send(AcceptConnection()))
        if go is not None:  # (the proxy shares this loop: its handshake ends first)
            await go.wait()
        try:
            await then(writer, ws)
        except OSError:  # (the proxy let go: as meant)
            pass

    return raw_origin(serve)


async def hold(writer: asyncio.StreamWriter, ws: WSConnection) -> None:
    """Accepted, then nothing: the test's own bound ends it."""
    await asyncio.sleep(60)


async def endless_empty_fragments(writer: asyncio.StreamWriter, ws: WSConnection) -> None:
    for _ in range(20_000):
        writer.write(ws.send(Message(data="", message_finished=False)))
        await writer.drain()
    await asyncio.sleep(30)


async def ping_flood(writer: asyncio.StreamWriter, ws: WSConnection) -> None:
    while True:  # and never reads the answers
        writer.write(ws.send(Ping(b"x" * 100)))
        await writer.drain()


@pytest.mark.parametrize(
    ("then", "code"), [(endless_empty_fragments, 1009), (ping_flood, 1011)], ids=["frags", "pings"]
)
async def test_a_hostile_origin_ends_the_websocket_not_the_proxy_s_memory(
    settings: Settings, then: Send, code: int
) -> None:
    seen: list[Request] = []
    go = asyncio.Event()
    async with ws_origin(then, seen, go) as origin:
        async with proxied(settings, origin, read_timeout=0.5) as (url, _):
            async with connected(url, "/s") as (client, answer, _):
                assert isinstance(answer, AcceptConnection)
                go.set()
                while not isinstance(event := await client.event(), CloseConnection):
                    pass
    assert event.code == code


async def test_a_visitor_s_content_length_never_reaches_the_origin(settings: Settings) -> None:
    seen: list[Request] = []

    async with ws_origin(hold, seen) as origin:
        async with proxied(settings, origin) as (url, _):
            sent = [(b"content-length", b"5"), (b"x-kept", b"yes")]
            async with connected(url, "/s", headers=sent) as (_, answer, _):
                assert isinstance(answer, AcceptConnection)
    names = {k.lower() for k, _ in seen[0].extra_headers}
    assert b"x-kept" in names and b"content-length" not in names


async def test_websockets_are_off_unless_the_site_turns_them_on(settings: Settings) -> None:
    seen: list[Request] = []

    async with ws_origin(hold, seen) as origin:
        async with proxied(settings, origin, websockets=False) as (url, _):
            async with connected(url, "/s") as (_, answer, _):
                assert isinstance(answer, RejectConnection)
                assert answer.status_code in (403, 501)  # (as the server refuses a close)
    assert seen == []


async def test_a_visitor_s_endless_empty_fragments_close_with_1009(settings: Settings) -> None:
    """(wsedge50b) uvicorn reads a visitor's fragments with no bound on their number (empty
    ones never reach the size limit; each read of them held the worker about 0.5 s): the
    proxy's protocol closes past 4,096."""
    seen: list[Request] = []

    async with ws_origin(hold, seen) as origin:
        async with proxied(settings, origin) as (url, _):
            async with connected(url, "/s") as (client, answer, _):
                assert isinstance(answer, AcceptConnection)
                for _ in range(5000):
                    client.writer.write(client.ws.send(Message(data="", message_finished=False)))
                await client.writer.drain()
                while not isinstance(event := await client.event(), CloseConnection):
                    pass
    assert (event.code, event.reason) == (1009, "a message in more than 4096 parts")


async def test_a_visitor_s_ping_flood_is_read_only_as_they_read_the_answers(
    settings: Settings,
) -> None:
    """(wsedge50b) A visitor who sends pings and reads none of the pongs: the proxy stops
    reading from them while the answers wait (memory grew about 10 MB a second); a message
    among the pings does not start it reading again (eye50c: 67 MB taken, no stop)."""
    seen: list[Request] = []

    async with ws_origin(hold, seen) as origin:
        async with proxied(settings, origin) as (url, _):
            async with connected(url, "/s") as (client, answer, _):
                assert isinstance(answer, AcceptConnection)
                ping = client.ws.send(Ping(b"x" * 125)) * 1000 + client.ws.send(Message("hi"))
                sent, stopped = 0, False
                while sent < 64 * 2**20 and not stopped:  # the server stops taking them
                    client.writer.write(ping)
                    sent += len(ping)
                    try:
                        await asyncio.wait_for(client.writer.drain(), 2)
                    except TimeoutError:
                        stopped = True
                client.writer.transport.abort()  # (leaves: its own unsent pings dropped)
    assert stopped, f"{sent:,} bytes of pings taken while no answer was read"


async def test_a_close_to_a_visitor_who_reads_nothing_is_given_up_on() -> None:
    """(eye50b) A close to a visitor whose buffer is full waited for good (the server's send
    waits for room), holding the relay and its place under WS_MAX_SOCKETS: it is bounded by
    READ_TIMEOUT as any message is."""
    from omotenashi.proxy.config import ProxySettings
    from omotenashi.proxy.websocket import _Pipe
    from omotenashi.quiet import Quiet

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)
        await asyncio.Event().wait()  # no room, ever

    class Origin:
        config = ProxySettings(read_timeout=0.2)
        quiet = Quiet(logging.getLogger("omotenashi.proxy"))

    pipe = _Pipe.__new__(_Pipe)
    pipe.origin, pipe.scope, pipe.send, pipe.visitor_open = Origin(), {"path": "/s"}, send, True  # type: ignore[assignment]
    await asyncio.wait_for(pipe._close_visitor(1001, "bye"), 5)
    assert sent == [{"type": "websocket.close", "code": 1001, "reason": "bye"}]
    assert not pipe.visitor_open


@pytest.mark.parametrize("above_hard", [False, True])
def test_the_open_file_limit_is_raised_for_the_sockets_or_said(above_hard: bool) -> None:
    """(wsedge50b) Each WebSocket holds two descriptors: at a limit of 1,024, handshakes failed
    from about 505 sockets. ``omotenashi proxy`` raises its soft limit to what the caps need,
    or says what to do where the hard limit is lower (in a process of its own)."""
    import subprocess
    import sys

    code = (
        "import resource, sys\n"
        "from omotenashi.cli.proxy import enough_files\n"
        "soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)\n"
        "resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))\n"
        f"need = (hard + 1) if {above_hard} and hard != resource.RLIM_INFINITY else 1000\n"
        "enough_files(need)\n"
        "print(resource.getrlimit(resource.RLIMIT_NOFILE)[0] >= need)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    raised, said = done.stdout.strip(), done.stderr
    if above_hard:
        assert raised == "False" and "open files are limited to 256" in said
    else:
        assert (raised, said) == ("True", "")
