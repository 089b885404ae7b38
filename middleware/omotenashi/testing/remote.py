"""A suite testing a site already running (``--base-url``): what would otherwise pass by
mistake (cookies the site cannot read, a Redis it cannot reach) fails at once, saying what to
set."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest

if TYPE_CHECKING:  # the plugin loads in every pytest run: Redis and settings on first use
    from omotenashi.settings import Settings


def remote_base_url(config: pytest.Config) -> str | None:
    """The site under test given on the command line or in the ini file (pytest-playwright's
    ``--base-url``): a site these tests did not start."""
    try:
        given = config.getoption("base_url", None) or config.getini("base_url")
    except ValueError:  # neither pytest-playwright nor pytest-base-url: no such option
        return None
    return str(given) if given else None


def site_base_url(pytestconfig: pytest.Config) -> str | None:
    """The site under test: ``--base-url``, else ``base_url`` in the ini file.

    As pytest-playwright gives it without pytest-base-url, but a plain function: its own is a
    method of a plugin object, which pytest 9 deprecates (PytestRemovedIn10Warning, an error
    under -W error). A site's root given with its slash (``http://127.0.0.1:8000/``) comes
    without it, so that ``base_url + "/"``, as the README's examples write, is the home page
    and not ``//``, which a site may route elsewhere (qa64); a path's own slash is kept."""
    given = remote_base_url(pytestconfig)
    if given is not None and given.endswith("/") and urlsplit(given).path == "/":
        return given[:-1]
    return given


def require_keys(settings: Settings, config: pytest.Config, fixture: str) -> None:
    """Under ``--base-url``, a fixture that signs needs the site's keys: without them it signs
    with a random key of this process, the site ignores what it makes, and a test expecting
    the default page passes."""
    site = remote_base_url(config)
    if site is None:  # a site the tests start themselves, with these settings: with no key
        if settings.secret_keys or (fixture == "omotenashi_force" and settings.preview_keys):
            return  # in them, its signer and the fixture's each drew a random one (qa66)
        pytest.fail(
            f"{fixture}: the settings have no OMOTENASHI_SECRET_KEYS: the site the tests start "
            "and this fixture would each sign with a random key of their own, the site would "
            "ignore what it makes, and a test expecting the default page would pass; give "
            "omotenashi_settings secret_keys (the same Settings to the site and the tests)",
            pytrace=False,
        )
    if fixture == "omotenashi_force":
        if settings.preview_keys or settings.secret_keys:
            return
        keys = "OMOTENASHI_PREVIEW_KEYS (its force-link keys) or OMOTENASHI_SECRET_KEYS"
    elif settings.secret_keys:
        return
    else:
        keys = "OMOTENASHI_SECRET_KEYS"
    pytest.fail(
        f"{fixture}: set {keys} to the keys of the site at {site}, or override "
        "omotenashi_settings in your conftest.py with them: without them it signs with a "
        "random key of this process and the site ignores what it makes",
        pytrace=False,
    )


def require_reachable(url: str, setting: str, site: str | None) -> None:
    """A Redis the tests were given that does not answer: one line, not a traceback per test."""
    import redis

    from omotenashi.store.breaker import masked

    client = redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=5, protocol=2)
    why = ""
    try:
        client.ping()
    except (redis.RedisError, OSError) as exc:
        lines = str(exc).strip().splitlines()
        why = lines[0] if lines else type(exc).__name__
    finally:
        client.close()
    if why:  # (failed outside the except: no chained traceback printed above the line)
        whose = "the site's Redis" if site else "the Redis"
        pytest.fail(
            f"omotenashi: cannot reach {whose} at {masked(url)}: {why} ({setting})",
            pytrace=False,
        )
