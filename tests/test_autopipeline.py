"""Auto-pipelining and the write batcher against a real server: order, cancellation, stalls."""

from __future__ import annotations

import asyncio
import random
import socket
from urllib.parse import urlparse

import pytest
import redis

from omotenashi import StoreError
from omotenashi.engine.change import Change
from omotenashi.ids import new_vid
from omotenashi.metrics import Metrics
from omotenashi.settings import RedisSettings
from omotenashi.store.pipeline import AutoPipeline, PipelineError, ReplyError, encode, fast_url
from omotenashi.store.store import Store
from omotenashi.store.writer import Writer

pytestmark = pytest.mark.anyio
DAY = 86400.0


def pipe_for(url: str, stall: float = 5.0) -> AutoPipeline:
    return AutoPipeline(url, connect_timeout=1.0, stall=stall)


@pytest.mark.parametrize(
    ("url", "fast"),
    [
        ("redis://localhost:6379/0", True),
        ("redis://:secret@localhost/2", True),
        ("unix:///tmp/redis.sock?db=1", True),
        ("rediss://localhost:6380", True),  # (TLS too, since session 57: store/tls.py)
        ("rediss://localhost:6380?socket_keepalive=true", False),
        ("redis+sentinel://a:26379/mymaster", False),
        ("redis://localhost:6379/0?ssl_cert_reqs=none", False),
    ],
)
def test_only_plain_servers_take_the_fast_path(url: str, fast: bool) -> None:
    assert fast_url(url) is fast


@pytest.mark.parametrize(
    ("args", "wire"),
    [
        (("PING",), b"*1\r\n$4\r\nPING\r\n"),
        (("GET", "k"), b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"),
        (("SET", "é", 12), b"*3\r\n$3\r\nSET\r\n$2\r\n\xc3\xa9\r\n$2\r\n12\r\n"),
        (("SET", b"\r\n", ""), b"*3\r\n$3\r\nSET\r\n$2\r\n\r\n\r\n$0\r\n\r\n"),
    ],
)
def test_commands_are_encoded_as_resp_arrays(args: tuple[str | bytes | int], wire: bytes) -> None:
    assert encode(args) == wire


async def test_concurrent_commands_share_one_connection_and_get_their_own_replies(
    omotenashi_redis_url: str, omotenashi_redis: redis.Redis
) -> None:
    for index in range(200):
        omotenashi_redis.set(f"k{index}", index)
    pipe = pipe_for(omotenashi_redis_url)
    await pipe.connect()
    try:
        connection = pipe._proto
        replies = await asyncio.gather(*(pipe.execute("GET", f"k{i}") for i in range(200)))
        after = pipe._proto
    finally:
        pipe.close()
    assert replies == [str(i) for i in range(200)]
    # no connection opened for the burst: the one it had served it all (the server's own count
    # of clients is shared with every other test's, which may open or close one meanwhile)
    assert connection is not None and after is connection


async def test_cancelled_and_timed_out_commands_never_leave_the_connection_a_reply_behind(
    omotenashi_redis_url: str, omotenashi_redis: redis.Redis
) -> None:
    """CVE-2023-28859's lesson, for the auto-pipeline: a caller that gives up drops only its
    own reply; everything asked afterwards gets its own answer."""
    for index in range(60):
        omotenashi_redis.set(f"v{index}", index)
    pipe = pipe_for(omotenashi_redis_url)
    await pipe.connect()
    rng = random.Random(7)
    try:
        for _ in range(3):
            omotenashi_redis.execute_command("CLIENT", "PAUSE", "150", "ALL")
            tasks = [asyncio.ensure_future(pipe.execute("GET", f"v{i}")) for i in range(60)]
            await asyncio.sleep(0.01)
            for task in rng.sample(tasks, 20):
                task.cancel()
            results = []
            for index, task in enumerate(tasks):
                try:
                    async with asyncio.timeout(0.02 if index % 3 == 0 else 2.0):
                        results.append(await task)
                except (asyncio.CancelledError, TimeoutError):
                    results.append(None)
            assert any(r is None for r in results) and any(r is not None for r in results)
            for index, result in enumerate(results):
                assert result is None or result == str(index)
            after = await asyncio.gather(*(pipe.execute("GET", f"v{i}") for i in range(60)))
            assert after == [str(i) for i in range(60)]
    finally:
        pipe.close()


async def test_a_stalled_connection_is_dropped_and_the_next_command_reconnects(
    omotenashi_redis_url: str, omotenashi_redis: redis.Redis
) -> None:
    omotenashi_redis.set("here", "yes")
    pipe = pipe_for(omotenashi_redis_url, stall=0.05)
    await pipe.connect()
    try:
        omotenashi_redis.execute_command("CLIENT", "PAUSE", "300", "ALL")
        waiting = pipe.call("GET", "here")
        await asyncio.sleep(0.1)
        with pytest.raises(PipelineError, match="stalled"):
            pipe.call("GET", "here")
        with pytest.raises(PipelineError, match="no reply"):
            await waiting
        await asyncio.sleep(0.3)
        assert await pipe.execute("GET", "here") == "yes"
    finally:
        pipe.close()


async def test_a_killed_connection_fails_what_waits_and_reconnects(
    omotenashi_redis_url: str, omotenashi_redis: redis.Redis
) -> None:
    pipe = pipe_for(omotenashi_redis_url)
    try:
        await pipe.execute("CLIENT", "SETNAME", "omo-fast")
        omotenashi_redis.execute_command("CLIENT", "PAUSE", "200", "ALL")
        waiting = pipe.call("PING")
        omotenashi_redis.execute_command("CLIENT", "KILL", "SKIPME", "yes", "TYPE", "normal")
        with pytest.raises(StoreError):
            await waiting
        await asyncio.sleep(0.25)
        assert await pipe.execute("PING") == "PONG"
    finally:
        pipe.close()


async def test_a_server_error_reaches_only_its_own_caller(omotenashi_redis_url: str) -> None:
    pipe = pipe_for(omotenashi_redis_url)
    try:
        results = await asyncio.gather(
            pipe.execute("SET", "n", "1"),
            pipe.execute("HGET", "n", "x"),  # WRONGTYPE
            pipe.execute("GET", "n"),
            return_exceptions=True,
        )
    finally:
        pipe.close()
    assert results[0] == "OK" and results[2] == "1"
    assert isinstance(results[1], ReplyError) and "WRONGTYPE" in str(results[1])
    assert not isinstance(results[1], ConnectionError)  # the server answered: it is up


async def test_the_write_queue_is_bounded_and_counts_what_it_drops() -> None:
    metrics = Metrics()
    sent: list[asyncio.Future[object]] = []

    def send(items: object) -> list[asyncio.Future[object]]:
        futures = [asyncio.get_running_loop().create_future() for _ in items]  # type: ignore[attr-defined]
        sent.extend(futures)
        return futures

    writer = Writer(send, interval=10.0, size=3, limit=5, metrics=metrics)
    accepted = [writer.submit(([f"k{i}"], ["{}"], [])) for i in range(7)]
    assert [f is not None for f in accepted] == [True] * 5 + [False] * 2
    assert metrics["record_dropped"] == 2 and writer.pending == 5
    assert len(sent) == 3  # the first batch of three went out at once; two wait for the timer
    for future in sent:
        future.set_result(1)
    await asyncio.sleep(0)
    assert writer.pending == 2
    await asyncio.wait_for(asyncio.gather(writer.drain(), _answer(sent)), 1)
    assert writer.pending == 0


async def _answer(sent: list[asyncio.Future[object]]) -> None:
    while len(sent) < 5:
        await asyncio.sleep(0)
    for future in sent[3:]:
        future.set_result(1)


async def test_page_views_are_batched_and_a_read_after_a_write_sees_it(
    omotenashi_redis_url: str,
) -> None:
    cfg = RedisSettings(url=omotenashi_redis_url, write_batch_interval=0.05)
    store = Store(cfg, Metrics())
    store.connect(omotenashi_redis_url)
    vids = [new_vid() for _ in range(30)]
    try:
        await store.load(vids[0])  # connected
        writes = [
            asyncio.ensure_future(store.record(v, Change(now=1000.0, view=True), DAY)) for v in vids
        ]
        await asyncio.sleep(0)
        assert store.fast is not None and store.fast.writer.pending == 30
        profiles = await asyncio.gather(*(store.load(v) for v in vids))  # reads flush writes
        await asyncio.gather(*writes)
    finally:
        await store.aclose()
    assert [p.views for p in profiles] == [1] * 30


async def test_closing_the_store_writes_what_is_queued(omotenashi_redis_url: str) -> None:
    cfg = RedisSettings(url=omotenashi_redis_url, write_batch_interval=5.0)
    store = Store(cfg, Metrics())
    store.connect(omotenashi_redis_url)
    vid = new_vid()
    await store.load(vid)
    write = asyncio.ensure_future(store.record(vid, Change(now=1000.0, view=True), DAY))
    await asyncio.sleep(0)
    await store.aclose()
    await write
    again = Store(cfg, Metrics())
    again.connect(omotenashi_redis_url)
    try:
        assert (await again.load(vid)).views == 1
    finally:
        await again.aclose()


async def test_a_connection_the_server_closed_first_never_answers_new_commands(
    omotenashi_redis_url: str,
) -> None:
    """A server (or a proxy between us) that closes the connection while our commands are
    still unsent leaves it closing but not yet lost: a command then reconnects, and the new
    connection's replies must go to the new commands, never to the old ones still waiting
    (redis-py CVE-2023-28859's symptom: a reply read for another request)."""
    parsed = urlparse(omotenashi_redis_url)
    first = True
    opened: list[asyncio.StreamWriter] = []
    handlers: list[asyncio.Task[None] | None] = []

    async def relay(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
        while data := await src.read(65536):
            dst.write(data)
            await dst.drain()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal first
        opened.append(writer)
        handlers.append(asyncio.current_task())  # type: ignore[arg-type]
        if first:  # reads nothing (the client's writes pile up), then ends its side: FIN
            first = False
            await asyncio.sleep(0.3)
            writer.transport.pause_reading()
            writer.get_extra_info("socket").shutdown(socket.SHUT_WR)
            await asyncio.sleep(3)
            writer.transport.abort()
            return
        up_reader, up_writer = await asyncio.open_connection(parsed.hostname, parsed.port)
        opened.append(up_writer)
        await asyncio.gather(relay(reader, up_writer), relay(up_reader, writer))

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    pipe = pipe_for(f"redis://127.0.0.1:{port}{parsed.path}", stall=30.0)
    try:
        await pipe.connect()
        old = [pipe.call("ECHO", "x" * 100_000 + f"-old{i}") for i in range(100)]
        await asyncio.sleep(0.6)
        assert pipe._proto is not None and pipe._proto.transport is not None
        assert pipe._proto.transport.is_closing() and not pipe.connected  # the window
        await pipe.connect()
        assert await asyncio.wait_for(pipe.call("ECHO", "visitor-B"), 2.0) == "visitor-B"
        assert all(f.done() and isinstance(f.exception(), PipelineError) for f in old)
    finally:
        pipe.close()
        server.close()
        for writer in opened:
            writer.transport.abort()
        running = [t for t in handlers if t is not None and not t.done()]
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
        await server.wait_closed()
