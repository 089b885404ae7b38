"""A page served as the app made it where Omotenashi rewrites it when all goes well (Redis out
or slow, a private visitor's page under OMOTENASHI_RESPECT_PRIVATE_CONTEXTUAL=false, a page
held too long) is private, as every page it rewrites or leaves alone for want of a rule is
(cdn55, left open then: the app's public copy went to a shared cache, which gave it to every
visitor, with no block, no cookie and no page view counted, for as long as the app's max-age,
after Redis was back), and so is its 304 to a browser's revalidation (eye56). A page never
rewritten (too big) keeps the app's headers. (Redis out or slow: tests/test_failopen.py,
test_a_page_left_alone_because_redis_failed_counts_as_degraded.)"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from omotenashi import Omotenashi, Settings

from .conftest import client_for, page_app
from .test_middleware import PAGE, RULES, SNIPPETS

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]
PUBLIC = [(b"cache-control", b"public, max-age=600")]


def directives(response: Any) -> set[str]:
    return {d.strip() for d in response.headers.get("cache-control", "").split(",")}


def private(response: Any) -> bool:
    said, vary = directives(response), response.headers.get("vary", "").lower()
    return "private" in said and "public" not in said and "cookie" in vary


async def test_a_private_visitor_s_page_left_alone_is_private(make_settings: Make) -> None:
    settings = make_settings(RULES, SNIPPETS, respect={"private_contextual": False})
    mw = Omotenashi(page_app(PAGE, headers=PUBLIC), settings=settings)
    async with client_for(mw, headers={"sec-gpc": "1"}) as client:
        response = await client.get("/?utm_campaign=spring")
    assert response.text == PAGE
    assert private(response), response.headers
    assert "gpc" in response.headers["vary"].lower()


async def test_a_page_held_too_long_is_private(make_settings: Make) -> None:
    async def slow(scope: dict[str, Any], receive: Any, send: Any) -> None:
        start = {"type": "http.response.start", "status": 200}
        headers = [(b"content-type", b"text/html; charset=utf-8"), *PUBLIC]
        await send({**start, "headers": headers})
        half = len(PAGE) // 2
        await send({"type": "http.response.body", "body": PAGE[:half].encode(), "more_body": True})
        await asyncio.sleep(0.3)
        await send({"type": "http.response.body", "body": PAGE[half:].encode()})

    mw = Omotenashi(slow, settings=make_settings(RULES, SNIPPETS, hold_seconds=0.05))
    async with client_for(mw) as client:
        response = await client.get("/?utm_campaign=spring")
    assert response.text == PAGE and mw.metrics["held_too_long"] == 1
    assert private(response), response.headers


async def test_a_page_too_big_to_rewrite_keeps_the_app_s_headers(make_settings: Make) -> None:
    big = PAGE.replace("</body>", f"<p>{'x' * 1024}</p></body>")
    settings = make_settings(RULES, SNIPPETS, max_body=1024)
    mw = Omotenashi(page_app(big, headers=PUBLIC), settings=settings)
    async with client_for(mw) as client:
        await client.get("/")
        response = await client.get("/?utm_campaign=spring")  # (returning: no new cookie)
    assert response.text == big
    assert response.headers["cache-control"] == "public, max-age=600"


async def test_a_head_where_redis_is_out_as_the_request_comes_says_what_its_get_says(
    make_settings: Make,
) -> None:
    """(eye56) The breaker open as a new visitor came: the GET was private, the HEAD kept the
    app's public headers."""
    settings = make_settings(RULES, SNIPPETS, redis={"breaker_failures": 1, "breaker_reset": 60})
    mw = Omotenashi(page_app(PAGE, headers=PUBLIC), settings=settings)
    async with client_for(mw) as client:
        mw.store.breaker.failure("opened by the test")
        get = await client.get("/?utm_campaign=spring")
        head = await client.head("/?utm_campaign=spring")
    assert private(get) and private(head), (get.headers, head.headers)


def etagged(body: str) -> Any:
    """A page app that answers If-None-Match "v1" with a 304, as a framework's ETag does."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        asked = dict(scope["headers"]).get(b"if-none-match") == b'"v1"'
        headers = [(b"content-type", b"text/html; charset=utf-8"), (b"etag", b'"v1"'), *PUBLIC]
        await send(
            {"type": "http.response.start", "status": 304 if asked else 200, "headers": headers}
        )
        await send({"type": "http.response.body", "body": b"" if asked else body.encode()})

    return app


@pytest.mark.parametrize(
    ("path", "accept", "private_304"),
    [
        ("/", "text/html", True),
        ("/", "*/*", False),
        ("/report.pdf", "text/html", False),  # (a file opened in a tab: eye57)
        ("/feed.xml", "text/html", False),
    ],
)
async def test_a_304_where_redis_is_out_says_what_its_page_says(
    make_settings: Make, path: str, accept: str, private_304: bool
) -> None:
    """(eye56) Redis out as the request came: the app's 304 to a browser's revalidation kept its
    public headers, which a cache in front takes as its stored copy's; it is private as the
    page is. A revalidation that is not a page's (``*/*``: a feed, an image), nor a file's
    opened in a browser's tab (its 200 keeps the app's headers), keeps the app's."""
    settings = make_settings(RULES, SNIPPETS, redis={"breaker_failures": 1, "breaker_reset": 60})
    mw = Omotenashi(etagged(PAGE), settings=settings)
    headers = {"accept": accept, "if-none-match": '"v1"'}
    async with client_for(mw) as client:
        mw.store.breaker.failure("opened by the test")
        response = await client.get(path, headers=headers)
    assert response.status_code == 304
    assert private(response) == private_304, response.headers
