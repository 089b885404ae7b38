"""streams60: a page that streams past OMOTENASHI_MAX_BODY goes out as the app sends it, and
what was held of it is let go once it has gone to the server: it was kept for the whole
stream (a live page, an event stream labelled text/html: ~2 MiB per connection for as long
as it stayed open). Through the real middleware, against a real Redis."""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any

import pytest

from omotenashi import Omotenashi, Settings
from omotenashi.asgi.responder import Responder

from .conftest import client_for

Make = Callable[..., Settings]
RULES = """
rules:
  - {id: hero, slot: hero, text: "Hello there", why: "Everyone sees this."}
"""
PART = b"<p>" + b"x" * 1500 + b"</p>"


def held() -> list[int]:
    """The bytes each live responder holds back."""
    gc.collect()
    return [sum(map(len, o.chunks)) for o in gc.get_objects() if isinstance(o, Responder)]


@pytest.mark.anyio
async def test_what_was_held_is_let_go_once_the_stream_flows(make_settings: Make) -> None:
    seen: list[list[int]] = []

    async def live(scope: dict[str, Any], receive: Any, send: Any) -> None:
        start = {"type": "http.response.start", "status": 200}
        await send({**start, "headers": [(b"content-type", b"text/html")]})
        first = b"<div data-omo-slot=hero>x</div>"
        await send({"type": "http.response.body", "body": first, "more_body": True})
        for _ in range(4):  # past max_body from the second part: the stream flows
            await send({"type": "http.response.body", "body": PART, "more_body": True})
            seen.append(held())
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    mw = Omotenashi(live, settings=make_settings(RULES, max_body=2048))
    async with client_for(mw) as client:
        page = await client.get("/", headers={"accept": "text/html"})
    assert page.content.count(PART) == 4 and b"Hello there" not in page.content
    assert seen[0][0] == len(b"<div data-omo-slot=hero>x</div>") + len(PART)  # held yet
    assert all(sizes == [0] for sizes in seen[1:]), seen  # gone out: not kept


@pytest.mark.anyio
async def test_a_second_start_reaches_the_server_as_without_us(make_settings: Make) -> None:
    # (streams60: the second start replaced the held first one, and the app's bug went out as
    # a clean 500 with no word; the server is the one to say it, as it does without us)
    async def twice(scope: dict[str, Any], receive: Any, send: Any) -> None:
        headers = [(b"content-type", b"text/html")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"<p>a</p>", "more_body": True})
        await send({"type": "http.response.start", "status": 500, "headers": headers})
        await send({"type": "http.response.body", "body": b"oops"})

    async with client_for(
        Omotenashi(twice, settings=make_settings(RULES))
    ) as client:  # (httpx's ASGI transport refuses it, as servers do)
        with pytest.raises(AssertionError):
            await client.get("/", headers={"accept": "text/html"})


@pytest.mark.anyio
async def test_a_page_said_longer_than_max_body_passes_as_sent_head_and_get_alike(
    make_settings: Make,
) -> None:
    # (streams60: its GET went out with the app's headers once 2 MiB were held, while its
    # HEAD got a personalised page's: private, no-store, no validators, no length)
    big = b"<div data-omo-slot=hero>x</div>" + PART * 4

    async def page(scope: dict[str, Any], receive: Any, send: Any) -> None:
        headers = [
            (b"content-type", b"text/html"),
            (b"content-length", str(len(big)).encode()),
            (b"etag", b'"v1"'),
            (b"cache-control", b"public, max-age=60"),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": big})

    mw = Omotenashi(page, settings=make_settings(RULES, max_body=2048))
    async with client_for(mw) as client:
        got = await client.get("/", headers={"accept": "text/html"})
        head = await client.head("/", headers={"accept": "text/html"})
    assert got.content == big
    for answer in (got, head):
        assert answer.headers["etag"] == '"v1"'
        assert answer.headers["cache-control"] == "public, max-age=60"
        assert answer.headers["content-length"] == str(len(big))
