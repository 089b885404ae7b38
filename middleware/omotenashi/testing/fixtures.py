"""The plugin's fixtures and its report hook: ``omotenashi.testing`` imports them only on a
pytest they run on (:func:`omotenashi.testing.unsupported`), so that an older pytest gets a
plugin that registers nothing, not a failed import that stops every test run there."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Generator, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import pytest

from omotenashi.errors import CommandError, EmbeddedServerError
from omotenashi.ids import is_user_id
from omotenashi.testing import SeededVisitor, unavailable
from omotenashi.testing.arms import (
    STEADY_VIEWS,
    check_forced,
    check_lists,
    check_names,
    choose_vid,
    holdout_arms,
    moment_of,
)
from omotenashi.testing.remote import remote_base_url, require_keys, require_reachable

if TYPE_CHECKING:  # Redis, settings and the store load when a fixture uses them
    from datetime import datetime

    import redis

    from omotenashi.settings import Settings
    from omotenashi.store.embedded import EmbeddedRedis

FLUSH_OPT_IN = "OMOTENASHI_TEST_FLUSH"
_PRIVATE = pytest.StashKey[str]()  # the URL of the server omotenashi_redis_url started


@pytest.fixture(scope="session")
def omotenashi_redis_url(pytestconfig: pytest.Config) -> Iterator[str]:
    """The URL of a real Redis: REDIS_URL/OMOTENASHI_REDIS_URL, or a private embedded one."""
    url = os.environ.get("REDIS_URL") or os.environ.get("OMOTENASHI_REDIS_URL")
    site = remote_base_url(pytestconfig)
    sites = os.environ.get("OMOTENASHI_REDIS_URL")
    if site and url and sites and url != sites:  # (a CI service's REDIS_URL, say)
        from omotenashi.store.breaker import masked

        pytest.fail(
            f"omotenashi: REDIS_URL ({masked(url)}) and OMOTENASHI_REDIS_URL ({masked(sites)}) "
            f"name different servers; the site at {site} reads OMOTENASHI_REDIS_URL, the "
            "fixtures would write to REDIS_URL: unset REDIS_URL for this run, or make them one",
            pytrace=False,
        )
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


@pytest.fixture(scope="session")
def omotenashi_settings(pytestconfig: pytest.Config, request: pytest.FixtureRequest) -> Settings:
    """The site's settings: ``Settings()`` from the environment (override it in a conftest);
    for a site the tests start themselves, with no OMOTENASHI_SECRET_KEYS, one random key for
    the session, so that the site built from these settings and the fixtures sign alike (qa66:
    each drew its own), and with no OMOTENASHI_REDIS_URL, the Redis the fixtures use
    (``omotenashi_redis_url``'s private server: qa70, the site started one of its own, and a
    test expecting the default page passed). (With ``--base-url`` the site's keys and Redis
    are needed: require_keys, omotenashi_redis_url.)"""
    import secrets

    from omotenashi.settings import Settings

    settings = Settings()
    if remote_base_url(pytestconfig) is not None:
        return settings
    given: dict[str, Any] = {}
    if not settings.secret_keys:
        given["secret_keys"] = [secrets.token_urlsafe(32)]
    if settings.redis.url is None:  # (REDIS_URL alone: the fixtures' server, the site's too)
        try:
            given["redis"] = {"url": request.getfixturevalue("omotenashi_redis_url")}
        except (pytest.skip.Exception, pytest.fail.Exception):  # no server to be had: a suite
            pass  # needing none (force links) still runs; one that seeds fails as before (review70)
    return Settings(**given) if given else settings


@pytest.fixture
def omotenashi_visitor(
    omotenashi_settings: Settings, omotenashi_redis_url: str, pytestconfig: pytest.Config
) -> Iterator[Callable[..., SeededVisitor]]:
    """``make(stage=..., **profile)`` seeds a visitor in Redis and returns its signed cookie;
    when the test ends, every key of each visitor it seeded is deleted (what the site wrote for
    them during the test too): a shared staging Redis keeps no test visitors."""
    import redis

    from omotenashi.engine.periods import site_zone
    from omotenashi.identity.cookie import CookieSigner, Identity
    from omotenashi.settings import RespectSettings
    from omotenashi.store.privacy import EXTRA_FAMILIES, LEGACY_FAMILIES
    from omotenashi.store.seed import check_fields, seed
    from omotenashi.store.store import PARTS

    require_keys(omotenashi_settings, pytestconfig, "omotenashi_visitor")
    kind = redis.RedisCluster if omotenashi_settings.redis.cluster else redis.Redis  # (MOVED)
    client = kind.from_url(omotenashi_redis_url, decode_responses=True, protocol=2)
    signer = CookieSigner(omotenashi_settings)

    def make(
        *,
        holdouts: str | Mapping[str, str] | None = "shown",
        fresh: bool | None = False,
        steady_views: int = STEADY_VIEWS,
        **profile: Any,
    ) -> SeededVisitor:
        check_fields(profile)
        check_names("omotenashi_visitor: ", profile, omotenashi_settings.rules)
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
        prefix, zone = omotenashi_settings.redis.key_prefix, omotenashi_settings.rules.timezone
        seeded.append(vid)  # (deleted at the end even if the seed stops half-way)
        seed(client, vid, profile, key_prefix=prefix, ttl=86400, zone=site_zone(zone))
        ident = Identity(vid=vid, is_new=False, issued_at=time.time())
        return SeededVisitor(vid, signer.sign(ident), omotenashi_settings.cookie.name)

    seeded: list[str] = []
    parts = (*PARTS, *LEGACY_FAMILIES, *EXTRA_FAMILIES)
    try:
        yield make
    finally:
        prefix = omotenashi_settings.redis.key_prefix
        try:
            gone = [v for v in seeded if not client.exists(f"{prefix}:{{{v}}}:p2")]
            for vid in seeded:  # (one hash slot each: one command, in a cluster too)
                client.delete(*(f"{prefix}:{{{vid}}}:{part}" for part in parts))
            if gone:  # merged at a sign-in (or erased): the accounts it joined go too (qa66:
                for uid in joined(client, prefix, gone):  # left for 90 days, the next test
                    client.delete(*(f"{prefix}:{{{uid}}}:{part}" for part in parts))  # saw them)
        except redis.RedisError:
            pass  # a server the test stopped: its keys expire in a day, as seeded
        finally:
            client.close()


@pytest.fixture
def omotenashi_force(
    omotenashi_settings: Settings, pytestconfig: pytest.Config
) -> Callable[..., str]:
    """``make(rules=[...], stage=..., time="2026-12-24T19:00+09:00")`` returns a signed
    preview (force) token; ``time`` (ISO, or a datetime; without an offset in the rules'
    time zone, OMOTENASHI_RULES_TIMEZONE, as ``omotenashi force --time`` reads it) or ``at``
    (epoch seconds): the moment schedules and time conditions see in its browser."""
    from omotenashi.identity.preview import ForceSigner

    require_keys(omotenashi_settings, pytestconfig, "omotenashi_force")
    signer = ForceSigner(omotenashi_settings)

    def make(*, time: str | datetime | None = None, **forced: Any) -> str:
        if not signer.switched_on:  # (qa66: a token the site refuses; the CLI said so)
            raise CommandError("omotenashi_force: OMOTENASHI_PREVIEW_ENABLED is false here")
        check_lists(forced)
        check_forced(forced.get("rules"), omotenashi_settings.rules)
        check_names("omotenashi_force: ", forced, omotenashi_settings.rules)
        if time is not None:
            if forced.get("at") is not None:
                raise CommandError("omotenashi_force: give time= or at=, not both")
            forced["at"] = moment_of(time, omotenashi_settings.rules.timezone)
        return signer.make(**forced)

    return make


def joined(client: Any, prefix: str, vids: list[str]) -> list[str]:
    """The users' profile ids whose profile records a join of one of ``vids`` (a sign-in
    merged it: the ``x<id>`` field), found by a SCAN of the users' profiles."""
    found = []
    keys = list(client.scan_iter(match=f"{prefix}:{{u*}}:p2", count=10_000))
    for at in range(0, len(keys), 1000):  # (pipelined: review66, 50,000 users took 5.7 s)
        batch = keys[at : at + 1000]
        pipe = client.pipeline(transaction=False)
        for key in batch:
            pipe.hmget(key, [f"x{vid}" for vid in vids])
        for key, held in zip(batch, pipe.execute(), strict=True):
            uid = key[len(prefix) + 2 : key.index("}", len(prefix) + 2)]
            if is_user_id(uid) and any(value is not None for value in held):
                found.append(uid)
    return found
