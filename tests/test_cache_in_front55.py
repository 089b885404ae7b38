"""What a shared cache in front (a CDN, nginx's proxy_cache) may keep (cdn55): an answer the
app made from the visitor is theirs alone; a crawler's copy of a page is not a person's;
Omotenashi's own pages are private."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from omotenashi import Omotenashi, Settings, get_visitor

from .conftest import client_for, page_app

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]
PAGE = "<html><body><h1>Tea</h1></body></html>"
BOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0"


def _json_app(read: str) -> Any:
    """A JSON API: ``read`` names what it reads of the visitor ("" for nothing)."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        visitor = get_visitor(scope)
        body: dict[str, Any] = {"known": visitor is not None}
        if visitor is not None and read == "profile":
            body["views"] = (await visitor.loaded()).views
        elif visitor is not None and read:
            body[read] = str(getattr(visitor, read))
        data = json.dumps(body).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"cache-control", b"public, max-age=60"),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": data})

    return app


@pytest.mark.parametrize("read", ["profile", "stage", "id", "is_new", "history_off", "prefs"])
async def test_an_answer_made_from_the_visitor_is_private_to_them(
    make_settings: Make, read: str
) -> None:
    """cdn55 P1: the FastAPI example's /api/visitor (the profile's stage and views as JSON)
    went out as the app said (here public): a cache in front gave visitor A's to the next."""
    mw = Omotenashi(_json_app(read), settings=make_settings())
    async with client_for(mw, headers={"user-agent": BROWSER}) as client:
        response = await client.get("/api/visitor")
    assert response.status_code == 200
    directives = {d.strip() for d in response.headers["cache-control"].split(",")}
    assert "private" in directives and "public" not in directives
    assert "cookie" in response.headers["vary"].lower()


async def test_an_answer_that_reads_nothing_of_the_visitor_keeps_its_headers(
    make_settings: Make,
) -> None:
    mw = Omotenashi(_json_app(""), settings=make_settings())
    async with client_for(mw, headers={"user-agent": BROWSER}) as client:
        response = await client.get("/api/status")
    assert response.headers["cache-control"] == "public, max-age=60"
    assert "vary" not in response.headers


@pytest.mark.parametrize(
    ("path", "content_type", "varies"),
    [
        ("/", "text/html; charset=utf-8", True),
        ("/site.css", "text/css", False),
        ("/login", "text/html; charset=utf-8", False),  # untracked: left as the app says
    ],
)
async def test_a_crawler_s_page_says_it_depends_on_the_user_agent(
    make_settings: Make, path: str, content_type: str, varies: bool
) -> None:
    """cdn55 P2: a crawler's page (never personalised) went out as the app made it, public:
    a cache kept Googlebot's copy and gave it to new visitors (no cookie, no block, no page
    view counted); through the proxy, to returning ones too."""
    app = page_app(
        PAGE,
        content_type=content_type,
        headers=[(b"cache-control", b"public, max-age=60"), (b"vary", b"Accept-Encoding")],
    )
    settings = make_settings(untracked_paths=["/login"])
    mw = Omotenashi(app, settings=settings)
    async with client_for(mw, headers={"user-agent": BOT}) as client:
        response = await client.get(path)
    assert response.headers["cache-control"] == "public, max-age=60"  # (still cacheable)
    vary = {v.strip().lower() for v in response.headers["vary"].split(",")}
    if varies:
        assert {"accept-encoding", "user-agent", "cookie"} <= vary
    else:
        assert vary == {"accept-encoding"}
    assert "set-cookie" not in response.headers


async def test_omotenashi_s_own_pages_are_private(make_settings: Make) -> None:
    mw = Omotenashi(page_app(PAGE), settings=make_settings())
    async with client_for(mw, headers={"user-agent": BROWSER}) as client:
        response = await client.get("/_omotenashi/preferences")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "private, no-store"


async def test_a_crawler_s_304_varies_as_its_200(make_settings: Make) -> None:
    """eye55: a 304 carries the Vary its 200 would; the crawler's had none."""
    app = page_app(b"", status=304, headers=[(b"etag", b'"v1"')])
    mw = Omotenashi(app, settings=make_settings())
    async with client_for(mw, headers={"user-agent": BOT, "accept": "text/html"}) as client:
        response = await client.get("/", headers={"if-none-match": '"v1"'})
    assert response.status_code == 304
    assert "user-agent" in response.headers.get("vary", "").lower()


async def test_a_crawler_s_304_for_a_file_does_not_vary(make_settings: Make) -> None:
    """eye55b: an image's 304 to a crawler that sends an HTML-ish Accept varied on cookies."""
    app = page_app(b"", status=304, headers=[(b"etag", b'"v1"')])
    mw = Omotenashi(app, settings=make_settings())
    async with client_for(mw, headers={"user-agent": BOT, "accept": "text/html,*/*"}) as client:
        response = await client.get("/logo.png", headers={"if-none-match": '"v1"'})
    assert response.status_code == 304 and "vary" not in response.headers
