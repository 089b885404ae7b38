"""A page request (one rule, :func:`omotenashi.asgi.arrival.is_page_request`, shared with the
proxy) never gets the app's 304; other requests keep their validators, and HTML they get is
personalised and counted as before (an htmx or fetch() fragment with slots)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import redis

from omotenashi import Omotenashi, Settings
from omotenashi.asgi.codings import narrowed, readable_codings

from .conftest import client_for

pytestmark = pytest.mark.anyio

PAGE = '<!doctype html><html><body><h1 data-omo-slot="hero">Hello</h1></body></html>'
RULES = """
rules:
  - id: everyone
    slot: hero
    text: "Welcome"
    when: {device: mobile}
    why: "You are on a phone."
"""
PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148 Safari/604.1"
VALIDATORS = {"if-none-match": '"v1"', "if-modified-since": "Tue, 01 Dec 2026 10:00:00 GMT"}
BROWSER = "text/html,application/xhtml+xml,*/*;q=0.8"


def conditional_app() -> Any:
    """A page that answers 304 to any validator, as an app with ETag support does."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        names = {k.lower() for k, _ in scope["headers"]}
        if names & {b"if-none-match", b"if-modified-since"}:
            await send({"type": "http.response.start", "status": 304, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        headers = [(b"content-type", b"text/html; charset=utf-8"), (b"etag", b'"v1"')]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": PAGE.encode()})

    return app


@pytest.mark.parametrize(
    ("path", "headers", "status"),
    [
        ("/", {"accept": BROWSER}, 200),  # a browser's cached copy from before Omotenashi
        ("/", {"sec-fetch-dest": "document", "accept": "*/*"}, 200),
        ("/", {"accept": "*/*"}, 304),  # curl, a library, a CDN revalidating: not a page
        ("/", {"accept": BROWSER, "sec-gpc": "1"}, 200),  # private: still rewritten
        ("/", {"accept": "application/json"}, 304),  # not a page request
        ("/", {"sec-fetch-dest": "empty", "accept": "*/*"}, 304),  # fetch()
        ("/static/a.html", {"accept": BROWSER}, 304),  # excluded: left alone
        ("/login", {"accept": BROWSER}, 304),  # untracked: nothing personalised there
        ("/", {"accept": BROWSER, "user-agent": "Googlebot/2.1"}, 304),  # a bot: left alone
    ],
)
async def test_a_page_request_never_gets_the_apps_304(
    make_settings: Callable[..., Settings], path: str, headers: dict[str, str], status: int
) -> None:
    mw = Omotenashi(conditional_app(), settings=make_settings(RULES))
    async with client_for(mw) as client:
        response = await client.get(path, headers={"user-agent": PHONE, **headers, **VALIDATORS})
    assert response.status_code == status
    if status == 200:
        assert ">Welcome<" in response.text
        assert "etag" not in response.headers


async def test_other_requests_keep_their_validators_and_are_still_personalised(
    make_settings: Callable[..., Settings], omotenashi_redis: redis.Redis
) -> None:
    mw = Omotenashi(conditional_app(), settings=make_settings(RULES))
    async with client_for(mw, headers={"user-agent": PHONE}) as client:
        page = await client.get("/", headers={"accept": BROWSER, **VALIDATORS})
        fetched = await client.get("/", headers={"sec-fetch-dest": "empty", "accept": "*/*"})
        cached = await client.get("/", headers={"sec-fetch-dest": "empty", **VALIDATORS})
    assert ">Welcome<" in page.text and ">Welcome<" in fetched.text  # a fragment too
    assert cached.status_code == 304  # a fetch() of its own cached copy: the app's answer
    (key,) = omotenashi_redis.keys("omo:{*}:p2")
    assert omotenashi_redis.hget(key, "V") == "2"  # the two HTML responses


@pytest.mark.parametrize(
    ("value", "readable"),
    [
        ("", True),
        ("gzip", True),
        ("gzip, identity;q=0.5", True),
        ("gzip, deflate, br, zstd", False),
        ("*", False),
        (", ".join(["gzip"] * 40) + ", br", False),  # past 32 codings: not read, not readable
        (", ".join(["gzip"] * 32), True),
    ],
)
def test_which_accept_encodings_the_engine_reads(value: str, readable: bool) -> None:
    assert readable_codings(value) is readable


def recording_app(seen: list[list[tuple[bytes, bytes]]]) -> Any:
    """The page, each request's headers kept in ``seen`` (names in lower case)."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        seen.append([(k.lower(), v) for k, v in scope["headers"]])
        headers = [(b"content-type", b"text/html; charset=utf-8")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": PAGE.encode()})

    return app


TWENTY = ", ".join(["gzip"] * 20).encode()


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ([b"br", b"gzip"], [b"gzip"]),  # the last line alone would pass br on
        ([b"gzip", b"br"], [b"gzip"]),
        ([b"gzip;q=0", b"br"], [b"identity"]),
        ([b"gzip", b"identity;q=0.5"], [b"gzip", b"identity;q=0.5"]),  # all read: as sent
        ([TWENTY, TWENTY], [b"gzip"]),  # 40 codings in all: past 32, not read, not readable
        ([TWENTY, TWENTY + b", br"], [b"gzip"]),
    ],
)
async def test_accept_encoding_lines_are_read_as_one_list(
    make_settings: Callable[..., Settings],
    lines: list[bytes],
    expected: list[bytes],
) -> None:
    seen: list[list[tuple[bytes, bytes]]] = []
    mw = Omotenashi(recording_app(seen), settings=make_settings(RULES))
    headers = [(b"user-agent", PHONE.encode()), (b"accept", BROWSER.encode())]
    async with client_for(mw) as client:
        response = await client.get(
            "/", headers=[*headers, *((b"accept-encoding", v) for v in lines)]
        )
    assert ">Welcome<" in response.text
    assert [v for k, v in seen[0] if k == b"accept-encoding"] == expected


@pytest.mark.parametrize(
    "lines",
    [
        [b"identity;q=0, br"],  # narrowed to identity, it would be what the client refused
        [b"identity;q=0", b"br"],
        [b"*;q=0"],
        [b"gzip;q=0, identity;q=0"],
        [b"br, *;q=0"],
    ],
)
async def test_a_client_that_takes_neither_gzip_nor_identity_gets_the_apps_page(
    make_settings: Callable[..., Settings], omotenashi_redis: redis.Redis, lines: list[bytes]
) -> None:
    seen: list[list[tuple[bytes, bytes]]] = []
    mw = Omotenashi(recording_app(seen), settings=make_settings(RULES))
    sent = [(b"user-agent", PHONE.encode()), (b"accept", BROWSER.encode())]
    sent += [(b"accept-encoding", v) for v in lines] + [(b"if-none-match", b'"v1"')]
    async with client_for(mw) as client:
        response = await client.get("/", headers=sent)
    assert [pair for pair in seen[0] if pair in sent] == sent  # as sent, validator too
    assert response.text == PAGE  # passed as the app sent it, as a page in br would be
    assert (mw.metrics["bypassed"], mw.metrics["personalised"]) == (1, 0)
    assert not omotenashi_redis.keys("omo:{*}:p2")  # no page view


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", ""),
        ("gzip, identity;q=0.5", ""),  # only codings the engine reads: as sent
        ("gzip, deflate, br, zstd", "gzip"),
        ("br", "identity"),
        ("gzip;q=0, br", "identity"),
        ("*", "gzip"),
        ("identity;q=0, br", None),  # takes neither: nothing changed
        ("identity;q=0", None),
        ("*;q=0", None),
        ("gzip;q=0, identity;q=0", None),
        ("*;q=0, identity", "identity"),
        (", ".join(["br"] * 40) + ", identity;q=0", "identity"),  # codings past 32 not read
    ],
)
def test_what_a_page_requests_accept_encoding_becomes(value: str, expected: str | None) -> None:
    assert narrowed(value) == expected
