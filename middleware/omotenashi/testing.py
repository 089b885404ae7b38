"""Pytest plugin for Omotenashi (registered as ``omotenashi`` through the pytest11 entry point).

Fixtures:

* ``omotenashi_redis_url`` (session): a real Redis. ``REDIS_URL`` or ``OMOTENASHI_REDIS_URL``
  when set, else a private embedded server started for the session. Under ``CI=true`` a
  missing server is a failure, never a skip.
* ``omotenashi_redis`` (function): a synchronous client to it, database flushed first.
* ``embedded_redis_factory`` (function): start private servers a test may stop and restart.
* ``browser_executable`` (session): the Chromium to drive; Playwright's own when installed, else
  a system Chromium.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from .embedded import EmbeddedRedis
from .errors import EmbeddedServerError

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def unavailable(reason: str) -> None:
    """Skip locally, fail under CI: CI must never pass by skipping real parts."""
    if in_ci():
        pytest.fail(f"{reason} (CI=true: a missing part is a failure)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def omotenashi_redis_url() -> Iterator[str]:
    url = os.environ.get("REDIS_URL") or os.environ.get("OMOTENASHI_REDIS_URL")
    if url:
        yield url
        return
    try:
        server = EmbeddedRedis().start()
    except EmbeddedServerError as exc:
        unavailable(str(exc))
        return
    try:
        yield server.url
    finally:
        server.close()


@pytest.fixture
def omotenashi_redis(omotenashi_redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(omotenashi_redis_url, decode_responses=True)
    client.flushdb()
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def embedded_redis_factory() -> Iterator[Callable[..., EmbeddedRedis]]:
    servers: list[EmbeddedRedis] = []

    def make(**kwargs: Any) -> EmbeddedRedis:
        try:
            server = EmbeddedRedis(**kwargs).start()
        except EmbeddedServerError as exc:
            unavailable(str(exc))
            raise
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.close()


def find_chromium(playwright_path: str | None = None) -> str | None:
    """Playwright's installed Chromium when present, else a system Chromium, else None."""
    if playwright_path and Path(playwright_path).exists():
        return playwright_path
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None
