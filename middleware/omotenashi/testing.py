"""Pytest plugin for Omotenashi (registered as ``omotenashi`` through the pytest11 entry point).

Fixtures:

* ``omotenashi_redis_url`` (session): a real Redis. ``REDIS_URL`` or ``OMOTENASHI_REDIS_URL``
  when set: the site under test must use the same server, or it never sees what the fixtures
  write. Unset, a private embedded server is started for the session, for a site the tests
  start themselves (in-process, or in a subprocess given this URL); with ``--base-url`` (a site
  already running) an unset URL is a failure naming OMOTENASHI_REDIS_URL. Under ``CI=true`` a
  missing server is a failure, never a skip.
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
  Unknown fields, stages and cap forms are a :class:`~omotenashi.errors.CommandError`.
* ``written()`` (a coroutine): requests do not wait for their page views to be written (they
  go out batched, a few ms after the response); ``await written()`` waits until everything
  recorded so far is in Redis, before a test reads Redis directly. ``Written(app)`` wraps an
  ASGI app (e.g. for ``httpx.ASGITransport``) to do that after every request.
* ``omotenashi_force`` (function): ``omotenashi_force(rules=["kyoto-hero"], stage=...)`` returns a
  signed preview token; ``force_cookie(token, base_url)`` is the cookie for a browser context.
* ``browser_type_launch_args`` (with pytest-playwright): Playwright's own Chromium when
  installed, else a system Chromium by path; headless unless ``--headed``; ``--no-sandbox``.
"""

from __future__ import annotations

import os
import shutil
import time
import types
from collections.abc import Callable, Generator, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis

from omotenashi.engine.restraint import in_holdout, is_fresh
from omotenashi.errors import CommandError, EmbeddedServerError
from omotenashi.identity.cookie import CookieSigner, Identity, new_vid
from omotenashi.identity.preview import COOKIE as FORCE_COOKIE
from omotenashi.identity.preview import ForceSigner
from omotenashi.settings import RespectSettings, RulesSettings, Settings
from omotenashi.store.embedded import EmbeddedRedis
from omotenashi.store.seed import check_fields, seed

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
STEADY_VIEWS = 10  # page views a test makes, none fresh (at share 0.3: 1 id in 35; 100: 3e15)
ARMS = ("shown", "held-out")
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


def remote_base_url(config: pytest.Config) -> str | None:
    """The site under test given on the command line or in the ini file (pytest-playwright's
    ``--base-url``): a site these tests did not start."""
    try:
        given = config.getoption("base_url", None) or config.getini("base_url")
    except ValueError:  # pytest-base-url is not installed: no such option
        return None
    return str(given) if given else None


@pytest.fixture(scope="session")
def omotenashi_redis_url(pytestconfig: pytest.Config) -> Iterator[str]:
    url = os.environ.get("REDIS_URL") or os.environ.get("OMOTENASHI_REDIS_URL")
    if url:
        yield url
        return
    site = remote_base_url(pytestconfig)
    if site:
        pytest.fail(
            f"omotenashi: set OMOTENASHI_REDIS_URL to the Redis the site at {site} uses: without "
            "it the fixtures would write to a private server the site never reads",
            pytrace=False,
        )
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
    ours = pytestconfig.stash.get(_PRIVATE, None) == omotenashi_redis_url
    if not ours and os.environ.get(FLUSH_OPT_IN) != "1":
        pytest.fail(
            f"omotenashi_redis: will not FLUSHDB a server these tests did not start "
            f"({omotenashi_redis_url.partition('@')[2] or omotenashi_redis_url}); set "
            f"{FLUSH_OPT_IN}=1 if everything in that database may be deleted",
            pytrace=False,
        )
    client = redis.Redis.from_url(omotenashi_redis_url, decode_responses=True)
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
    root, in containers). Another browser, a ``--browser-channel`` or a path given: unchanged."""
    if browser_type.name != "chromium" or parent.get("channel") or parent.get("executable_path"):
        return parent
    executable = find_chromium(browser_type.executable_path)
    if executable is None:
        unavailable("no Chromium: run `playwright install chromium` or install chromium")
    args = {
        **parent,
        "headless": parent.get("headless", True),
        "args": [*parent.get("args", []), *CHROMIUM_ARGS],
    }
    if executable != browser_type.executable_path:
        args["executable_path"] = executable
    return args


def _launch_args(browser_type_launch_args: dict[str, Any], browser_type: Any) -> dict[str, Any]:
    """A Chromium that runs here: see :func:`chromium_launch_args`."""
    return chromium_launch_args(browser_type_launch_args, browser_type)


def pytest_configure(config: pytest.Config) -> None:
    """Register ``browser_type_launch_args`` after pytest-playwright, so that it wraps that
    plugin's own (a conftest's fixture of the same name wraps this one in turn)."""
    if config.pluginmanager.hasplugin("playwright"):
        browser = types.ModuleType("omotenashi.testing.browser")
        fixture = pytest.fixture(scope="session", name="browser_type_launch_args")
        browser.browser_type_launch_args = fixture(_launch_args)  # type: ignore[attr-defined]
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
    return {"name": FORCE_COOKIE, "value": token, "url": base_url}


@pytest.fixture(scope="session")
def omotenashi_settings() -> Settings:
    return Settings()


_HOLDOUTS: dict[tuple[object, ...], dict[str, float]] = {}


def holdout_rules(rules: RulesSettings) -> dict[str, float]:
    """``{rule id: holdout percent}`` of the rule set in ``rules`` (read again when edited)."""
    from omotenashi.loader.reload import fingerprint, load_all

    if not rules.dir.is_dir():
        raise CommandError(
            f"no rules folder at {str(rules.dir)!r}: choosing the holdout arm needs the site's "
            "rules (set OMOTENASHI_RULES_DIR, or override omotenashi_settings); holdouts=None "
            "draws it at random, as for a real visitor"
        )
    key = (rules.dir.resolve(), rules.snippets_dir, fingerprint(rules.dir, rules.snippets_dir))
    if key not in _HOLDOUTS:
        loaded = load_all(rules).ruleset.rules
        _HOLDOUTS[key] = {c.id: c.rule.holdout for c in loaded if c.rule.holdout}
    return _HOLDOUTS[key]


def holdout_arms(
    holdouts: str | Mapping[str, str] | None, rules: RulesSettings
) -> dict[str, tuple[bool, float]]:
    """``{rule id: (held out, percent)}`` for ``holdouts`` ("shown" or "held-out" for every
    rule with a holdout, ``{rule id: arm}``, or None), checked against the rule set."""
    if holdouts is None:
        return {}
    if holdouts == "shown" and not rules.dir.is_dir():  # the default, for a site not here
        return {}  # (a suite testing a running site): no rules known, no arm asked of them
    known = holdout_rules(rules)
    wanted = dict.fromkeys(known, holdouts) if isinstance(holdouts, str) else dict(holdouts)
    arms: dict[str, tuple[bool, float]] = {}
    for rule, arm in wanted.items():
        if arm not in ARMS:
            raise CommandError(f"holdouts: arm {arm!r} of {rule!r} is not one of {ARMS}")
        if rule not in known:
            raise CommandError(
                f"holdouts: {rule!r} has no holdout in the rules at {str(rules.dir)!r} "
                f"(rules with one: {', '.join(sorted(known)) or 'none'})"
            )
        held, percent = arm == "held-out", known[rule]
        if percent >= 100 and not held:
            raise CommandError(f"holdouts: {rule!r} holds out everyone: no visitor sees it")
        arms[rule] = (held, percent)
    return arms


def choose_vid(
    arms: Mapping[str, tuple[bool, float]],
    *,
    views: int = 0,
    fresh_share: float = 0.0,
    fresh: bool | None = False,
    steady_views: int = STEADY_VIEWS,
    tries: int = 1_000_000,
) -> str:
    """A new visitor id in each rule's asked arm (``{rule id: (held out, percent)}``) whose
    page views from ``views`` on are ``fresh`` (False: none of the next ``steady_views``;
    True: the next one; None: as drawn). Both are pure hashes of the id (engine/restraint.py
    ``in_holdout`` and ``is_fresh``): the site draws the same way. What ``tries`` ids could
    not be expected to find is refused at once, saying why."""
    chance = fresh_share if fresh else (1 - fresh_share) ** steady_views if fresh is False else 1
    for held, percent in arms.values():
        chance *= percent / 100 if held else 1 - percent / 100
    if chance * tries < 20:  # 1 id in more than tries/20: hopeless, or minutes of hashing
        raise CommandError(
            f"no visitor id can be expected in {tries} tries: about 1 in "
            f"{1 / chance if chance else float('inf'):.3g} is in the holdout arms {arms} with "
            f"fresh={fresh} (a fresh share of {fresh_share}, over {steady_views} page views "
            "when False): ask fewer steady_views, or set OMOTENASHI_RESPECT_FRESH_SHARE=0 "
            "on the site under test"
        )

    def steady(vid: str) -> bool:
        if fresh is None:
            return True
        if fresh:
            return is_fresh(vid, views, fresh_share)
        return not any(is_fresh(vid, n, fresh_share) for n in range(views, views + steady_views))

    for _ in range(tries):
        vid = new_vid()
        if all(in_holdout(vid, r, pc) == held for r, (held, pc) in arms.items()) and steady(vid):
            return vid
    raise CommandError(
        f"no visitor id in {tries} tries is in the holdout arms {arms} with fresh={fresh} "
        f"(at a fresh share of {fresh_share}, over {steady_views} page views when False)"
    )


@pytest.fixture
def omotenashi_visitor(
    omotenashi_settings: Settings, omotenashi_redis_url: str
) -> Iterator[Callable[..., SeededVisitor]]:
    client = redis.Redis.from_url(omotenashi_redis_url, decode_responses=True)
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
def omotenashi_force(omotenashi_settings: Settings) -> Callable[..., str]:
    signer = ForceSigner(omotenashi_settings)

    def make(**forced: Any) -> str:
        return signer.make(**forced)

    return make
