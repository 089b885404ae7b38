"""erase54: ``omotenashi demo --log-level info`` logged each request's client address and
query (``?email=...``, campaign values); the proxy's access lines already left both out."""

from __future__ import annotations

import asyncio
import os
import sys

import httpx
import pytest

from omotenashi.store.embedded import free_port

from .test_proxy_cli import ROOT, until_up


@pytest.mark.anyio
async def test_the_demo_s_access_lines_name_no_visitor(omotenashi_redis_url: str) -> None:
    port = free_port()
    env = {**os.environ, "OMOTENASHI_REDIS_URL": omotenashi_redis_url}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *("-m", "omotenashi.cli", "demo", "--root", ROOT, "--port", str(port)),
        *("--log-level", "info"),
        env=env,
        stdout=asyncio.subprocess.PIPE,  # (uvicorn's access lines)
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        async with httpx.AsyncClient() as client:
            await until_up(client, f"http://127.0.0.1:{port}/")
            got = await client.get(f"http://127.0.0.1:{port}/tours/kyoto-autumn?email=a@b.c")
    finally:
        process.terminate()
        out, _ = await process.communicate()
    log = out.decode()
    access = [line for line in log.splitlines() if '"GET ' in line]
    assert got.status_code == 200
    assert access and all(' - - "GET /' in line for line in access), log  # no address
    assert any('"GET /tours/kyoto-autumn HTTP/1.1" 200' in line for line in access), log
    assert "a@b.c" not in log, log
