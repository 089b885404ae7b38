"""``omotenashi proxy``'s start line names an address a browser can open, an IPv6 one too."""

from __future__ import annotations

import asyncio
import os
import sys

import pytest

from omotenashi.store.embedded import free_port

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("host", "shown"),
    [
        ("::1", "http://[::1]:{port} -> "),  # was "http://::1:8000", which no browser opens
        ("127.0.0.1", "http://127.0.0.1:{port} -> "),
    ],
)
async def test_the_banner_names_an_address_a_browser_opens(host: str, shown: str) -> None:
    port = free_port()
    env = {**os.environ, "OMOTENASHI_REDIS_URL": "redis://127.0.0.1:1/0"}
    env["OMOTENASHI_SECRET_KEYS"] = "k" * 32
    command = ["proxy", "--upstream", "http://127.0.0.1:9/", "--log-level", "critical"]
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "omotenashi.cli", *command, "--host", host, "--port", str(port)),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), 60)).decode()
    finally:
        process.terminate()
        await process.wait()
    assert shown.format(port=port) in line
