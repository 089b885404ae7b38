"""Never break the page: with Redis down or slow, every page is the app's own, and we recover."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import redis
from starlette.requests import Request

from omotenashi import Omotenashi, get_visitor, identify, remember

from .conftest import client_for, page_app
from .test_middleware import PAGE, RULES, SNIPPETS, Make

pytestmark = pytest.mark.anyio


async def test_redis_stopped_while_serving_then_back(
    make_settings: Make,
    embedded_redis_factory,  # type: ignore[no-untyped-def]
) -> None:
    server = embedded_redis_factory()
    settings = make_settings(
        RULES,
        SNIPPETS,
        redis={"url": server.url, "breaker_reset": 0.2, "read_timeout": 0.3, "write_timeout": 0.3},
    )
    mw = Omotenashi(page_app(PAGE), settings=settings)
    async with client_for(mw) as client:
        assert "Spring sale" in (await client.get("/?utm_campaign=spring")).text
        server.stop()
        pages = [await client.get("/?utm_campaign=spring") for _ in range(20)]
        assert {p.status_code for p in pages} == {200}
        assert all(p.text == PAGE for p in pages)
        assert mw.metrics["redis_error"] >= 1 and mw.metrics["breaker_open"] >= 1
        server.start()
        resumed = False
        for _ in range(60):  # the breaker lets a probe through every breaker_reset seconds
            await asyncio.sleep(0.05)
            if "Spring sale" in (await client.get("/?utm_campaign=spring")).text:
                resumed = True
                break
    assert resumed, "personalisation did not resume after Redis came back"


async def test_a_slow_redis_times_out_to_the_default_page(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    settings = make_settings(RULES, SNIPPETS, redis={"read_timeout": 0.05})
    mw = Omotenashi(page_app(PAGE), settings=settings)
    async with client_for(mw) as client:
        await client.get("/")
        omotenashi_redis.execute_command("CLIENT", "PAUSE", "300", "ALL")
        response = await client.get("/?utm_campaign=spring")
    assert response.status_code == 200 and response.text == PAGE
    assert mw.metrics["redis_timeout"] == 1


async def test_no_server_at_all_serves_the_app(make_settings: Make) -> None:
    settings = make_settings(RULES, SNIPPETS, redis={"url": "redis://127.0.0.1:1/0"})
    mw = Omotenashi(page_app(PAGE), settings=settings)
    async with client_for(mw) as client:
        responses = [await client.get("/?utm_campaign=spring") for _ in range(6)]
    assert {r.status_code for r in responses} == {200}
    # The store did not answer as the app started: every page is the app's own, the first
    # new visitor's too (mount66: it was personalised until five reads had failed)
    assert all(r.text == PAGE for r in responses)
    assert mw.metrics["redis_error"] >= 1 and mw.store.breaker.state == "open"


@pytest.mark.parametrize(
    "corrupt",
    [
        lambda r, k: r.set(k + "p2", "not a hash"),
        lambda r, k: r.hset(k + "p2", mapping={"V": "many", "L": "yesterday", "G": "nirvana"}),
        lambda r, k: r.hset(k + "p2", mapping={"ihawaii": "lots ?", "ikyoto": "?"}),
        lambda r, k: r.hset(k + "p2", "krule", "no-colon"),
        lambda r, k: r.hset(k + "p2", "afirst_name", "{not json"),
        lambda r, k: r.hset(k + "p2", mapping={"shero": "x 1.5.x 7..z", "1": "?"}),
        lambda r, k: r.set(k + "also", "not a set"),
    ],
    ids=[
        "wrong-type",
        "garbage-counts",
        "garbage-interest",
        "garbage-cap",
        "bad-json",
        "garbage-shown",
        "also-wrong-type",
    ],
)
async def test_odd_data_in_redis_never_breaks_the_page(
    make_settings: Make, omotenashi_redis: redis.Redis, corrupt: Any
) -> None:
    mw = Omotenashi(page_app(PAGE), settings=make_settings(RULES, SNIPPETS))
    async with client_for(mw) as client:
        await client.get("/")
        [key] = omotenashi_redis.keys("omo:*:p2")
        corrupt(omotenashi_redis, key[: -len("p2")])
        responses = [await client.get("/?utm_campaign=spring") for _ in range(2)]
    assert [r.status_code for r in responses] == [200, 200]
    assert all("Default hero" in r.text or "Welcome back" in r.text for r in responses)


def outcomes(mw: Omotenashi) -> dict[str, float]:
    prefix = 'omotenashi_responses_total{outcome="'
    lines = mw.metrics.exposition().decode().splitlines()
    return {
        line[len(prefix) :].split('"')[0]: float(line.rsplit(" ", 1)[1])
        for line in lines
        if line.startswith(prefix)
    }


@pytest.mark.parametrize("who", ["returning, read times out", "new, breaker open"])
async def test_a_page_left_alone_because_redis_failed_counts_as_degraded(
    make_settings: Make, omotenashi_redis: redis.Redis, who: str
) -> None:
    settings = make_settings(
        RULES, SNIPPETS, redis={"read_timeout": 0.05, "breaker_failures": 1, "breaker_reset": 60}
    )
    public = [(b"cache-control", b"public, max-age=600")]
    mw = Omotenashi(page_app(PAGE, headers=public), settings=settings)
    async with client_for(mw) as client:
        await client.get("/")  # a new visitor: a cookie, a profile
        if who.startswith("returning"):
            omotenashi_redis.execute_command("CLIENT", "PAUSE", "300", "ALL")
        else:
            client.cookies.clear()
            mw.store.breaker.failure("opened by the test")
        response = await client.get("/?utm_campaign=spring")
        await asyncio.sleep(0.35)  # the pause ends before the pool closes
    assert response.text == PAGE
    # private, as the page would have been (cdn55, session 56: a shared cache kept the app's
    # public copy and gave it to everyone for its max-age, Redis back or not)
    assert response.headers["cache-control"] == "private, max-age=600"
    assert response.headers["vary"] == "Cookie, Sec-GPC, DNT"
    counted = outcomes(mw)
    assert counted["degraded"] == 1 and counted["bypassed"] == 0
    assert sum(counted.values()) == mw.metrics["requests"] == 2  # each response once


async def test_a_sign_in_the_store_cannot_take_leaves_the_visitor_anonymous_until_the_next(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    """The merge failed (the store paused writes past the timeout): the cookie stays the
    anonymous one, so the visits kept under it are not left behind unlinked; the next sign-in
    merges them into the user's profile."""

    async def login(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["path"] == "/login":
            await identify(Request(scope), "alice")
        await page_app(PAGE)(scope, receive, send)

    settings = make_settings(RULES, SNIPPETS, redis={"write_timeout": 0.2, "read_timeout": 0.2})
    mw = Omotenashi(login, settings=settings)
    async with client_for(mw) as client:
        for _ in range(3):
            await client.get("/")
        await mw.drain()
        anonymous = mw.signer.read(client.cookies["omo_vid"])
        assert anonymous is not None and anonymous.user is None
        omotenashi_redis.execute_command("CLIENT", "PAUSE", "600", "WRITE")
        refused = await client.get("/login")
        kept = mw.signer.read(client.cookies["omo_vid"])
        assert refused.status_code == 200
        assert kept is not None and kept.user is None and kept.vid == anonymous.vid
        await asyncio.sleep(0.7)  # the pause is over
        await client.get("/login")
        await mw.drain()
        linked = mw.signer.read(client.cookies["omo_vid"])
    assert linked is not None and linked.user is not None
    views = [
        int(omotenashi_redis.hget(key, "V") or 0)
        for key in omotenashi_redis.scan_iter(match=f"*{linked.user}*:p*")
    ]
    assert views and max(views) >= 3  # the anonymous visits joined the user's profile


async def test_another_user_s_sign_in_the_store_cannot_take_still_drops_the_first_user_s_id(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    """Alice signed in; Bob signs in on that browser while the store stalls: Alice's id must
    not stay in the cookie (Bob's pages would read and write her profile)."""

    seen: list[Any] = []

    async def login(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["path"] == "/alice":
            await identify(Request(scope), "alice")
            await remember(Request(scope), first_name="Alice")
        if scope["path"] == "/bob":
            omotenashi_redis.execute_command("CLIENT", "PAUSE", "700", "ALL")
            await identify(Request(scope), "bob")
            seen.append(get_visitor(Request(scope)))  # what Bob's own page is made from
        await page_app(PAGE)(scope, receive, send)

    settings = make_settings(RULES, SNIPPETS, redis={"write_timeout": 0.2, "read_timeout": 0.2})
    mw = Omotenashi(login, settings=settings)
    async with client_for(mw) as client:
        await client.get("/")
        await client.get("/alice")
        await mw.drain()
        alice = mw.signer.read(client.cookies["omo_vid"])
        await client.get("/bob")
        after = mw.signer.read(client.cookies["omo_vid"])
        await asyncio.sleep(0.8)  # the pause is over before the store closes
    assert alice is not None and alice.user is not None and after is not None
    assert after.user != alice.user and after.vid != alice.vid
    assert seen[0] is not None and seen[0].profile.attrs == {}  # none of Alice's profile
