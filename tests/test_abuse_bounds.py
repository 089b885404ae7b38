"""Nobody can fill Redis (issue 11, item 3): every stored value and count is bounded, profiles
of one visit live a day, and the README's worst case per request holds. Against a real Redis."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import redis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse
from starlette.routing import Route

from omotenashi import Omotenashi, PayloadError, Settings, remember, track
from omotenashi.engine import limits
from omotenashi.store import pieces

from .conftest import client_for
from .keysizes import ago, families, footprint, rules_in

pytestmark = [pytest.mark.anyio, pytest.mark.security]
Make = Callable[..., Settings]
BEACON = "/_omotenashi/events"
JSON = {"content-type": "application/json", "origin": "http://shop.test"}
RULES = """
rules:
  - {id: hello, slot: hero, text: "Hello", why: "Everyone sees it."}
"""
JOURNEY = """
beacon:
  events: [view_item, video_play]
  per_minute: 1000
"""


def page(topics: list[str], items: list[str]) -> str:
    return (
        "<!doctype html><html><head>"
        f'<meta name="omotenashi:topics" content="{",".join(topics)}">'
        f'<meta name="omotenashi:item" content="{",".join(items)}">'
        '</head><body><div data-omo-slot="hero">Default</div></body></html>'
    )


def shop() -> Starlette:
    async def wide(request: Request) -> HTMLResponse:
        n = request.path_params["n"]
        topics = [f"t{n}-{i}-" + "x" * 30 for i in range(15)] + ["y" * 500]
        items = [f"i{n}-{i}-" + "z" * 90 for i in range(8)] + ["w" * 500]
        return HTMLResponse(page(topics, items))

    async def spam(request: Request) -> PlainTextResponse:
        n = request.path_params["n"]
        for i in range(10):
            await track(request, f"e{n}_{i}")
            await track(request, "add_to_cart", {"item": f"c{n}-{i}-" + "q" * 90, "qty": 10**9})
        await track(request, "add_to_cart", {"item": "o" * 1500})
        try:
            await remember(request, **{f"a{n}_{i}": "v" * 250 for i in range(5)})
            await remember(request, big="v" * 1000)
        except PayloadError:
            pass
        return PlainTextResponse("ok")

    return Starlette(routes=[Route("/wide/{n}", wide), Route("/spam/{n}", spam, methods=["POST"])])


def site(make_settings: Make) -> Omotenashi:
    return Omotenashi(shop(), settings=make_settings(RULES, journey=JOURNEY))


async def abuse(client: httpx.AsyncClient, rounds: int) -> None:
    utm = "&".join(f"utm_{k}={'u' * 15_000}" for k in ("source", "medium", "campaign"))
    for n in range(rounds):
        await client.get(f"/wide/{n}?{utm}", headers={"referer": "https://x.example/" + "r" * 9000})
        await client.post(f"/spam/{n}")
        for i in range(3):
            item = f"b{n}-{i}-" + "k" * 90
            body = json.dumps({"events": [{"name": "view_item", "data": {"item": item}}]})
            await client.post(BEACON, content=body, headers=JSON)


async def test_no_key_grows_past_its_bound_whatever_a_visitor_sends(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    async with client_for(site(make_settings)) as client:
        await abuse(client, rounds=12)
    sizes = footprint(omotenashi_redis)
    assert sizes
    for key in sizes:
        assert key.endswith((":p2", ":rate")), key  # one hash per visitor, and the beacon's counter
        if key.endswith(":rate"):
            assert sizes[key] <= limits.FAMILY_BOUNDS["rate"], key
            continue
        parts = families(omotenashi_redis, key)
        for family, size in parts.items():
            bound = limits.RULE_BOUND * rules_in(omotenashi_redis, key)
            bound = bound if family == "rules" else limits.FAMILY_BOUNDS[family]
            assert size <= bound, (key, family, size, bound)
        assert sizes[key] - parts.get("rules", 0) <= limits.KEY_BOUND, key
    (profile,) = [k for k in sizes if k.endswith(":p2")]
    fields = pieces.joined(omotenashi_redis.hgetall(profile))
    cart = [v for f, v in fields.items() if f.startswith("c")]
    assert len(cart) == limits.MAX_CART and max(int(q) for q in cart) <= limits.MAX_QTY
    for prefix, most in [
        ("i", limits.MAX_TOPICS),
        ("a", limits.MAX_ATTRS),
        ("w", limits.VIEWED_KEEP),
        ("e", limits.MAX_EVENT_NAMES),
    ]:
        assert sum(f.startswith(prefix) for f in fields) == most, prefix


@pytest.mark.parametrize("requests", [1, 40], ids=["one", "forty-cookieless"])
async def test_a_cookieless_request_stores_at_most_the_documented_bytes_for_a_day(
    make_settings: Make, omotenashi_redis: redis.Redis, requests: int
) -> None:
    utm = "&".join(f"utm_{k}={'u' * 12_000}" for k in ("source", "medium", "campaign", "term"))
    async with client_for(site(make_settings)) as client:
        for n in range(requests):
            client.cookies.clear()
            referer = "https://x.example/" + "r" * 900
            await client.get(f"/wide/{n}?{utm}", headers={"referer": referer})
    total = sum(footprint(omotenashi_redis).values())
    assert 0 < total <= requests * limits.NEW_VISITOR_BOUND
    ttls = {omotenashi_redis.ttl(k) for k in omotenashi_redis.scan_iter(match="omo:{*")}
    assert 0 < max(ttls) <= 24 * 3600


async def test_a_second_visit_earns_the_full_idle_lifetime(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    async with client_for(site(make_settings)) as client:
        await client.get("/wide/1")
        (key,) = omotenashi_redis.scan_iter(match="omo:{*}:p2")
        one_visit = omotenashi_redis.ttl(key)
        omotenashi_redis.hset(key, "L", ago(omotenashi_redis, key, 2 * 3600))  # came back later
        await client.get("/wide/2")
    assert 0 < one_visit <= 24 * 3600
    assert omotenashi_redis.hget(key, "N") == "2"
    assert omotenashi_redis.ttl(key) > 80 * 24 * 3600


@pytest.mark.parametrize(
    ("attrs", "problem"),
    [
        ({"name": "v" * 300}, "over 256 bytes"),
        ({"x" * 41: 1}, "attribute names"),
        ({"名" * 14: 1}, "40 bytes"),  # 42 bytes: its profile field would not stay compact
        ({"bad": object()}, "plain JSON"),
        ({f"a{i}": i for i in range(limits.MAX_ATTRS + 1)}, "at most"),
    ],
    ids=["long-value", "long-name", "long-name-in-bytes", "not-json", "too-many"],
)
async def test_remember_refuses_what_would_not_fit(
    make_settings: Make, attrs: dict[str, Any], problem: str
) -> None:
    caught: list[str] = []

    async def view(request: Request) -> PlainTextResponse:
        try:
            await remember(request, **attrs)
        except PayloadError as exc:
            caught.append(str(exc))
        return PlainTextResponse("ok")

    mw = Omotenashi(Starlette(routes=[Route("/", view)]), settings=make_settings(RULES))
    async with client_for(mw) as client:
        await client.get("/")
    assert len(caught) == 1 and problem in caught[0]
