"""Events from the app and the browser, the journey, decay and identity stitching, against a
real Redis through the whole ASGI stack."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import redis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse
from starlette.routing import Route

from omotenashi import Omotenashi, Settings, forget, get_visitor, identify, remember, track
from omotenashi.engine.change import Change
from omotenashi.identity.cookie import user_profile_id

from .conftest import client_for
from .keysizes import ago

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]

PAGE = (
    "<!doctype html><html><head></head><body>"
    '<div data-omo-slot="hero">Default hero</div>'
    '<p data-omo-slot="tagline">Default tagline</p>'
    '<div data-omo-slot="notice"></div></body></html>'
)
JOURNEY = """
transitions:
  - {to: interest, when: {views: {at_least: 2}}}
  - {to: consideration, on: add_to_cart}
  - {to: purchase, on: purchase}
  - {to: loyalty, on: join_club}
decay:
  - {from: [loyalty, purchase], to: interest, when: {absent_days: {at_least: 180}}}
topics:
  - {path: "/tours/*", topics: [tours], item: true}
segments:
  fan: {interest: {tours: {at_least: 2}}}
beacon:
  events: [view_item, video_play]
  per_minute: 5
"""
RULES = """
rules:
  - {id: stage-hero, slot: hero, text: "Stage {{ visitor.stage }}", why: "Your stage."}
  - id: fan-tagline
    slot: tagline
    text: "Hello fan"
    when: {segment: fan}
    why: "You like tours."
  - id: abandoned
    slot: notice
    text: "Your cart misses you"
    when: {cart_abandoned: true}
    priority: 80
    why: "You left something in your cart."
  - id: on-sale
    slot: notice
    text: "On sale: {{ visitor.viewed_in.sale|join(', ') }}"
    when: {viewed_in_list: sale}
    why: "You looked at something now on sale."
  - id: newsletter-first
    slot: tagline
    text: "Hello newsletter reader"
    when: {first_utm: {utm_source: newsletter}}
    priority: 70
    why: "You first came from our newsletter."
"""


def shop() -> Starlette:
    async def page(request: Request) -> HTMLResponse:
        return HTMLResponse(PAGE)

    async def add(request: Request) -> RedirectResponse:
        await track(request, "add_to_cart", {"item": request.path_params["item"]})
        return RedirectResponse("/", status_code=303)

    async def buy(request: Request) -> RedirectResponse:
        await track(request, "purchase", {"value": 100})
        return RedirectResponse("/", status_code=303)

    async def club(request: Request) -> PlainTextResponse:
        await track(request, "join_club")
        await remember(request, first_name="Aiko")
        return PlainTextResponse("joined")

    async def login(request: Request) -> RedirectResponse:
        await identify(request, request.path_params["user"])
        return RedirectResponse("/", status_code=303)

    async def logout(request: Request) -> RedirectResponse:
        await forget(request)
        return RedirectResponse("/", status_code=303)

    async def me(request: Request) -> PlainTextResponse:
        visitor = get_visitor(request)
        assert visitor is not None
        return PlainTextResponse(json.dumps((await visitor.loaded()).to_export()))

    return Starlette(
        routes=[
            Route("/", page),
            Route("/tours/{item}", page),
            Route("/add/{item}", add, methods=["POST"]),
            Route("/buy", buy, methods=["POST"]),
            Route("/club", club, methods=["POST"]),
            Route("/me", me),
            Route("/login/{user}", login, methods=["POST"]),
            Route("/logout", logout, methods=["POST"]),
        ]
    )


def mw(make_settings: Make, **overrides: Any) -> Omotenashi:
    return Omotenashi(
        shop(),
        settings=make_settings(RULES, journey=JOURNEY, lists={"sale": ["kyoto"]}, **overrides),
    )


def hero(response: httpx.Response) -> str:
    return response.text.split('data-omo-slot="hero"')[1].split(">", 1)[1].split("<")[0]


async def me(client: httpx.AsyncClient) -> dict[str, Any]:
    return json.loads((await client.get("/me")).text)


async def test_events_from_the_app_walk_the_journey(make_settings: Make) -> None:
    async with client_for(mw(make_settings)) as client:
        assert hero(await client.get("/")) == "Stage awareness"
        await client.get("/tours/kyoto")
        assert hero(await client.get("/")) == "Stage interest"
        assert hero(await client.post("/add/kyoto", follow_redirects=True)) == "Stage consideration"
        assert hero(await client.post("/buy", follow_redirects=True)) == "Stage purchase"
        await client.post("/club")
        assert hero(await client.get("/")) == "Stage loyalty"
        profile = await me(client)
    assert profile["purchases"] == 1 and profile["cart"] == {}
    assert profile["events"] == {"add_to_cart": 1, "purchase": 1, "join_club": 1}
    assert profile["attributes"] == {"first_name": "Aiko"}
    assert profile["viewed"] == ["kyoto"]


async def test_derived_segments_and_first_touch(make_settings: Make) -> None:
    async with client_for(mw(make_settings)) as client:
        await client.get("/tours/a?utm_source=newsletter")
        assert "Hello newsletter reader" in (await client.get("/tours/b")).text
        await client.get("/?utm_source=other")  # later visits do not change the first touch
        assert "Hello newsletter reader" in (await client.get("/")).text
    async with client_for(mw(make_settings)) as client:
        await client.get("/tours/a")
        assert "Hello fan" not in (await client.get("/tours/b")).text
        assert "Hello fan" in (await client.get("/")).text


async def test_cart_abandoned_after_the_quiet_time(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    async with client_for(mw(make_settings)) as client:
        await client.get("/")
        await client.post("/add/kyoto")
        assert "Your cart misses you" not in (await client.get("/")).text
        [key] = omotenashi_redis.keys("omo:*:p2")
        omotenashi_redis.hset(key, "CA", ago(omotenashi_redis, key, 31 * 60))
        assert "Your cart misses you" in (await client.get("/")).text
        await client.post("/buy")
        assert "Your cart misses you" not in (await client.get("/")).text


async def test_viewed_item_now_on_sale(make_settings: Make) -> None:
    async with client_for(mw(make_settings)) as client:
        await client.get("/tours/lapland")
        assert "On sale" not in (await client.get("/")).text
        await client.get("/tours/kyoto")
        assert "On sale: kyoto" in (await client.get("/")).text


async def test_decay_moves_a_silent_loyal_visitor_back(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    async with client_for(mw(make_settings)) as client:
        await client.get("/")
        await client.post("/club")
        assert hero(await client.get("/")) == "Stage loyalty"
        [key] = omotenashi_redis.keys("omo:*:p2")
        omotenashi_redis.hset(key, "L", ago(omotenashi_redis, key, 200 * 86400))
        assert hero(await client.get("/")) == "Stage interest"
        assert hero(await client.get("/")) == "Stage interest"  # and stays there
        assert omotenashi_redis.hget(key, "AD").startswith("200")


async def test_interest_halves_every_half_life(make_settings: Make) -> None:
    settings = make_settings(RULES, journey=JOURNEY)
    middleware = Omotenashi(shop(), settings=settings)
    await middleware.startup()
    try:
        half_life = middleware.rules.current.journey.half_life
        t0 = 1_000_000.0
        await middleware.store.record(
            "ab" * 16, Change(now=t0, view=True, topics=["x"] * 1), half_life
        )
        await middleware.store.record(
            "ab" * 16, Change(now=t0 + half_life, view=True, topics=["x"]), half_life
        )
        profile = await middleware.store.load("ab" * 16)
    finally:
        await middleware.shutdown()
    assert profile.interest_now(t0 + half_life, half_life) == {"x": 1.5}
    assert profile.interest_now(t0 + 2 * half_life, half_life) == {"x": 0.8}


async def test_sign_in_merges_and_sign_out_starts_afresh(
    make_settings: Make,
    omotenashi_redis: redis.Redis,  # empty: other tests sign in as aiko too
) -> None:
    middleware = mw(make_settings)
    async with client_for(middleware) as phone, client_for(middleware) as laptop:
        for _ in range(2):
            await laptop.get("/tours/kyoto")
        await laptop.post("/login/aiko")  # the user's profile: 2 views, kyoto interest
        await phone.get("/tours/lapland")
        await phone.post("/add/lapland")  # anonymous on the phone: consideration
        await phone.post("/login/aiko")
        merged = await me(phone)
        assert merged["views"] == 3 and merged["stage"] == "consideration"
        assert set(merged["interests"]) == {"tours"} and merged["interests"]["tours"] == 3.0
        assert merged["cart"] == {"lapland": 1}
        assert (await me(laptop))["cart"] == {"lapland": 1}  # same person, other device
        cookie = phone.cookies["omo_vid"]
        await phone.post("/logout")
        assert phone.cookies["omo_vid"] != cookie
        fresh = await me(phone)
        assert fresh["views"] == 0 and fresh["stage"] == "awareness"


async def test_merging_is_atomic_under_concurrent_writes(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    """Concurrent page views on the user's profile while anonymous profiles merge into it:
    every view and every merge is counted exactly once."""
    settings = make_settings(RULES, journey=JOURNEY)
    middleware = Omotenashi(shop(), settings=settings)
    await middleware.startup()
    store, half_life = middleware.store, middleware.rules.current.journey.half_life
    user = user_profile_id("omotenashi", "kenji")
    anons = [f"{i:032x}" for i in range(20)]
    try:
        for anon in anons:
            await store.record(anon, Change(now=1.0, view=True, events={"x": 1}), half_life)
        views = [store.record(user, Change(now=2.0, view=True), half_life) for _ in range(50)]
        merges = [store.merge(a, user, 3.0, half_life) for a in anons for _ in range(2)]
        results = await asyncio.gather(*views, *merges)
        profile = await store.load(user)
    finally:
        await middleware.shutdown()
    assert sum(r is True for r in results[50:]) == 20  # each anonymous profile merged once
    assert profile.views == 70 and profile.events == {"x": 20}
    assert all(not omotenashi_redis.exists(f"omo:{{{a}}}:p2") for a in anons)


BEACON = "/_omotenashi/events"


def _deep_refused(body: str) -> tuple[int, str]:
    """How a body nested 1,500 deep is refused: Python 3.11's json stops at about 1,000 levels
    (400, said so), 3.12 and later parse it and it is no event (422, what it should be)."""
    try:
        json.loads(body)
    except RecursionError:
        return 400, "JSON nested too deeply"
    return 422, "Input should be a valid dictionary"


DEEP = "[" * 1500 + "]" * 1500
_DEEP_REFUSED = _deep_refused(DEEP)


@pytest.mark.parametrize(
    ("headers", "body", "status", "reason"),
    [
        ({}, '{"name": "view_item", "data": {"item": "kyoto"}}', 204, None),
        ({"content-type": "text/plain"}, '{"name": "view_item"}', 415, "Content-Type"),
        ({"origin": "https://evil.example"}, '{"name": "view_item"}', 403, "another origin"),
        ({"sec-fetch-site": "cross-site"}, '{"name": "view_item"}', 403, "another origin"),
        ({"origin": "http://blog.shop.test"}, '{"name": "view_item"}', 403, "another origin"),
        ({"sec-fetch-site": "same-site"}, '{"name": "view_item"}', 403, "another origin"),
        (  # a proxy in front rewrote Host: the browser's own word holds (mount70)
            {"sec-fetch-site": "same-origin", "origin": "https://www.shop.example"},
            '{"name": "view_item", "data": {"item": "kyoto"}}',
            204,
            None,
        ),
        (  # ... and without it the Origin is compared
            {"sec-fetch-site": "none", "origin": "https://www.shop.example"},
            '{"name": "view_item"}',
            403,
            "another origin",
        ),
        ({}, "{not json", 400, "not JSON"),
        ({}, DEEP, *_DEEP_REFUSED),
        ({}, '{"name": "Bad Name!"}', 422, "name"),
        ({}, '{"name": "purchase"}', 422, "cannot be sent from the browser"),
        (
            {},
            '{"events": [{"name": "view_item"}, {"name": "purchase", "data": {"items": [1]}}]}',
            422,
            "'purchase' cannot be sent from the browser",
        ),
        ({}, '{"name": "view_item", "extra": 1}', 422, "extra"),
        ({}, '{"events": []}', 422, "events"),
        ({}, '{"name": "view_item", "data": {"item": "' + "x" * 5000 + '"}}', 413, "over"),
    ],
    ids=[
        "ok",
        "not-json-type",
        "origin",
        "fetch-site",
        "sibling-subdomain",
        "same-site-not-origin",
        "same-origin-host-rewritten",
        "none-origin-elsewhere",
        "bad-json",
        "deep-json",
        "bad-name",
        "trusted-event",
        "trusted-event-with-odd-data",
        "extra-field",
        "empty-batch",
        "too-big",
    ],
)
async def test_beacon_validates_everything(
    make_settings: Make, headers: dict[str, str], body: str, status: int, reason: str | None
) -> None:
    async with client_for(mw(make_settings)) as client:
        await client.get("/")
        response = await client.post(
            BEACON,
            content=body,
            headers={"content-type": "application/json", "origin": "http://shop.test", **headers},
        )
        profile = await me(client)
    assert response.status_code == status, response.text
    if reason is not None:
        assert reason in response.json()["error"]
        assert profile["viewed"] == [] and profile["events"] == {}
    else:
        assert profile["viewed"] == ["kyoto"] and profile["events"] == {"view_item": 1}


async def test_beacon_needs_a_visitor_and_is_rate_limited(make_settings: Make) -> None:
    async with client_for(mw(make_settings)) as client:
        post = {
            "content": '{"name": "video_play"}',
            "headers": {"content-type": "application/json"},
        }
        first = await client.post(BEACON, **post)  # type: ignore[arg-type]
        assert first.status_code == 400 and "cookie" in first.json()["error"]
        await client.get("/")
        statuses = [
            (await client.post(BEACON, **post)).status_code  # type: ignore[arg-type]
            for _ in range(7)
        ]
        assert (await client.get(BEACON)).status_code == 405
    assert statuses == [204] * 5 + [429] * 2
