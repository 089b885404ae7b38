"""A port in front of the real Redis of the tests: TLS (the embedded Valkey is built without
TLS), each connection's TLS ended here with a certificate from a test CA (trustme), or plain;
bytes go on to the server as they are, both ways, and a connection the server ends ends here
too. The :class:`Front` it yields can hold the server's replies and close every connection (a
server that closes connections while reads are in flight)."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import trustme


class Front:
    """The front's switches, from the test's thread."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.held = threading.Event()  # set: the server's replies are held, not passed on
        self.writers: list[asyncio.StreamWriter] = []  # every connection's, both sides
        self.port = 0

    def close_all(self) -> None:
        """Every connection closed now (what is held is never passed on)."""
        done = threading.Event()

        def close() -> None:
            for writer in self.writers:
                writer.transport.abort()  # (at once, TLS's too: no close_notify exchange)
            self.writers.clear()
            done.set()

        self.loop.call_soon_threadsafe(close)
        done.wait(10)


async def _pipe(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, held: threading.Event | None
) -> None:
    with contextlib.suppress(OSError, ConnectionError):
        while data := await reader.read(65536):
            while held is not None and held.is_set():
                await asyncio.sleep(0.005)
            if writer.is_closing():
                break
            writer.write(data)
            await writer.drain()
    writer.close()


@contextmanager
def front_of(redis_url: str, folder: Path | None, name: str = "localhost") -> Iterator[Front]:
    """A front for ``redis_url``'s server, TLS with a certificate for ``name`` when ``folder``
    is given (the CA's certificate written there: ``ca.pem``), else plain; its port is
    ``front.port``."""
    context = None
    if folder is not None:
        ca = trustme.CA()
        ca.cert_pem.write_to_path(str(folder / "ca.pem"))
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert(name).configure_cert(context)
    target = urlparse(redis_url)
    loop = asyncio.new_event_loop()
    front = Front(loop)
    ready = threading.Event()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        front.writers.append(writer)  # (closed at the end whatever happens next)
        try:
            up_reader, up_writer = await asyncio.open_connection(target.hostname, target.port)
        except OSError:
            writer.close()
            return
        front.writers.append(up_writer)
        await asyncio.gather(_pipe(reader, up_writer, None), _pipe(up_reader, writer, front.held))

    async def serve() -> asyncio.Server:
        server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=context)
        front.port = server.sockets[0].getsockname()[1]
        ready.set()
        return server

    def run() -> None:
        asyncio.set_event_loop(loop)
        server = loop.run_until_complete(serve())
        loop.run_forever()
        server.close()
        for writer in front.writers:  # (every connection closed before the loop: no leak;
            writer.transport.abort()  # TLS's polite close would wait for the other side)
        tasks = asyncio.all_tasks(loop)
        for task in tasks:
            task.cancel()
        loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
        loop.run_until_complete(asyncio.sleep(0.01))  # (the transports' own close)
        loop.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    ready.wait(10)
    try:
        yield front
    finally:
        front.held.clear()
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


@contextmanager
def tls_front(redis_url: str, folder: Path, name: str = "localhost") -> Iterator[tuple[int, Path]]:
    """The TLS port in front of ``redis_url``'s server, its certificate for ``name``, and the
    CA's certificate file (what ``ssl_ca_certs=`` names)."""
    with front_of(redis_url, folder, name) as front:
        yield front.port, folder / "ca.pem"
