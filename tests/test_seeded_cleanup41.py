"""``omotenashi_visitor`` deletes every key of the visitors it seeded when the test ends (what
the site wrote for them too): a QA suite run against a shared staging Redis leaves no test
visitors behind. Run as a QA suite is: pytest in a process of its own, with the plugin."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import redis

SUITE = """
import redis


def test_seeded(omotenashi_visitor, omotenashi_redis_url, tmp_path_factory):
    visitor = omotenashi_visitor(stage="interest", visits=3)
    other = omotenashi_visitor(stage="loyalty")
    client = redis.Redis.from_url(omotenashi_redis_url)
    client.zadd(f"omo:{{{visitor.id}}}:also", {"a>b": 1.0})  # as the site writes one
    assert client.exists(f"omo:{{{visitor.id}}}:p2", f"omo:{{{other.id}}}:p2") == 2
    with open(IDS, "w") as out:
        out.write(visitor.id + " " + other.id)
"""


def test_a_seeded_visitor_leaves_no_key_when_the_test_ends(
    tmp_path: Path, omotenashi_redis_url: str, omotenashi_redis: redis.Redis
) -> None:
    ids = tmp_path / "ids.txt"
    (tmp_path / "test_suite.py").write_text(textwrap.dedent(SUITE.replace("IDS", repr(str(ids)))))
    env = {
        **os.environ,
        "OMOTENASHI_REDIS_URL": omotenashi_redis_url,
        "OMOTENASHI_SECRET_KEYS": '["a-staging-key-long-enough-1234"]',
    }
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:randomly",
            "-p",
            "no:cacheprovider",
            str(tmp_path / "test_suite.py"),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    first, second = ids.read_text().split()
    left = [k for vid in (first, second) for k in omotenashi_redis.keys(f"omo:{{{vid}}}:*")]
    assert left == [], left


SIGN_IN_SUITE = """
import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from omotenashi import Omotenashi, identify


async def login(request: Request) -> HTMLResponse:
    await identify(request, "qa66-order-user")
    return HTMLResponse("<html><body>in</body></html>")


@pytest.mark.anyio
async def test_signs_in(omotenashi_visitor, omotenashi_settings):
    visitor = omotenashi_visitor(stage="interest", views=3)
    site = Omotenashi(Starlette(routes=[Route("/login", login)]), settings=omotenashi_settings)
    assert site.signer.read(visitor.cookie) is not None  # one key for the site and the fixture
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=site), base_url="http://shop.test"
    ) as client:
        await site.startup()
        visitor.apply(client)
        await client.get("/login")
        await site.drain()
        await site.shutdown()
"""


def _suite(
    tmp_path: Path, text: str, env: dict[str, str], without: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    """``text`` run as a suite of its own, in this environment less ``without``, plus ``env``."""
    (tmp_path / "test_suite.py").write_text(textwrap.dedent(text))
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider"]
    kept = {k: v for k, v in os.environ.items() if k not in without}
    return subprocess.run(
        [*command, str(tmp_path / "test_suite.py")],
        cwd=tmp_path,
        env={**kept, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_account_a_seeded_visitor_signed_into_goes_with_it(
    tmp_path: Path, omotenashi_redis_url: str, omotenashi_redis: redis.Redis
) -> None:
    """qa66: the merge into the user's profile stayed for 90 days, and the next test signing in
    as that user saw the first one's interests (tests depended on their order)."""
    env = {"OMOTENASHI_REDIS_URL": omotenashi_redis_url}
    keys = {"OMOTENASHI_SECRET_KEYS": '["a-staging-key-long-enough-1234"]'}
    done = _suite(tmp_path, SIGN_IN_SUITE, {**env, **keys})
    assert done.returncode == 0, done.stdout + done.stderr
    assert omotenashi_redis.keys("omo:{u*}:*") == []  # the account it joined, gone too


def test_without_keys_the_settings_give_the_site_and_the_fixtures_one_key(
    tmp_path: Path, omotenashi_redis_url: str
) -> None:
    """qa66: a site built from omotenashi_settings without keys drew a random key of its own,
    ignored the seeded cookie, and a test expecting the default page passed."""
    env = {"OMOTENASHI_REDIS_URL": omotenashi_redis_url, "OMOTENASHI_SECRET_KEYS": ""}
    done = _suite(tmp_path, SIGN_IN_SUITE, env)
    assert done.returncode == 0, done.stdout + done.stderr


LOYAL_SUITE = """
import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route

from omotenashi import Omotenashi

PAGE = '<html><body><div data-omo-slot="hero">Default hero</div></body></html>'


async def home(request):
    return HTMLResponse(PAGE)


@pytest.mark.anyio
async def test_the_loyal_visitor_sees_the_loyal_hero(omotenashi_visitor, omotenashi_settings):
    visitor = omotenashi_visitor(stage="loyalty", visits=5, purchases=2)
    site = Omotenashi(Starlette(routes=[Route("/", home)]), settings=omotenashi_settings)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=site), base_url="http://shop.test"
    ) as client:
        await site.startup()
        try:
            visitor.apply(client)
            page = (await client.get("/", headers={"accept": "text/html"})).text
        finally:
            await site.shutdown()
    assert "Welcome back, member" in page, page
"""
LOYAL_RULES = """
rules:
  - {id: loyal-hero, slot: hero, text: "Welcome back, member", when: {stage: loyalty},
     why: "You are one of our members."}
"""


def test_without_a_redis_url_the_settings_give_the_site_the_fixtures_server(
    tmp_path: Path,
) -> None:
    """qa70: with no OMOTENASHI_REDIS_URL, the fixtures seeded the plugin's private server and
    a site built from omotenashi_settings started one of its own: the seeded visitor was never
    read, and a test expecting the default page passed."""
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "hero.yaml").write_text(LOYAL_RULES)
    env = {
        "OMOTENASHI_RULES_DIR": str(rules),
        "OMOTENASHI_RESPECT_FRESH_SHARE": "0",
        "OMOTENASHI_SECRET_KEYS": "",
    }
    done = _suite(tmp_path, LOYAL_SUITE, env, without=("OMOTENASHI_REDIS_URL", "REDIS_URL"))
    assert done.returncode == 0, done.stdout + done.stderr


FORCE_ONLY_SUITE = """
from omotenashi.identity.preview import ForceSigner


def test_a_force_link_needs_no_redis(omotenashi_force, omotenashi_settings):
    token = omotenashi_force(stage="loyalty")
    assert ForceSigner(omotenashi_settings).read(token, None) is not None
"""


def test_a_suite_that_needs_no_redis_runs_without_one(tmp_path: Path) -> None:
    """review70: the default omotenashi_settings asked for the fixtures' Redis, so a suite of
    force links alone failed where none answered (a stale REDIS_URL, no server binary)."""
    env = {"REDIS_URL": "redis://127.0.0.1:9/0", "OMOTENASHI_SECRET_KEYS": ""}
    done = _suite(tmp_path, FORCE_ONLY_SUITE, env, without=("OMOTENASHI_REDIS_URL", "CI"))
    assert done.returncode == 0, done.stdout + done.stderr
