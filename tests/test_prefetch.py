"""A page the browser fetches ahead of use (speculation rules, ``<link rel=prefetch>``,
prerender; ``Sec-Purpose``, ``Purpose``, ``X-Moz``, ``X-Purpose``, Turbo's ``X-Sec-Purpose``)
is personalised exactly as the page it may become. By default it counts as viewed (browsers
fetch ahead on a hover or a press, and the page then opened is that copy: the server is not
asked again); with ``OMOTENASHI_RESPECT_COUNT_PREFETCH=false`` it records nothing: the
visitor's profile, caps, exposures, conversions, co-views and popularity are byte for byte as
before, and the page opened afterwards records as usual. Through the middleware and through
``omotenashi proxy``, on a real Redis."""

from __future__ import annotations

import textwrap
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
import redis
from hypothesis import given
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from omotenashi import Omotenashi, Settings, track
from omotenashi.engine.facts import AHEAD, MAX_PURPOSE, RequestInfo, fetched_ahead, purpose_tokens
from omotenashi.proxy import proxy_app
from omotenashi.testing import SeededVisitor, written

from .conftest import client_for
from .live_server import serving
from .recommend.test_recommend_site import JOURNEY, SNIPPETS  # (the same tours and picks)

Make = Callable[..., Settings]
Seed = Callable[..., SeededVisitor]

PAGE = (
    "<!doctype html><html><head><title>t</title></head><body>"
    '<div data-omo-slot="hero">Default hero</div><div data-omo-slot="banner">-</div>'
    '<div data-omo-slot="side">-</div><div data-omo-slot="fan">-</div>'
    '<section data-omo-slot="also-like"><h2>More tours</h2></section></body></html>'
)
RULES = """
goals:
  - {id: kyoto-page, path: /tours/kyoto-autumn}
rules:
  - {id: promo, slot: hero, text: Promo, holdout: 50%, when: {path: /tours/*}, why: "Tours."}
  - id: kyoto-promo
    slot: banner
    text: Kyoto promo
    holdout: 50%
    when: {path: /tours/kyoto-*}
    why: "Kyoto."
  - id: nudge
    slot: side
    text: Nudge
    cap: {views: 1, per: day}
    when: {path: /tours/kyoto-*}
    why: "Once a day."
  - id: kyoto-fan
    slot: fan
    text: Kyoto fan
    when: {interest: {kyoto: {at_least: 2}}}
    why: "You have been looking at Kyoto."
  - id: also-like
    slot: also-like
    snippet: recs.html
    recommend:
      items: 3
      strategies: {also_viewed: 1, interests: 1, popular: 0.3}
    why: "Tours picked from what you and other visitors viewed."
"""
CATALOG = """
items:
  - {id: kyoto-autumn, url: /tours/kyoto-autumn, title: Kyoto in autumn, tags: [kyoto, japan]}
  - {id: tokyo-lights, url: /tours/tokyo-lights, title: Tokyo lights, tags: [tokyo, japan]}
  - {id: bali-retreat, url: /tours/bali-retreat, title: Bali retreat, tags: [bali, beach]}
  - {id: kyoto-tea, url: /tours/kyoto-tea, title: Tea in Kyoto, tags: [kyoto]}
"""
BROWSER = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
KYOTO = "/tours/kyoto-autumn"
# Every form a browser marks a page fetched ahead with, and values that are not that mark.
FORMS = [
    pytest.param({"sec-purpose": "prefetch"}, True, id="sec-purpose"),
    pytest.param({"sec-purpose": "prefetch;prerender"}, True, id="prerender"),
    pytest.param({"sec-purpose": "prefetch;anonymous-client-ip"}, True, id="anonymous-ip"),
    pytest.param({"sec-purpose": "PREFETCH"}, True, id="upper-case"),
    pytest.param({"purpose": "prefetch"}, True, id="purpose"),
    pytest.param({"x-moz": "prefetch"}, True, id="x-moz"),
    pytest.param({"x-purpose": "preview"}, True, id="x-purpose-preview"),
    pytest.param({"sec-purpose": "prerenderish"}, False, id="prerenderish"),
    pytest.param({"sec-purpose": ""}, False, id="empty"),
    pytest.param({"sec-purpose": "x" * 8192}, False, id="8kb-junk"),
    pytest.param({"sec-purpose": '"prefetch"'}, False, id="a-string-not-the-token"),
    pytest.param({"purpose": "preview"}, False, id="preview-only-in-x-purpose"),
]


def shop() -> Starlette:
    """Tour pages whose app tracks the item viewed (as a shop's product page does)."""

    async def tour(request: Request) -> HTMLResponse:
        await track(request, "view_item", {"item": request.path_params["slug"]})
        return HTMLResponse(PAGE)

    async def buy(request: Request) -> HTMLResponse:
        await track(request, "purchase")
        return HTMLResponse("thank you")

    return Starlette(routes=[Route("/tours/{slug}", tour), Route("/buy", buy, methods=["POST"])])


def settings_for(make_settings: Make, count: bool = False) -> Settings:
    respect = {"budget": 6, "count_prefetch": count}
    settings = make_settings(RULES, SNIPPETS, journey=JOURNEY, respect=respect)
    (Path(settings.rules.dir) / "catalog.yaml").write_text(textwrap.dedent(CATALOG))
    return settings


def site(make_settings: Make, count: bool = False) -> Omotenashi:
    mw = Omotenashi(shop(), settings=settings_for(make_settings, count))
    mw.store.recs.popular_cache = 0  # every view seen at once
    return mw


def stored(r: redis.Redis) -> dict[bytes, bytes | None]:
    """Every key of the database, serialised as Redis keeps it."""
    return {key: r.dump(key) for key in sorted(r.keys("*"))}


def expiries(r: redis.Redis) -> dict[bytes, int]:
    return {key: r.pttl(key) for key in r.keys("*")}


def profile(r: redis.Redis) -> dict[str, str]:
    (key,) = r.keys("*:p2")
    return {k.decode(): v.decode() for k, v in r.hgetall(key).items()}


def shown(page: httpx.Response) -> set[str]:
    return set(page.headers["x-omotenashi-rules"].split(",")) - {"-"}


def why(page: httpx.Response) -> list[str]:
    return page.headers.get("x-omotenashi-why", "").split("; ")


async def visit_then_fetch_ahead(
    client: httpx.AsyncClient, r: redis.Redis, ahead: dict[str, str]
) -> tuple[dict[bytes, bytes | None], httpx.Response, dict[bytes, bytes | None], httpx.Response]:
    """A returning visitor opens the Tokyo page (exposed to ``promo``); the browser then asks
    for the Kyoto page with ``ahead``'s headers; then the visitor opens it. Redis before and
    after the request with ``ahead``, and the two Kyoto pages."""
    await client.get("/tours/tokyo-lights", headers=BROWSER)
    await written()
    before, ttl = stored(r), expiries(r)
    fetched = await client.get(KYOTO, headers={**BROWSER, **ahead})
    await written()
    after = stored(r)
    if after == before:
        assert all(0 < t <= ttl[key] for key, t in expiries(r).items())  # none extended
    opened = await client.get(KYOTO, headers=BROWSER)
    await written()
    return before, fetched, after, opened


@pytest.mark.anyio
@pytest.mark.parametrize(("ahead", "is_prefetch"), FORMS)
async def test_a_page_fetched_ahead_is_personalised_as_usual_and_records_nothing(
    ahead: dict[str, str],
    is_prefetch: bool,
    make_settings: Make,
    omotenashi_redis: redis.Redis,
    omotenashi_redis_url: str,
    omotenashi_visitor: Seed,
) -> None:
    r = redis.Redis.from_url(omotenashi_redis_url)
    mw = site(make_settings)
    async with client_for(mw) as client:
        omotenashi_visitor(visits=2, views=3, interests={"kyoto": 3}).apply(client)
        before, fetched, after, opened = await visit_then_fetch_ahead(client, r, ahead)
        later = profile(r)
    r.close()
    assert {"nudge", "kyoto-fan", "also-like"} <= shown(fetched)  # personalised
    if is_prefetch:
        assert after == before  # byte for byte: no view, event, cap, exposure, co-view ...
        assert fetched.text == opened.text  # the very page the visitor then opens
        assert shown(fetched) == shown(opened)
        assert "prefetch" in why(fetched) and "prefetch" not in why(opened)
        assert mw.metrics["prefetch"] == 1
    else:
        assert after != before
        assert "prefetch" not in why(fetched) and mw.metrics["prefetch"] == 0
    # the page opened afterwards records as usual (views: seeded 3, Tokyo, Kyoto [, Kyoto])
    assert int(later["V"]) == (5 if is_prefetch else 6)
    assert "mr|kyoto-promo" in later  # exposed (in one arm or the other)
    assert "mg|promo|kyoto-page" in later  # a goal reached: the page opened is a conversion
    # a cap of one a day: counted by the page opened, not by one only fetched ahead
    assert ("nudge" in shown(opened)) is is_prefetch


@pytest.mark.anyio
async def test_a_new_visitor_s_page_fetched_ahead_stores_nothing_and_sets_the_cookie(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    """The cookie comes as for any page (its behaviour is not ours to change here), so the
    page opened later is the same visitor's; nothing is stored under it until then."""
    async with client_for(site(make_settings)) as client:
        fetched = await client.get(KYOTO, headers={**BROWSER, "sec-purpose": "prefetch"})
        await written()
        kept = omotenashi_redis.keys("*")
        await client.get(KYOTO, headers=BROWSER)  # the cookie the prefetch set comes back
        await written()
        opened = omotenashi_redis.keys("*")
    assert "omo_vid=" in fetched.headers["set-cookie"]
    assert kept == []
    assert [k for k in opened if str(k).endswith(":p2")]  # now a profile


@pytest.mark.anyio
async def test_the_mark_on_another_method_than_get_is_not_a_browser_s(
    make_settings: Make, omotenashi_redis: redis.Redis, omotenashi_visitor: Seed
) -> None:
    """Browsers fetch ahead with GET only; ``Purpose`` is a header any script may send."""
    mw = site(make_settings)
    async with client_for(mw) as client:
        omotenashi_visitor(visits=2).apply(client)
        await client.post("/buy", headers={"purpose": "prefetch", "sec-purpose": "prefetch"})
    (key,) = omotenashi_redis.keys("*:p2")
    assert omotenashi_redis.hget(key, "epurchase") == "1"
    assert mw.metrics["prefetch"] == 0


@asynccontextmanager
async def proxied(make_settings: Make) -> AsyncIterator[httpx.AsyncClient]:
    """``omotenashi proxy`` in front of the shop (served over a socket)."""
    async with serving(shop(), lifespan="off") as origin_url:
        mw = proxy_app(origin_url, settings=settings_for(make_settings))
        mw.store.recs.popular_cache = 0
        async with client_for(mw) as client:  # its records awaited after each request
            yield client


@pytest.mark.anyio
@pytest.mark.parametrize(("ahead", "is_prefetch"), [FORMS[1], FORMS[7]])
async def test_through_the_proxy_too(
    ahead: dict[str, str],
    is_prefetch: bool,
    make_settings: Make,
    omotenashi_redis: redis.Redis,
    omotenashi_redis_url: str,
    omotenashi_visitor: Seed,
) -> None:
    r = redis.Redis.from_url(omotenashi_redis_url)
    async with proxied(make_settings) as client:
        omotenashi_visitor(visits=2, views=3, interests={"kyoto": 3}).apply(client)
        before, fetched, after, opened = await visit_then_fetch_ahead(client, r, ahead)
    r.close()
    assert (after == before) is is_prefetch
    assert ("prefetch" in why(fetched)) is is_prefetch
    if is_prefetch:
        assert fetched.text == opened.text and {"nudge", "kyoto-fan"} <= shown(fetched)


@pytest.mark.parametrize(("ahead", "is_prefetch"), FORMS)
def test_the_request_fact(ahead: dict[str, str], is_prefetch: bool) -> None:
    assert fetched_ahead(ahead) is is_prefetch
    assert RequestInfo.from_parts("/", "", ahead).prefetch is is_prefetch


@pytest.mark.parametrize(
    ("value", "tokens"),
    [
        ("prefetch;prerender", {"prefetch"}),
        (" Prefetch ;x=1 ,\tpreview", {"prefetch", "preview"}),
        ("a, b;prefetch", {"a", "b"}),  # a parameter named prefetch is no member
        (",,", {""}),
        ("x" * (MAX_PURPOSE - 9) + ",prefetch", {"x" * (MAX_PURPOSE - 9), "prefetch"}),
        ("x" * (MAX_PURPOSE - 8) + ",prefetch", {"x" * (MAX_PURPOSE - 8)}),  # cut short
        ("prefetch, " + "x" * 10_000_000, {"prefetch"}),  # read no further than the bound
    ],
)
def test_purpose_tokens(value: str, tokens: set[str]) -> None:
    assert purpose_tokens(value) == tokens


purpose_text = st.text() | st.lists(
    st.sampled_from(["prefetch", "PreFetch", "preview", ";prerender", ",", " ", "\t", '"', "x"])
).map("".join)


@given(st.sampled_from(sorted(AHEAD)), purpose_text, st.text(min_size=1))
def test_any_purpose_header_is_read_without_error_in_bounded_work(
    name: str, value: str, tail: str
) -> None:
    """Any text is read, and only its first MAX_PURPOSE characters are: past them, nothing
    changes the answer (the work is linear in at most that much, whatever the length)."""
    answer = fetched_ahead({name: value})
    assert answer is (not AHEAD[name].isdisjoint(purpose_tokens(value)))
    long = value.ljust(MAX_PURPOSE + 1, "x")
    assert purpose_tokens(long[:MAX_PURPOSE] + tail) == purpose_tokens(long)
    if "prefetch" not in value.lower() and "preview" not in value.lower():
        assert answer is False


@given(
    st.lists(st.text(alphabet="abcxyz-;= \t", max_size=12), max_size=6),
    st.sampled_from(["prefetch", "PREFETCH", "Prefetch;prerender", " prefetch "]),
    st.integers(min_value=0, max_value=6),
)
def test_a_prefetch_member_anywhere_in_a_short_list_is_found(
    others: list[str], member: str, at: int
) -> None:
    members = [*others]
    members.insert(min(at, len(members)), member)
    assert fetched_ahead({"sec-purpose": ",".join(members)})


@pytest.mark.anyio
async def test_by_default_a_page_fetched_ahead_counts_as_viewed(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    """WordPress's speculative loading (on a press) and Turbo's (on a hover) fetch nearly every
    page a visitor then opens, and the browser shows that copy without asking again: counted
    as viewed, or those visits would never be."""
    mw = site(make_settings, count=True)
    async with client_for(mw) as client:
        await client.get("/tours/kyoto-autumn")
        await written()
        (key,) = omotenashi_redis.keys("*:p2")
        before = int(omotenashi_redis.hget(key, "V") or 0)
        ahead = await client.get("/tours/kyoto-autumn", headers={"sec-purpose": "prefetch"})
        await written()
        after = int(omotenashi_redis.hget(key, "V") or 0)
    assert ahead.status_code == 200 and mw.metrics["prefetch"] == 1
    assert after == before + 1  # one more page view
