from __future__ import annotations

import gzip
import logging
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import redis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Route

from omotenashi import Omotenashi, Settings, get_visitor
from omotenashi.testing import Written

from .conftest import client_for, lifespan, page_app

pytestmark = pytest.mark.anyio

PAGE = (
    '<!doctype html><html><head><meta name="omotenashi:topics" content="hawaii, family">'
    '</head><body><div data-omo-slot="hero">Default hero</div>'
    '<p data-omo-slot="tagline">Default tagline</p></body></html>'
)
RULES = """
rules:
  - id: returning-hero
    slot: hero
    snippet: hero.html
    with: {headline: "Welcome back"}
    when: {interest: {hawaii: {at_least: 1}}}
    why: "You looked at Hawaii."
  - id: campaign-copy
    slot: tagline
    text: "Spring sale & more"
    when: {query: {utm_campaign: spring}}
    why: "You came from our spring campaign."
"""
SNIPPETS = {"hero.html": "<h1>{{ headline }}</h1>"}

Make = Callable[..., Settings]


async def test_a_new_visitor_gets_the_default_page_and_a_cookie(make_settings: Make) -> None:
    mw = Omotenashi(page_app(PAGE), settings=make_settings(RULES, SNIPPETS))
    async with client_for(mw) as client:
        response = await client.get("/")
    assert response.status_code == 200
    assert response.text == PAGE
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("omo_vid=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert response.headers["vary"] == "Cookie, Sec-GPC, DNT"
    assert response.headers["cache-control"] == "private"
    assert response.headers["content-length"] == str(len(PAGE.encode()))


async def test_a_returning_visitor_gets_the_rule_and_the_length_is_right(
    make_settings: Make,
) -> None:
    mw = Omotenashi(page_app(PAGE), settings=make_settings(RULES, SNIPPETS))
    async with client_for(mw) as client:
        await client.get("/")  # records interest in hawaii from the page's topics
        response = await client.get("/")
    assert (
        '<div data-omo-slot="hero" data-omo-rule="returning-hero"><h1>Welcome back</h1></div>'
        in (response.text)
    )
    assert '<p data-omo-slot="tagline">Default tagline</p>' in response.text
    assert response.headers["content-length"] == str(len(response.content))
    assert response.headers["x-omotenashi-rules"] == "returning-hero"
    assert "set-cookie" not in response.headers  # fresh cookies are not re-sent every time


async def test_copy_from_the_query_is_escaped(make_settings: Make) -> None:
    mw = Omotenashi(page_app(PAGE), settings=make_settings(RULES, SNIPPETS))
    async with client_for(mw) as client:
        response = await client.get("/?utm_campaign=spring")
    assert (
        '<p data-omo-slot="tagline" data-omo-rule="campaign-copy">Spring sale &amp; more</p>'
        in (response.text)
    )


async def test_a_latin_1_page_gets_what_it_cannot_spell_as_character_references(
    make_settings: Make,
) -> None:
    """Copy and notes are Unicode ("→", "…"); an ISO-8859-1 page (windows-1252, as browsers
    read it) is still personalised, what its charset cannot hold written as character
    references."""
    page = PAGE.replace("Default hero", "Café").encode("latin-1")
    app = page_app(page, content_type="text/html; charset=iso-8859-1")
    rules = RULES.replace("Spring sale & more", "Spring sale → more…")
    mw = Omotenashi(app, settings=make_settings(rules, SNIPPETS))
    async with client_for(mw) as client:
        response = await client.get("/?utm_campaign=spring")
    assert response.headers["x-omotenashi-rules"] == "campaign-copy"
    assert b'data-omo-rule="campaign-copy">Spring sale &#8594; more\x85</p>' in response.content
    assert b'<div data-omo-slot="hero">Caf\xe9</div>' in response.content  # its own bytes


@pytest.mark.parametrize(
    ("app_kwargs", "method"),
    [
        ({"content_type": "application/json"}, "GET"),
        ({"status": 404}, "GET"),
        ({"headers": [(b"content-encoding", b"x-custom")]}, "GET"),
        ({"headers": [(b"x-omotenashi", b"off")]}, "GET"),
        ({}, "POST"),
    ],
    ids=["json", "404", "encoded", "app-opt-out", "post"],
)
async def test_responses_we_do_not_handle_pass_untouched(
    make_settings: Make, app_kwargs: dict[str, Any], method: str
) -> None:
    mw = Omotenashi(page_app(PAGE, **app_kwargs), settings=make_settings(RULES, SNIPPETS))
    async with client_for(mw) as client:
        await client.get("/")
        response = await client.request(method, "/?utm_campaign=spring")
    assert "set-cookie" not in response.headers and "vary" not in response.headers
    assert response.content == PAGE.encode()


@pytest.mark.parametrize(
    ("app_kwargs", "like_get"),
    [
        ({}, True),
        ({"content_type": "application/json"}, False),
        ({"headers": [(b"x-omotenashi", b"off")]}, False),
    ],
    ids=["page", "json", "app-opt-out"],
)
async def test_a_head_answers_with_the_headers_its_get_would_have(
    make_settings: Make, app_kwargs: dict[str, Any], like_get: bool
) -> None:
    """RFC 9110: a HEAD's headers are the GET's; its length only where it is the GET's own."""
    validators = [(b"cache-control", b"public, s-maxage=600"), (b"etag", b'"v1"')]
    kwargs = {**app_kwargs, "headers": app_kwargs.get("headers", []) + validators}
    mw = Omotenashi(page_app(PAGE, **kwargs), settings=make_settings(RULES, SNIPPETS))
    async with client_for(mw) as client:
        await client.get("/")
        get = await client.get("/?utm_campaign=spring")
        head = await client.head("/?utm_campaign=spring")
    assert head.content == b""
    if like_get:
        for name in ("cache-control", "vary"):
            assert head.headers[name] == get.headers[name]
        assert "etag" not in head.headers and "content-length" not in head.headers
        assert head.headers["cache-control"] == "private, no-store"  # (http50, qa50)
    else:
        assert head.headers["etag"] == '"v1"' and head.headers["content-length"] == str(len(PAGE))


async def test_a_body_over_the_buffer_limit_streams_through(make_settings: Make) -> None:
    big = PAGE.replace("Default tagline", "x" * 5000)
    mw = Omotenashi(
        page_app(big, chunks=10), settings=make_settings(RULES, SNIPPETS, max_body=1024)
    )
    async with client_for(mw) as client:
        response = await client.get("/?utm_campaign=spring")
    assert response.text == big


async def test_bots_get_the_default_page_without_cookie_or_profile(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    mw = Omotenashi(page_app(PAGE), settings=make_settings(RULES, SNIPPETS))
    googlebot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
    async with client_for(mw, headers={"user-agent": googlebot}) as client:
        for _ in range(2):
            response = await client.get("/?utm_campaign=spring")
    assert response.text == PAGE and "set-cookie" not in response.headers
    assert omotenashi_redis.keys("*") == []


@pytest.mark.parametrize(
    "agent",
    [
        "kube-probe/1.29",
        "ELB-HealthChecker/2.0",
        "Amazon-Route53-Health-Check-Service (ref 0a1b2c3d; report http://amzn.to/1vsZADi)",
        "GoogleHC/1.0",
        "Consul Health Check",
        "Blackbox Exporter/0.25.0",
        "Datadog/Synthetics",
    ],
)
async def test_health_checks_are_no_visitors(
    agent: str, make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    """A load balancer's or orchestrator's probe asks for a page every few seconds and never
    sends the cookie back: each was a new visitor, a profile kept a day, an exposure."""
    mw = Omotenashi(page_app(PAGE), settings=make_settings(RULES, SNIPPETS))
    async with client_for(mw, headers={"user-agent": agent}) as client:
        response = await client.get("/?utm_campaign=spring")
    assert response.text == PAGE and "set-cookie" not in response.headers
    assert omotenashi_redis.keys("*") == []


async def test_a_tampered_cookie_is_a_new_visitor(make_settings: Make) -> None:
    mw = Omotenashi(page_app(PAGE), settings=make_settings(RULES, SNIPPETS))
    async with client_for(mw) as client:
        client.cookies.set("omo_vid", "eyJ2IjoiMDAwMCJ9.forged.signature")
        response = await client.get("/")
    assert response.status_code == 200 and response.text == PAGE
    assert "omo_vid=" in response.headers["set-cookie"]


async def test_visitors_never_see_each_others_personalisation(make_settings: Make) -> None:
    mw = Omotenashi(page_app(PAGE), settings=make_settings(RULES, SNIPPETS))
    async with client_for(mw) as alice:
        await alice.get("/")
        assert "Welcome back" in (await alice.get("/")).text
        alice.cookies.clear()
        assert "Welcome back" not in (await alice.get("/")).text


async def test_a_snippet_that_fails_leaves_the_default(
    make_settings: Make, caplog: pytest.LogCaptureFixture
) -> None:
    mw = Omotenashi(
        page_app(PAGE),
        settings=make_settings(
            # renders for the sample visitor the load tries (who has a cart), not for this one
            RULES,
            {"hero.html": "<h1>{{ headline }} {{ visitor.cart[0] }}</h1>"},
        ),
    )
    async with client_for(mw) as client:
        await client.get("/")
        with caplog.at_level(logging.WARNING, logger="omotenashi"):
            responses = [await client.get("/") for _ in range(5)]
    assert all(r.status_code == 200 and "Default hero" in r.text for r in responses)
    assert mw.metrics["snippet_error"] == 5  # every failure counted
    said = [r.getMessage() for r in caplog.records if "failed to render" in r.getMessage()]
    assert len(said) == 1, said  # logged once for this rule set, not once per request


async def test_broken_rules_serve_the_defaults(make_settings: Make) -> None:
    mw = Omotenashi(page_app(PAGE), settings=make_settings("rules: [{id: x}]", SNIPPETS))
    async with client_for(mw) as client:
        response = await client.get("/")
    assert response.status_code == 200 and response.text == PAGE
    assert mw.metrics["rule_error"] == 1


@pytest.mark.parametrize(
    "body",
    [b"\xff\xfe not utf-8 <div data-omo-slot=hero>", b"<div data-omo-slot=hero", b""],
    ids=["bad-encoding", "truncated-tag", "empty"],
)
async def test_odd_html_serves_the_original(make_settings: Make, body: bytes) -> None:
    mw = Omotenashi(page_app(body), settings=make_settings(RULES, SNIPPETS))
    async with client_for(mw) as client:
        response = await client.get("/")
    assert response.status_code == 200 and response.content == body


async def test_the_app_reads_the_visitor_from_request_state(make_settings: Make) -> None:
    async def whoami(request: Request) -> JSONResponse:
        visitor = get_visitor(request)
        assert visitor is request.state.omotenashi
        profile = await visitor.loaded()  # the read ran alongside the app
        return JSONResponse(
            {"id": visitor.id, "views": profile.views, "device": visitor.device.kind}
        )

    async def home(request: Request) -> HTMLResponse:
        return HTMLResponse(PAGE)

    app = Starlette(routes=[Route("/", home), Route("/me", whoami)])
    mw = Omotenashi(app, settings=make_settings(RULES, SNIPPETS))
    async with client_for(mw) as client:
        await client.get("/")
        me = (await client.get("/me")).json()
    assert me["views"] == 1 and len(me["id"]) == 22 and me["device"] == "other"


async def test_excluded_paths_and_other_scopes_pass_straight_through(make_settings: Make) -> None:
    mw = Omotenashi(page_app(PAGE), settings=make_settings(RULES, SNIPPETS))
    async with client_for(mw) as client:
        response = await client.get("/static/page.html")
    assert response.text == PAGE and "set-cookie" not in response.headers


async def test_lifespan_opens_and_closes_the_pool(make_settings: Make) -> None:
    mw = Omotenashi(page_app(PAGE), settings=make_settings(RULES, SNIPPETS))
    sent: list[str] = []
    messages = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])

    async def receive() -> dict[str, str]:
        return next(messages)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message["type"])

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "lifespan.startup.complete"})
        assert mw.store.client is not None
        await receive()
        await send({"type": "lifespan.shutdown.complete"})

    mw.app = app
    await mw({"type": "lifespan"}, receive, send)
    assert sent == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert mw.store.client is None


async def test_selector_rules_rewrite_only_the_matched_start_tag(make_settings: Make) -> None:
    rules = """
    rules:
      - id: promo-class
        selector: "body > p"
        attrs: {class: promo}
        why: "Everyone sees this promotion."
    """
    mw = Omotenashi(page_app(PAGE), settings=make_settings(rules, SNIPPETS))
    async with client_for(mw) as client:
        response = await client.get("/")
    tag = '<p data-omo-slot="tagline" class="promo" data-omo-rule="promo-class">'
    assert response.text == PAGE.replace('<p data-omo-slot="tagline">', tag)


async def test_gzip_pages_are_decoded_personalised_and_encoded_again(make_settings: Make) -> None:
    zipped = gzip.compress(PAGE.encode())
    app = page_app(zipped, headers=[(b"content-encoding", b"gzip"), (b"vary", b"Accept-Encoding")])
    mw = Omotenashi(app, settings=make_settings(RULES, SNIPPETS))
    async with client_for(mw) as client:
        response = await client.get("/?utm_campaign=spring")  # httpx decodes gzip
    assert response.headers["content-encoding"] == "gzip"
    assert "Spring sale &amp; more" in response.text
    assert response.headers["content-length"] == str(response.num_bytes_downloaded)
    assert response.headers["vary"] == "Accept-Encoding, Cookie, Sec-GPC, DNT"


@pytest.mark.parametrize(
    "body",
    [gzip.compress(PAGE.encode())[:-8], gzip.compress(PAGE.encode() * 1000)],
    ids=["truncated", "inflates-past-the-limit"],
)
async def test_gzip_we_cannot_read_serves_the_original(make_settings: Make, body: bytes) -> None:
    app = page_app(body, headers=[(b"content-encoding", b"gzip")])
    settings = make_settings(RULES, SNIPPETS, max_body=64 * 1024)
    async with client_for(Omotenashi(app, settings=settings)) as client:
        response = await client.get("/?utm_campaign=spring")
    assert response.status_code == 200
    assert response.headers["content-length"] == str(len(body))


async def test_mounts_with_starlettes_middleware_list(make_settings: Make) -> None:
    """The README's other way: ``Middleware(Omotenashi, settings=...)`` / ``add_middleware``."""
    from starlette.middleware import Middleware

    async def home(request: Request) -> HTMLResponse:
        return HTMLResponse(PAGE)

    settings = make_settings(RULES, SNIPPETS)
    app = Starlette(
        routes=[Route("/", home)], middleware=[Middleware(Omotenashi, settings=settings)]
    )
    transport = httpx.ASGITransport(app=Written(app))
    async with (
        lifespan(app),  # as a server would: the pool opens and closes with the app
        httpx.AsyncClient(transport=transport, base_url="http://shop.test") as client,
    ):
        response = await client.get("/?utm_campaign=spring")
    assert (
        "Spring sale &amp; more" in response.text and "omo_vid=" in response.headers["set-cookie"]
    )
