"""A URL whose scheme does not match the port says so in the failure's own line: ``redis://``
to a TLS port (a real TLS server socket: Python's ssl module) and ``rediss://`` to a plain one
(the real embedded server), in a site's log and in the commands that talk to Redis."""

from __future__ import annotations

import contextlib
import logging
import socket
import ssl
import threading
from collections.abc import Iterator

import pytest

from omotenashi import StoreError
from omotenashi.cli.main import main
from omotenashi.ids import new_vid
from omotenashi.metrics import Metrics
from omotenashi.settings import RedisSettings
from omotenashi.store.store import Store
from omotenashi.store.tlshint import PLAIN_PORT, SLOW_OR_PLAIN, TLS_PORT, tls_hint

pytestmark = pytest.mark.anyio
PATHS = {"fast": "", "redis-py": "?socket_keepalive=true"}


@pytest.fixture
def tls_port() -> Iterator[int]:
    """A TLS port. No certificate: a plain client's first bytes fail the handshake at the
    record layer, before one is needed, and the connection ends (as Redis's --tls-port)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.05)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            conn.settimeout(5)
            with conn, contextlib.suppress(OSError):
                context.wrap_socket(conn, server_side=True)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        server.close()


async def warnings_of(url: str, caplog: pytest.LogCaptureFixture) -> list[str]:
    """What a store logs while two page reads from ``url`` fail (open; fail-open)."""
    cfg = RedisSettings(url=url, key_prefix="tls-hints", breaker_failures=50, breaker_reset=0)
    store = Store(cfg, Metrics())
    store.connect(url)
    try:
        for _ in range(2):
            with pytest.raises(StoreError):
                await store.load(new_vid())
    finally:
        await store.aclose()
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "omotenashi" and r.levelno >= logging.WARNING
    ]


@pytest.mark.parametrize("options", PATHS.values(), ids=list(PATHS))
async def test_a_plain_url_to_a_tls_port_says_so(
    options: str, tls_port: int, caplog: pytest.LogCaptureFixture
) -> None:
    said = await warnings_of(f"redis://127.0.0.1:{tls_port}{options}", caplog)
    assert len(said) == 1, said  # the one rate-limited line, not one per request
    assert said[0].endswith(f"; {TLS_PORT})"), said


async def test_a_tls_url_to_a_plain_port_says_so(
    omotenashi_redis_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    said = await warnings_of(omotenashi_redis_url.replace("redis://", "rediss://", 1), caplog)
    assert len(said) == 1, said
    assert said[0].endswith(f"; {SLOW_OR_PLAIN})"), said  # (a handshake with no answer)


@pytest.mark.parametrize("scheme", ["redis", "rediss"])
def test_a_command_says_so_too(
    scheme: str,
    tls_port: int,
    omotenashi_redis_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    wrong = (
        f"redis://127.0.0.1:{tls_port}/0"
        if scheme == "redis"
        else omotenashi_redis_url.replace("redis://", "rediss://", 1)
    )
    monkeypatch.setenv("OMOTENASHI_REDIS_URL", wrong)
    assert main(["profile", "show", "ab" * 16]) == 2
    err = capsys.readouterr().err
    hint = TLS_PORT if scheme == "redis" else SLOW_OR_PLAIN
    assert f"; {hint}): check that it runs" in err, err


@pytest.mark.parametrize(
    ("url", "reason", "answered", "hint"),
    [  # the failures as seen with Redis 7.0.15 (--tls-port) and OpenSSL 3
        ("redis://h:1", "connection lost: [Errno 104] Connection reset by peer", False, TLS_PORT),
        ("redis://h:1", "Error UNKNOWN while writing to socket. Connection lost.", False, TLS_PORT),
        ("REDIS://h:1", 'Protocol error, got "\\x15" as reply type byte', True, TLS_PORT),
        ("rediss://h:1", "no answer within 0.15s: Redis slow or unreachable", False, SLOW_OR_PLAIN),
        ("rediss://h:1", "Timeout connecting to server", False, SLOW_OR_PLAIN),  # (ops65: or slow)
        ("rediss://h:1", "[SSL: WRONG_VERSION_NUMBER] wrong version number", True, PLAIN_PORT),
        # the server has answered since: an outage, not the URL
        ("redis://h:1", "connection lost: [Errno 104] Connection reset by peer", True, None),
        ("rediss://h:1", "Timeout connecting to server", True, None),
        # nothing to say about the scheme
        ("redis://h:1", "Error 111 connecting to h:1. Connection refused.", False, None),
        ("rediss://h:1", "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed", False, None),
        ("unix:///r.sock", "connection lost: closed by the server", False, None),
        ("redis+sentinel://h:1/m", "Timeout connecting to server", False, None),
    ],
)
def test_the_hint_follows_what_the_failure_looks_like(
    url: str, reason: str, answered: bool, hint: str | None
) -> None:
    assert tls_hint(url, reason, answered=answered) == (f"; {hint}" if hint else "")
