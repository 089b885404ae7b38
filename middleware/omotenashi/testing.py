"""Pytest plugin for Omotenashi (registered as ``omotenashi`` through the pytest11 entry point).

Fixtures:

* ``omotenashi_redis_url`` (session): a real Redis. ``REDIS_URL`` or ``OMOTENASHI_REDIS_URL``
  when set, else a private embedded server started for the session. Under ``CI=true`` a
  missing server is a failure, never a skip.
* ``omotenashi_redis`` (function): a synchronous client to it, database flushed first.
* ``embedded_redis_factory`` (function): start private servers a test may stop and restart.
* ``omotenashi_settings`` (session): the site's settings (its secret keys sign the cookies the
  fixtures make); ``Settings()`` from the environment unless your conftest overrides it.
* ``omotenashi_visitor`` (function): ``omotenashi_visitor(stage="loyalty", interests={...})``
  writes a profile to Redis and returns a :class:`SeededVisitor` whose signed cookie goes into a
  Playwright ``BrowserContext`` (``.add_to(context, base_url)``) or an httpx client
  (``.apply(client)``).
* ``written()`` (a coroutine): requests do not wait for their page views to be written (they
  go out batched, a few ms after the response); ``await written()`` waits until everything
  recorded so far is in Redis, before a test reads Redis directly. ``Written(app)`` wraps an
  ASGI app (e.g. for ``httpx.ASGITransport``) to do that after every request.
* ``omotenashi_force`` (function): ``omotenashi_force(rules=["kyoto-hero"], stage=...)`` returns a
  signed preview token; ``force_cookie(token, base_url)`` is the cookie for a browser context.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis

from omotenashi.errors import EmbeddedServerError
from omotenashi.identity.cookie import CookieSigner, Identity, new_vid
from omotenashi.identity.preview import COOKIE as FORCE_COOKIE
from omotenashi.identity.preview import ForceSigner
from omotenashi.settings import Settings
from omotenashi.store.embedded import EmbeddedRedis
from omotenashi.store.seed import seed_profile

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


async def written() -> None:
    """Wait until every middleware in this process has written what its requests recorded."""
    from omotenashi.asgi.middleware import running

    for middleware in running():
        await middleware.drain()


class Written:
    """An ASGI app that returns once the page views of its request are written (in-process
    test clients; a real server does not need it)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)
        if scope["type"] == "http":
            await written()


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


@dataclass
class SeededVisitor:
    id: str
    cookie: str  # the signed omo_vid cookie value
    cookie_name: str = "omo_vid"

    def cookies_for(self, base_url: str) -> list[dict[str, Any]]:
        return [{"name": self.cookie_name, "value": self.cookie, "url": base_url}]

    def add_to(self, context: Any, base_url: str) -> None:
        """Put this visitor's cookie into a Playwright BrowserContext."""
        context.add_cookies(self.cookies_for(base_url))

    def apply(self, client: Any) -> None:
        """Put this visitor's cookie into an httpx client."""
        client.cookies.set(self.cookie_name, self.cookie)


def force_cookie(token: str, base_url: str) -> dict[str, Any]:
    """The preview cookie for a Playwright BrowserContext."""
    return {"name": FORCE_COOKIE, "value": token, "url": base_url}


@pytest.fixture(scope="session")
def omotenashi_settings() -> Settings:
    return Settings()


@pytest.fixture
def omotenashi_visitor(
    omotenashi_settings: Settings, omotenashi_redis_url: str
) -> Iterator[Callable[..., SeededVisitor]]:
    client = redis.Redis.from_url(omotenashi_redis_url, decode_responses=True)
    signer = CookieSigner(omotenashi_settings)

    def make(**profile: Any) -> SeededVisitor:
        vid = new_vid()
        seed_profile(client, vid, key_prefix=omotenashi_settings.redis.key_prefix, **profile)
        ident = Identity(vid=vid, is_new=False, issued_at=time.time())
        return SeededVisitor(vid, signer.sign(ident), omotenashi_settings.cookie.name)

    yield make
    client.close()


@pytest.fixture
def omotenashi_force(omotenashi_settings: Settings) -> Callable[..., str]:
    signer = ForceSigner(omotenashi_settings)

    def make(**forced: Any) -> str:
        return signer.make(**forced)

    return make
