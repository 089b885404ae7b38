"""Redis at its memory limit (README, "Redis memory: maxmemory and eviction"): the demo shop
against a real Valkey with a small ``maxmemory``, filled by cookieless page views under each
eviction policy. Pages stay whole (personalised from what can be read, or as the app made them),
a full server is no outage, the log says which setting to change, and what must stay (a
revoked id's deny marker) stays under the recommended policies."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import redis

from omotenashi import EmbeddedRedis, Omotenashi, revoke
from omotenashi.store.memory import memory_info, policy_warning
from omotenashi.testing import Written

from ..conftest import client_for
from ..test_demo import demo

pytestmark = pytest.mark.anyio

Factory = Callable[..., EmbeddedRedis]
ROOM = 120_000  # bytes above what the server used before: some 350 one-visit profiles
DEFAULT_HERO = "<h1>Find your next journey</h1>"
FAMILY_HERO = "<h1>Aloha, families!</h1>"


def marker_keys(r: redis.Redis) -> list[str]:
    return [k for k in r.scan_iter("omo:*:p2", count=1000) if r.hexists(k, "revoked")]


def browser(app: Omotenashi) -> httpx.AsyncClient:
    """A visitor with a cookie jar of their own, in-process."""
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=Written(app)), base_url="http://shop.test"
    )


async def family_visitor(client: httpx.AsyncClient) -> None:
    for _ in range(2):
        assert (await client.get("/tours/hawaii-family")).status_code == 200


@pytest.mark.parametrize(
    ("policy", "warned", "kept"),
    [
        # (the startup line about the policy, whether the deny marker is sure to stay)
        ("noeviction", False, True),
        ("volatile-ttl", False, True),
        ("allkeys-lru", True, False),
        ("allkeys-lfu", True, False),
        ("volatile-lru", True, False),
    ],
)
async def test_a_full_server_keeps_pages_whole_and_says_what_to_do(
    embedded_redis_factory: Factory,
    caplog: pytest.LogCaptureFixture,
    policy: str,
    warned: bool,
    kept: bool,
) -> None:
    caplog.set_level(logging.WARNING, logger="omotenashi")
    server = embedded_redis_factory()
    r = redis.Redis.from_url(server.url, decode_responses=True)
    r.config_set("maxmemory-policy", policy)
    r.config_set("maxmemory", "1gb")  # a limit from the start (read when the store connects)
    app = demo(server.url)
    async with client_for(app) as revokee:
        await revokee.post("/login", data={"username": "revokee"})
    await app.startup()
    await revoke(app, user_id="revokee")
    assert len(marker_keys(r)) == 1
    pages: list[httpx.Response] = []
    async with client_for(app) as regular, client_for(app) as anonymous:
        await family_visitor(regular)
        await app.drain()
        r.config_set("maxmemory", int(r.info("memory")["used_memory"]) + ROOM)
        for n in range(1200):
            anonymous.cookies.clear()  # cookieless: a one-visit profile each
            pages.append(await anonymous.get(("/", "/tours/kyoto-autumn", "/tours")[n % 3]))
        await app.drain()
        stats = r.info("stats")
        assert stats["evicted_keys"] > 0 or policy == "noeviction"
        async with browser(app) as late:
            await family_visitor(late)  # page views on a full server
            late_home = await late.get("/")
        if policy == "noeviction":  # nothing fits now: every write is refused
            r.config_set("maxmemory", 1)
        regular_home = await regular.get("/")
        await app.drain()
        assert app.store.fast is not None and app.store.fast.writer.pending == 0  # none kept
        r.config_set("maxmemory", 0)  # memory freed: no restart
        async with browser(app) as fresh:
            await family_visitor(fresh)
            fresh_home = await fresh.get("/")
    # Never a 5xx, never another visitor's data: every cookieless home page is the default one
    assert {page.status_code for page in pages + [late_home, fresh_home]} == {200}
    assert all(DEFAULT_HERO in page.text for page in pages if page.url.path == "/")
    assert FAMILY_HERO in fresh_home.text  # written again once memory is freed
    if policy == "noeviction":  # read on a full server (the load script is no-writes)
        assert FAMILY_HERO in regular_home.text and FAMILY_HERO not in late_home.text
        assert app.metrics["record_error"] == app.metrics["redis_refused"] > 0  # once each
        assert app.metrics["redis_full"] == app.metrics["redis_refused"]
    said = [rec for rec in caplog.records if rec.name == "omotenashi"]
    assert not [rec for rec in said if rec.levelno >= logging.ERROR or rec.exc_info]
    assert not [rec for rec in said if "circuit breaker open" in rec.getMessage()]
    about_policy = [
        rec.getMessage() for rec in said if "maxmemory-policy " + policy in rec.getMessage()
    ]
    full = [rec.getMessage() for rec in said if "Redis is full (maxmemory)" in rec.getMessage()]
    if warned:
        assert len(about_policy) == 1 and "set maxmemory-policy volatile-ttl" in about_policy[0]
    else:
        assert about_policy == []
    if policy == "noeviction":  # once a minute at most, saying which setting to change
        assert len(full) == 1 and "raise maxmemory, or set maxmemory-policy volatile-ttl" in full[0]
    else:
        assert full == []
    if kept:
        assert len(marker_keys(r)) == 1
    await app.shutdown()


async def test_erase_and_revoke_work_on_a_full_server(
    embedded_redis_factory: Factory,
) -> None:
    """A full server refuses page views, not a visitor's erase or a site's revoke: their
    scripts delete first, and a script that has written may go on writing."""
    server = embedded_redis_factory()
    r = redis.Redis.from_url(server.url, decode_responses=True)
    app = demo(server.url)
    async with client_for(app) as client:
        await family_visitor(client)
        await client.post("/login", data={"username": "erased"})
        await family_visitor(client)
        await app.drain()
        profiles = list(r.scan_iter("omo:*:p2"))
        r.config_set("maxmemory-policy", "noeviction")
        r.config_set("maxmemory", 1)
        with pytest.raises(redis.exceptions.OutOfMemoryError):
            r.set("probe", "x")
        await revoke(app, user_id="erased")
        for key in profiles:
            await app.store.erase(key.split("{")[1].split("}")[0])
        r.config_set("maxmemory", 0)
    left = list(r.scan_iter("omo:*"))
    assert [k for k in left if k.endswith(":p2")] == marker_keys(r) and len(marker_keys(r)) == 1


@pytest.mark.parametrize(
    ("info", "said"),
    [
        ({"maxmemory": "0", "maxmemory_policy": "allkeys-lru"}, None),  # no limit: no eviction
        ({"maxmemory": "1000", "maxmemory_policy": "noeviction"}, None),
        ({"maxmemory": "1000", "maxmemory_policy": "volatile-ttl"}, None),
        ({"maxmemory": "1000", "maxmemory_policy": "allkeys-lru"}, "allkeys-lru"),
        ({"maxmemory": "1000", "maxmemory_policy": "allkeys-random"}, "allkeys-random"),
        ({"maxmemory": "1000", "maxmemory_policy": "volatile-lfu"}, "volatile-lfu"),
        ({}, None),  # INFO answered without the fields (a proxy): nothing to say
    ],
)
def test_which_policies_are_warned_about(info: dict[str, str], said: str | None) -> None:
    warning = policy_warning(info)
    assert (warning is None) is (said is None)
    if said is not None and warning is not None:
        assert f"maxmemory-policy {said}:" in warning and "deny marker" in warning


@pytest.mark.parametrize(
    ("reply", "policy"),
    [
        ("# Memory\r\nmaxmemory:100\r\nmaxmemory_policy:allkeys-lru\r\n", "allkeys-lru"),
        (b"# Memory\r\nmaxmemory_policy:noeviction\r\n", "noeviction"),
        ({"maxmemory_policy": "volatile-ttl", "maxmemory": 5}, "volatile-ttl"),
        ({"10.0.0.1:7000": {"maxmemory_policy": "allkeys-lfu"}}, "allkeys-lfu"),
        (None, None),
    ],
)
def test_memory_info_is_read_from_every_client(reply: Any, policy: str | None) -> None:
    assert memory_info(reply).get("maxmemory_policy") == policy
