"""Pytest plugin for Omotenashi (registered as ``omotenashi`` through the pytest11 entry point).

It needs pytest 7.0 and pluggy 1.2 (:data:`NEEDS`): on older ones it registers nothing and
says so in one line on stderr, so that the user's own tests still run.

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
import re
import shutil
import sys
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pluggy
import pytest

from omotenashi.testing.arms import (
    ARMS,
    STEADY_VIEWS,
    choose_vid,
    holdout_arms,
    holdout_rules,
    site_rules,
)
from omotenashi.testing.remote import remote_base_url, site_base_url

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
    "unsupported",
    "written",
]

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# pytest.StashKey and config.stash (pytest 7.0), hookimpl(wrapper=True) (pluggy 1.2)
NEEDS = {"pytest": (7, 0), "pluggy": (1, 2)}


def unsupported(pytest_version: str, pluggy_version: str) -> str | None:
    """Why the plugin cannot run with these versions (``None``: it can). A version that does
    not start with ``major.minor`` (a source checkout's) is taken to be new enough."""
    for name, version in (("pytest", pytest_version), ("pluggy", pluggy_version)):
        release = re.match(r"(\d+)\.(\d+)", version)
        if release and (int(release[1]), int(release[2])) < NEEDS[name]:
            least = ".".join(map(str, NEEDS[name]))
            return f"needs {name}>={least}, this is {name} {version!r}"
    return None


# This module loads in every pytest run where omotenashi is installed (the pytest11 entry
# point): Redis, settings, the engine and the store are imported by the fixtures that use them,
# and on a pytest too old for them (checked here) the plugin registers no fixture and no hook.
UNSUPPORTED = unsupported(pytest.__version__, pluggy.__version__)


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
    """Skip locally, fail under CI: CI must never pass by skipping real parts. Called while
    handling the error that says what is missing, the failure is that one line alone (not the
    error again, under "During handling of the above exception")."""
    if in_ci():
        failure = pytest.fail.Exception(
            f"{reason} (CI=true: a missing part is a failure)", pytrace=False
        )
        raise failure from None
    pytest.skip(reason)


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
    found (Playwright's launch then fails, saying to install it): unchanged; so is Playwright's
    own Chromium run by a user other than root, whose sandbox works (pkg56: every suite of a
    project with Omotenashi installed launched it with the sandbox off)."""
    if browser_type.name != "chromium" or parent.get("channel") or parent.get("executable_path"):
        return parent
    executable = find_chromium(browser_type.executable_path)
    if executable is None:  # Playwright's own error then fails the test: "playwright install"
        return parent
    if executable == browser_type.executable_path and getattr(os, "geteuid", lambda: 1)() != 0:
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
    pytest-playwright provides ``base_url`` itself, a ``base_url`` that raises no warning.

    On a pytest the plugin cannot run on: one line on stderr (not a warning, which
    ``-W error`` would turn into an error stopping the run) and nothing registered."""
    if UNSUPPORTED:
        sys.stderr.write(
            f"omotenashi: its pytest plugin {UNSUPPORTED}: its fixtures are off "
            "(-p no:omotenashi hides this line)\n"
        )
    elif config.pluginmanager.hasplugin("playwright"):
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
        cookie the site sets later (a save of choices, a refresh) then replaces it. A host
        without a dot (``testserver``, Starlette's TestClient; ``localhost``) is stored by
        http.cookiejar as ``<host>.local``, so the cookie goes there: under the bare host it
        would never be sent, and the site would see a new visitor."""
        host = getattr(getattr(client, "base_url", None), "host", "") or ""
        if host and "." not in host:
            host += ".local"  # http.cookiejar's effective host name (eff_request_host)
        client.cookies.set(self.cookie_name, self.cookie, domain=host)


def force_cookie(token: str, base_url: str) -> dict[str, Any]:
    """The preview cookie for a Playwright BrowserContext."""
    from omotenashi.identity.preview import COOKIE as FORCE_COOKIE

    return {"name": FORCE_COOKIE, "value": token, "url": base_url}


if UNSUPPORTED is None:  # the fixtures and the hook, where pytest collects a plugin's own
    from omotenashi.testing.fixtures import FLUSH_OPT_IN as FLUSH_OPT_IN
    from omotenashi.testing.fixtures import embedded_redis_factory as embedded_redis_factory
    from omotenashi.testing.fixtures import omotenashi_force as omotenashi_force
    from omotenashi.testing.fixtures import omotenashi_redis as omotenashi_redis
    from omotenashi.testing.fixtures import omotenashi_redis_url as omotenashi_redis_url
    from omotenashi.testing.fixtures import omotenashi_settings as omotenashi_settings
    from omotenashi.testing.fixtures import omotenashi_visitor as omotenashi_visitor
    from omotenashi.testing.fixtures import pytest_runtest_makereport as pytest_runtest_makereport
