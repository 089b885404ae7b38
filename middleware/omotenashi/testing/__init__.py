"""Pytest plugin for Omotenashi (registered as ``omotenashi`` through the pytest11 entry point).

Fixtures:

* ``omotenashi_redis_url`` (session): a real Redis. ``REDIS_URL`` or ``OMOTENASHI_REDIS_URL``
  when set: the site under test must use the same server, or it never sees what the fixtures
  write. Unset, a private embedded server is started for the session, for a site the tests
  start themselves (in-process, or in a subprocess given this URL); with ``--base-url`` (a site
  already running) an unset URL is a failure naming OMOTENASHI_REDIS_URL. A URL given that does
  not answer is a one-line failure. Under ``CI=true`` a missing server is a failure, never a
  skip.
* ``omotenashi_redis`` (function): a synchronous client to it, database flushed first: only
  a server these fixtures started, or any with ``OMOTENASHI_TEST_FLUSH=1`` (it empties that
  database); else the test fails saying so.
* ``embedded_redis_factory`` (function): start private servers a test may stop and restart.
* ``omotenashi_settings`` (session): the site's settings (its secret keys sign the cookies the
  fixtures make, its rules give the holdouts); ``Settings()`` from the environment unless your
  conftest overrides it.
* ``omotenashi_visitor`` (function): ``omotenashi_visitor(stage="loyalty", interests={...})``
  writes a profile to Redis and returns a :class:`SeededVisitor` whose signed cookie goes into a
  Playwright ``BrowserContext`` (``.add_to(context, base_url)``) or an httpx client
  (``.apply(client)``). Its id is chosen so that the visitor is deterministic: no fresh
  (unpersonalised) page view among its next ``steady_views`` (:data:`STEADY_VIEWS`, 10), and
  in the arm ``holdouts`` asks of every rule with a holdout ("shown", the default, or
  "held-out"; or ``{rule id: arm}``; ``None``: a random draw, as a real visitor gets; the
  default without a rules folder here, for a site tested where it runs, asks nothing).
  Unknown fields, stages and cap forms are a :class:`~omotenashi.errors.CommandError`. With
  ``--base-url``, settings without OMOTENASHI_SECRET_KEYS are a failure (``remote.py``).
* ``written()`` (a coroutine): requests do not wait for their page views to be written (they
  go out batched, a few ms after the response); ``await written()`` waits until everything
  recorded so far is in Redis, before a test reads Redis directly. ``Written(app)`` wraps an
  ASGI app (e.g. for ``httpx.ASGITransport``) to do that after every request.
* ``omotenashi_force`` (function): ``omotenashi_force(rules=["kyoto-hero"], stage=...)`` returns a
  signed preview token; ``force_cookie(token, base_url)`` is the cookie for a browser context.
  A rule id the settings' rules folder (when there is one) lacks is a CommandError naming the
  closest; with ``--base-url``, no preview or cookie keys are a failure.
* ``browser_type_launch_args`` (with pytest-playwright): Playwright's own Chromium when
  installed, else a system Chromium by path; headless unless ``--headed``; ``--no-sandbox``.
  No Chromium at all: pytest-playwright's own arguments, so the launch fails, saying to run
  ``playwright install`` (never a skip, which a CI without CI=true would count as a pass).
* ``base_url`` (with pytest-playwright, without pytest-base-url): ``--base-url`` or the ini's
  ``base_url``, as pytest-playwright's own but without its PytestRemovedIn10Warning.
"""

from __future__ import annotations

import os
import shutil
import time
import types
from collections.abc import Callable, Generator, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from omotenashi.errors import CommandError, EmbeddedServerError
from omotenashi.testing.arms import (
    ARMS,
    STEADY_VIEWS,
    check_forced,
    choose_vid,
    holdout_arms,
    holdout_rules,
    site_rules,
)
from omotenashi.testing.remote import (
    remote_base_url,
    require_keys,
    require_reachable,
    site_base_url,
)

# This module loads in every pytest run where omotenashi is installed (the pytest11 entry
# point): Redis, settings, the engine and the store are imported by the fixtures that use them.
if TYPE_CHECKING:
    import redis

    from omotenashi.settings import Settings
    from omotenashi.store.embedded import EmbeddedRedis

__all__ = [
    "ARMS",
    "STEADY_VIEWS",
    "SeededVisitor",
    "Written",
    "choose_vid",
    "chromium_launch_args",
    "find_chromium",
    "force_cookie",
    "holdout_arms",
    "holdout_rules",
    "in_ci",
    "remote_base_url",
    "site_rules",
    "unavailable",
    "written",
]

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
FLUSH_OPT_IN = "OMOTENASHI_TEST_FLUSH"
_PRIVATE = pytest.StashKey[str]()  # the URL of the server omotenashi_redis_url started


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
def omotenashi_redis_url(pytestconfig: pytest.Config) -> Iterator[str]:
    """The URL of a real Redis: REDIS_URL/OMOTENASHI_REDIS_URL, or a private embedded one."""
    url = os.environ.get("REDIS_URL") or os.environ.get("OMOTENASHI_REDIS_URL")
    site = remote_base_url(pytestconfig)
    if url:
        setting = "REDIS_URL" if os.environ.get("REDIS_URL") else "OMOTENASHI_REDIS_URL"
        require_reachable(url, setting, site)
        yield url
        return
    if site:
        pytest.fail(
            f"omotenashi: set OMOTENASHI_REDIS_URL to the Redis the site at {site} uses: without "
            "it the fixtures would write to a private server the site never reads",
            pytrace=False,
        )
    from omotenashi.store.embedded import EmbeddedRedis

    try:
        server = EmbeddedRedis().start()
    except EmbeddedServerError as exc:
        unavailable(str(exc))
        return
    pytestconfig.stash[_PRIVATE] = server.url
    try:
        yield server.url
    finally:
        server.close()


@pytest.fixture
def omotenashi_redis(
    omotenashi_redis_url: str, pytestconfig: pytest.Config
) -> Iterator[redis.Redis]:
    """A client to ``omotenashi_redis_url``, database flushed (ours, or OMOTENASHI_TEST_FLUSH=1)."""
    import redis

    ours = pytestconfig.stash.get(_PRIVATE, None) == omotenashi_redis_url
    if not ours and os.environ.get(FLUSH_OPT_IN) != "1":
        pytest.fail(
            f"omotenashi_redis: will not FLUSHDB a server these tests did not start "
            f"({omotenashi_redis_url.partition('@')[2] or omotenashi_redis_url}); set "
            f"{FLUSH_OPT_IN}=1 if everything in that database may be deleted",
            pytrace=False,
        )
    client = redis.Redis.from_url(omotenashi_redis_url, decode_responses=True, protocol=2)
    client.flushdb()
    try:
        yield client
    finally:
        client.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failing test that seeded visitors into the private server says where they went."""
    report = yield
    private = item.config.stash.get(_PRIVATE, None)
    if report.failed and private and "omotenashi_visitor" in getattr(item, "fixturenames", ()):
        report.sections.append(
            (
                "omotenashi",
                f"The seeded visitors were written to a private Redis started for these tests "
                f"({private}), as OMOTENASHI_REDIS_URL is unset: a site not started against "
                "that URL never sees them. Give the site and the tests the same "
                "OMOTENASHI_REDIS_URL.",
            )
        )
    return report


@pytest.fixture
def embedded_redis_factory() -> Iterator[Callable[..., EmbeddedRedis]]:
    """``make(**kwargs)`` starts a private embedded server; all are stopped after the test."""
    from omotenashi.store.embedded import EmbeddedRedis

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


def chromium_launch_args(parent: dict[str, Any], browser_type: Any) -> dict[str, Any]:
    """pytest-playwright's launch arguments (``parent``) for Playwright's own Chromium when
    installed, else a system Chromium by path; headless unless ``--headed``; sandbox off (as
    root, in containers). Another browser, a ``--browser-channel``, a path given or no Chromium
    found (Playwright's launch then fails, saying to install it): unchanged."""
    if browser_type.name != "chromium" or parent.get("channel") or parent.get("executable_path"):
        return parent
    executable = find_chromium(browser_type.executable_path)
    if executable is None:  # Playwright's own error then fails the test: "playwright install"
        return parent
    args = {
        **parent,
        "headless": parent.get("headless", True),
        "args": [*parent.get("args", []), *CHROMIUM_ARGS],
    }
    if executable != browser_type.executable_path:
        args["executable_path"] = executable
    return args


def _launch_args(browser_type_launch_args: dict[str, Any], browser_type: Any) -> dict[str, Any]:
    """Launch arguments for a Chromium that runs here (see :func:`chromium_launch_args`)."""
    return chromium_launch_args(browser_type_launch_args, browser_type)


def pytest_configure(config: pytest.Config) -> None:
    """Register ``browser_type_launch_args`` after pytest-playwright, so that it wraps that
    plugin's own (a conftest's fixture of the same name wraps this one in turn), and, when
    pytest-playwright provides ``base_url`` itself, a ``base_url`` that raises no warning."""
    if config.pluginmanager.hasplugin("playwright"):
        browser = types.ModuleType("omotenashi.testing.browser")
        fixture = pytest.fixture(scope="session", name="browser_type_launch_args")
        browser.browser_type_launch_args = fixture(_launch_args)  # type: ignore[attr-defined]
        if config.pluginmanager.get_plugin("playwright-base-url") is not None:
            base = pytest.fixture(scope="session", name="base_url")(site_base_url)
            browser.base_url = base  # type: ignore[attr-defined]
        config.pluginmanager.register(browser, "omotenashi-browser")


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
        """Put this visitor's cookie into an httpx client, for the host of its base URL: the
        cookie the site sets later (a save of choices, a refresh) then replaces it."""
        host = getattr(getattr(client, "base_url", None), "host", "") or ""
        client.cookies.set(self.cookie_name, self.cookie, domain=host)


def force_cookie(token: str, base_url: str) -> dict[str, Any]:
    """The preview cookie for a Playwright BrowserContext."""
    from omotenashi.identity.preview import COOKIE as FORCE_COOKIE

    return {"name": FORCE_COOKIE, "value": token, "url": base_url}


@pytest.fixture(scope="session")
def omotenashi_settings() -> Settings:
    """The site's settings: ``Settings()`` from the environment (override it in a conftest)."""
    from omotenashi.settings import Settings

    return Settings()


@pytest.fixture
def omotenashi_visitor(
    omotenashi_settings: Settings, omotenashi_redis_url: str, pytestconfig: pytest.Config
) -> Iterator[Callable[..., SeededVisitor]]:
    """``make(stage=..., **profile)`` seeds a visitor in Redis and returns its signed cookie."""
    import redis

    from omotenashi.identity.cookie import CookieSigner, Identity
    from omotenashi.settings import RespectSettings
    from omotenashi.store.seed import check_fields, seed

    require_keys(omotenashi_settings, pytestconfig, "omotenashi_visitor")
    client = redis.Redis.from_url(omotenashi_redis_url, decode_responses=True, protocol=2)
    signer = CookieSigner(omotenashi_settings)

    def make(
        *,
        holdouts: str | Mapping[str, str] | None = "shown",
        fresh: bool | None = False,
        steady_views: int = STEADY_VIEWS,
        **profile: Any,
    ) -> SeededVisitor:
        check_fields(profile)
        site_share = omotenashi_settings.respect.fresh_share
        if fresh and site_share <= 0:
            raise CommandError("fresh=True: the site's fresh_share is 0, no page view is fresh")
        # not fresh: drawn at the larger of the site's share and the default (not fresh at one
        # share is not fresh at any smaller one); fresh: at the site's own
        share = site_share if fresh else max(site_share, RespectSettings().fresh_share)
        vid = choose_vid(
            holdout_arms(holdouts, omotenashi_settings.rules),
            views=int(profile.get("views") or 0),
            fresh_share=share,
            fresh=fresh,
            steady_views=steady_views,
        )
        seed(client, vid, profile, key_prefix=omotenashi_settings.redis.key_prefix, ttl=86400)
        ident = Identity(vid=vid, is_new=False, issued_at=time.time())
        return SeededVisitor(vid, signer.sign(ident), omotenashi_settings.cookie.name)

    yield make
    client.close()


@pytest.fixture
def omotenashi_force(
    omotenashi_settings: Settings, pytestconfig: pytest.Config
) -> Callable[..., str]:
    """``make(rules=[...], stage=...)`` returns a signed preview (force) token."""
    from omotenashi.identity.preview import ForceSigner

    require_keys(omotenashi_settings, pytestconfig, "omotenashi_force")
    signer = ForceSigner(omotenashi_settings)

    def make(**forced: Any) -> str:
        check_forced(forced.get("rules"), omotenashi_settings.rules)
        return signer.make(**forced)

    return make
