"""``omotenashi proxy``: a bad origin, worker count or connection limit is refused before anything
starts; the connection limit holds."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from typing import Any

import httpx
import pytest

from omotenashi.cli.main import main
from omotenashi.store.embedded import free_port

from .live_server import serving


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--upstream", "ftp://origin/"], "'ftp://origin/'"),
        (["--upstream", "origin:8080"], "'origin:8080'"),
        ([], "omotenashi proxy: OMOTENASHI_PROXY_UPSTREAM: set the origin's URL"),
        (["--upstream", "http://origin:8080", "--workers", "0"], "got 0"),
        # (proxy67: the password printed at start, never sent, no address made relative)
        (["--upstream", "http://u:s3cret@origin/"], "no user or password: the proxy sends none"),
        (["--upstream", "http://u:my s3cret@origin/"], "(got 'http://u:***@origin/')"),  # review67
        (["--upstream", "http://u:s3cret/x==@origin/"], "not a URL (got 'http://u:***@origin/')"),
        (["--upstream", "http://origin:99999"], "port 99999 is not a port (1 to 65535)"),
    ],
)
def test_the_proxy_command_refuses_what_cannot_work(
    args: list[str], said: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("OMOTENASHI_PROXY_UPSTREAM", raising=False)
    monkeypatch.setenv("OMOTENASHI_PROXY_UPSTREAM", "")  # restored after the test
    assert main(["proxy", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("omotenashi proxy: ") and said in err
    assert "s3cret" not in err


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--limit-concurrency", "0"], "--limit-concurrency must be at least 1, got 0"),
        (["--timeout-keep-alive", "0"], "--timeout-keep-alive must be more than 0, got 0.0"),
    ],
)
def test_the_connection_limits_are_refused_when_they_cannot_work(
    args: list[str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["proxy", "--upstream", "http://origin:8080", *args]) == 2
    assert said in capsys.readouterr().err


async def page(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The origin: a small page for every request."""
    if scope["type"] == "http":
        start = {"type": "http.response.start", "status": 200}
        await send({**start, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"hello"})


@pytest.mark.anyio
async def test_limit_concurrency_caps_the_connections_the_proxy_holds(
    omotenashi_redis_url: str,
) -> None:
    """Idle connections count: with the limit reached a request gets a 503 at once, not a reset
    once the process runs out of files (the README's advice for slow senders)."""
    port = free_port()
    env = _env(omotenashi_redis_url)
    async with serving(page) as origin:
        process = await proxy(origin, port, env, "--limit-concurrency", "2")
        try:
            url = f"http://127.0.0.1:{port}/"
            async with httpx.AsyncClient() as client:
                first = await until_up(client, url)
                _, idle = await asyncio.open_connection("127.0.0.1", port)  # says nothing
                await asyncio.sleep(0.2)
                async with httpx.AsyncClient() as other:
                    full = await other.get(url)
                idle.close()
        finally:
            if process.returncode is None:
                process.terminate()
            await process.wait()
    assert first.status_code == 200 and first.text == "hello"
    assert full.status_code == 503


def _env(redis_url: str) -> dict[str, str]:
    """This process's environment with a Redis URL and a signing key, for a proxy it starts."""
    return {**os.environ, "OMOTENASHI_REDIS_URL": redis_url, "OMOTENASHI_SECRET_KEYS": "k" * 32}


async def proxy(origin: str, port: int, env: dict[str, str], *options: str) -> Any:
    """``omotenashi proxy`` in a process of its own, quiet, in front of ``origin``."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        *("-m", "omotenashi.cli", "proxy", "--upstream", origin, "--port", str(port)),
        *(*options, "--log-level", "warning"),
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


async def until_up(client: httpx.AsyncClient, url: str) -> httpx.Response:
    """The first answer at ``url``, within a minute (workers starting on a busy machine)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            return await client.get(url)
        except httpx.TransportError:
            await asyncio.sleep(0.05)
    raise AssertionError(f"the proxy never answered at {url}")


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.anyio
@pytest.mark.parametrize(
    "command",
    [
        ["proxy", "--upstream", "http://127.0.0.1:9/", "--log-level", "critical"],
        ["demo", "--root", ROOT],
    ],
    ids=["proxy", "demo"],
)
async def test_the_banner_masks_the_redis_password(command: list[str]) -> None:
    """The start line names the Redis URL with its password as ``***`` (it was printed whole,
    where the settings' log line masks it)."""
    line = await start_line(
        [*command, "--port", str(free_port())], "redis://:s3cret-pw@127.0.0.1:1/0"
    )
    assert "Redis: redis://:***@127.0.0.1:1/0" in line and "s3cret" not in line


async def start_line(command: list[str], redis_url: str = "redis://127.0.0.1:1/0") -> str:
    """The first line ``omotenashi <command>`` prints (its start line), then it is stopped."""
    env = _env(redis_url)
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "omotenashi.cli", *command),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        assert process.stdout is not None
        return (await asyncio.wait_for(process.stdout.readline(), 60)).decode()
    finally:
        process.terminate()
        await process.wait()


@pytest.mark.parametrize(
    ("upstream", "listen", "loop"),
    [
        ("http://127.0.0.1:8000", ["--port", "8000"], True),
        ("http://localhost:8000/app/", ["--port", "8000"], True),
        ("http://[::1]:9000", ["--host", "::", "--port", "9000"], True),
        ("http://127.0.0.1:9000", ["--host", "0.0.0.0", "--port", "9000"], True),
        ("http://[::1]:9000", ["--host", "0.0.0.0", "--port", "9000"], False),  # (eye51b:
        ("http://127.0.0.1:3000", ["--host", "::1", "--port", "3000"], False),  # two sockets)
        ("http://0.0.0.0:3000", ["--host", "127.0.0.1", "--port", "3000"], True),  # (eye51c:
        ("http://[::]:3000", ["--host", "::1", "--port", "3000"], True),  # this machine)
        ("http://shop.internal:80", ["--host", "shop.internal", "--port", "80"], True),
        ("http://shop.internal", ["--host", "shop.internal", "--port", "80"], True),
        ("http://127.0.0.1:8001", ["--port", "8000"], False),
        ("http://origin:8000", ["--port", "8000"], False),
    ],
)
def test_an_upstream_that_is_the_proxy_itself_is_refused(
    upstream: str, listen: list[str], loop: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    """(proxy51) Each request came back to the proxy until its pool was full (503s, some 200
    files held a few seconds), with a banner of "A -> A" and no word."""
    from omotenashi.cli.proxy import itself

    port = int(listen[listen.index("--port") + 1])
    host = listen[listen.index("--host") + 1] if "--host" in listen else "127.0.0.1"
    assert itself(upstream, host, port) is loop
    if loop:
        assert main(["proxy", "--upstream", upstream, *listen]) == 2
        assert "is this proxy's own address (--host, --port): a loop" in capsys.readouterr().err


def _children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as listing:
        return [int(child) for child in listing.read().split()]


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")", 1)[1].split()[0] != "Z"  # (a zombie has ended)
    except FileNotFoundError:
        return False


@pytest.mark.anyio
@pytest.mark.skipif(
    not sys.platform.startswith("linux"),
    reason="workers end with their supervisor through PR_SET_PDEATHSIG, which only Linux has "
    "(elsewhere stop the proxy with SIGTERM or Ctrl+C, as the README says)",
)
async def test_the_proxy_s_workers_end_with_it_when_it_is_killed(omotenashi_redis_url: str) -> None:
    """shutdown55: ``omotenashi proxy --workers 2`` killed outright (SIGKILL) left its uvicorn
    workers serving, holding the port (a restart failed: address in use)."""
    port = free_port()
    env = _env(omotenashi_redis_url)
    async with serving(page) as origin:
        process = await proxy(origin, port, env, "--workers", "2")
        try:
            async with httpx.AsyncClient() as client:
                assert (await until_up(client, f"http://127.0.0.1:{port}/")).text == "hello"
            workers = [
                pid for pid in _children(process.pid) if "resource_tracker" not in _cmdline(pid)
            ]
            assert len(workers) >= 2, [(p, _cmdline(p)) for p in _children(process.pid)]
            process.kill()
            await process.wait()
            for _ in range(200):
                if not any(_alive(pid) for pid in workers):
                    break
                await asyncio.sleep(0.05)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    assert not any(_alive(pid) for pid in workers)


def _cmdline(pid: int) -> str:
    with open(f"/proc/{pid}/cmdline", "rb") as text:
        return text.read().replace(b"\0", b" ").decode(errors="replace")
