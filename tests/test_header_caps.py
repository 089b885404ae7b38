"""Each request header is read to a cap of its own, what its reader reads (issue 15, goal 7):
an over-long value costs what one at the cap does, and reads the same on every path."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omotenashi import Omotenashi, Settings
from omotenashi.asgi.arrival import request_info
from omotenashi.asgi.requestheaders import MAX_COOKIES, MAX_HEADER, request_headers
from omotenashi.engine import facts
from omotenashi.engine.facts import (
    MAX_LANGUAGES,
    MAX_PARAMS,
    MAX_QUERY,
    MAX_REFERER,
    RequestInfo,
    parse_languages,
    query_params,
)
from omotenashi.identity import device
from omotenashi.identity.device import MAX_USER_AGENT

from .conftest import page_app

BIG = 65_536
UA = b"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0"
GOOGLE = b"https://www.google.com/search?q=kyoto"


def one(name: bytes, value: bytes) -> dict[str, str]:
    return request_headers({"headers": [(name, value)]})


@pytest.mark.parametrize(
    ("name", "value", "read"),
    [
        (b"user-agent", UA, UA),
        (b"User-Agent", UA + b" x" * BIG, (UA + b" x" * BIG)[:MAX_USER_AGENT]),
        (b"accept-language", b"ja-JP,ja;q=0.9", b"ja-JP,ja;q=0.9"),
        (b"accept-language", b"en," * BIG, (b"en," * BIG)[: MAX_LANGUAGES + 1]),
        (b"referer", GOOGLE, GOOGLE),
        (b"referer", GOOGLE.ljust(MAX_REFERER, b"x"), GOOGLE.ljust(MAX_REFERER, b"x")),
        (b"Referer", GOOGLE.ljust(MAX_REFERER + 1, b"x"), b""),  # longer: none, not cut
        (b"referer", GOOGLE.ljust(BIG, b"x"), b""),
        (b"x-other", b"y" * BIG, b"y" * MAX_HEADER),
    ],
)
def test_each_header_is_read_to_its_own_cap(name: bytes, value: bytes, read: bytes) -> None:
    assert one(name, value) == {name.decode().lower(): read.decode()}


def test_the_last_referer_line_is_read_even_when_it_is_too_long() -> None:
    lines = [(b"referer", GOOGLE), (b"referer", GOOGLE + b"x" * MAX_REFERER)]
    assert request_headers({"headers": lines}) == {"referer": ""}


COUNTRY = Settings(secret_keys=["test-key"], country_header="cf-ipcountry")


def scope(headers: list[tuple[bytes, bytes]], query: bytes = b"") -> dict[str, Any]:
    return {
        "type": "http", "method": "GET", "scheme": "http", "path": "/", "raw_path": b"/",
        "query_string": query, "root_path": "", "headers": [(b"host", b"shop.test"), *headers],
    }  # fmt: skip


def seen(headers: list[tuple[bytes, bytes]], query: bytes = b"") -> RequestInfo:
    """The request as rules see it, through the path every endpoint takes."""
    given_ = scope(headers, query)
    return request_info(given_, request_headers(given_), COUNTRY)


@pytest.mark.parametrize(
    ("headers", "referrer", "languages"),
    [
        ([(b"referer", GOOGLE), (b"accept-language", b"ja-JP,en;q=0.5")], GOOGLE, ("ja-jp", "en")),
        ([(b"referer", GOOGLE + b"&x=" + b"1" * MAX_REFERER)], b"", ()),
        ([(b"accept-language", b"fr," + b" " * BIG + b",de")], b"", ("fr",)),
        # the entry the cap cuts short ("fr-CH" as "fr-C") is not read: no browser sent it
        ([(b"accept-language", b" " * (MAX_LANGUAGES - 5) + b",fr-CH,de")], b"", ()),
        ([(b"accept-language", b"de;q=0.5," + b" " * (MAX_LANGUAGES - 10) + b",it")], b"", ("de",)),
        ([(b"accept-language", b" " * (MAX_LANGUAGES - 3) + b",it,de")], b"", ("it",)),
    ],
)
def test_what_rules_see_of_an_over_long_header(
    headers: list[tuple[bytes, bytes]], referrer: bytes, languages: tuple[str, ...]
) -> None:
    request = seen(headers)
    assert (request.referrer, request.languages) == (referrer.decode(), languages)


def test_the_facts_read_the_referrer_cap_when_given_headers_directly() -> None:
    """The CLI's preview builds the request from its own headers: the same reading."""
    long = (GOOGLE + b"&x=" + b"1" * MAX_REFERER).decode()
    assert RequestInfo.from_parts("/", "", {"referer": long}).referrer == ""


ENTRIES = st.lists(
    st.sampled_from(["en", "ja-JP", "fr;q=0.5", " de-CH ;q=0.2", "x" * 40, "*", "", " " * 300]),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(ENTRIES)
def test_languages_read_as_the_complete_entries_within_the_cap(entries: list[str]) -> None:
    header = ",".join(entries)
    head = header[: MAX_LANGUAGES + 1]
    complete = head[: max(head.rfind(","), 0)] if len(header) > MAX_LANGUAGES else header
    assert parse_languages(header) == parse_languages(complete)


def reference_query(query_string: str, charset: str = "utf-8") -> dict[str, str]:
    """The parse_qs reading the one-pass reading replaces."""
    head = query_string[:MAX_QUERY]
    if head.count("&") >= MAX_PARAMS:
        head = "&".join(head.split("&", MAX_PARAMS)[:MAX_PARAMS])
    if charset == "utf-8":
        return {k: v[0] for k, v in parse_qs(head).items()}
    raw = parse_qs(head, encoding="latin-1")
    return {facts._read_in(k, charset): facts._read_in(v[0], charset) for k, v in raw.items()}


@settings(max_examples=500, deadline=None)
@given(
    st.text(st.sampled_from(list("ab=&+%2E8C9\xe9 ;")), max_size=300),
    st.sampled_from(["utf-8", "shift_jis", "euc-jp"]),
)
def test_a_query_reads_as_parse_qs_read_it(query: str, charset: str) -> None:
    assert query_params(query, charset) == reference_query(query, charset)


@pytest.mark.parametrize("fields", [MAX_PARAMS - 1, MAX_PARAMS, MAX_PARAMS + 1, 3 * MAX_PARAMS])
@pytest.mark.parametrize("field", ["k{}=v", "", "k{}"])
def test_a_query_reads_its_first_fields_as_parse_qs_did(fields: int, field: str) -> None:
    query = "&".join(field.format(n) for n in range(fields)) + "&last=1"
    assert query_params(query) == reference_query(query)


RULES = """
rules:
  - id: from-google
    slot: hero
    text: "Welcome, searcher"
    when: {referrer: "*google.*"}
    priority: 30
    why: "You came from a search."
  - id: in-japanese
    slot: hero
    text: "Youkoso"
    when: {language: ja}
    priority: 20
    why: "Your browser asks for Japanese."
  - id: campaign
    slot: hero
    text: "Winter sale"
    when: {query: {utm_campaign: winter-sale}}
    priority: 10
    why: "You followed our sale's link."
"""
PAGE = '<!doctype html><html><body><h1 data-omo-slot="hero">Hello</h1></body></html>'


async def page(mw: Omotenashi, headers: list[tuple[bytes, bytes]], query: bytes = b"") -> str:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await mw(scope([(b"accept", b"text/html"), *headers], query), receive, send)
    return b"".join(m.get("body", b"") for m in sent).decode()


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("headers", "query", "shown"),
    [
        ([(b"referer", GOOGLE)], b"", "Welcome, searcher"),
        ([(b"referer", GOOGLE + b"&q=" + b"k" * MAX_REFERER)], b"", "Hello"),  # none
        ([(b"accept-language", b"ja-JP,en;q=0.5")], b"", "Youkoso"),
        ([(b"accept-language", b"en," * 400 + b"ja")], b"", "Hello"),  # past 1 KiB: unread
        ([(b"accept-language", b"en, ja-JP" + b",en" * BIG)], b"", "Youkoso"),
        ([], b"utm_campaign=winter-sale&q=" + b"k" * BIG, "Winter sale"),
        ([], b"q=" + b"k" * MAX_QUERY + b"&utm_campaign=winter-sale", "Hello"),  # past 8 KiB
        ([(b"user-agent", UA + b" x" * BIG), (b"cookie", b"theirs=" + b"t" * BIG)], b"", "Hello"),
    ],
)
async def test_rules_on_these_headers_hold_within_their_caps(
    make_settings: Callable[..., Settings],
    headers: list[tuple[bytes, bytes]],
    query: bytes,
    shown: str,
) -> None:
    mw = Omotenashi(page_app(PAGE), settings=make_settings(RULES))
    try:
        body = await page(mw, headers, query)
    finally:
        await mw.shutdown()
    assert f">{shown}</h1>" in body


@pytest.mark.anyio
async def test_the_parsers_are_handed_at_most_their_caps(
    make_settings: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The work on a 64 KB header is that on one at the cap: each reader is handed no more
    (a new User-Agent, Accept-Language, Referer, cookie and query, each 64 KB)."""
    handed: dict[str, int] = {}

    def spy(module: Any, name: str) -> None:
        real = getattr(module, name)

        def wrapper(text: str, *args: Any) -> Any:
            handed[name] = max(handed.get(name, 0), len(text))
            return real(text, *args)

        monkeypatch.setattr(module, name, wrapper)

    spy(device, "_parse_ua")
    spy(facts, "parse_languages")
    spy(facts, "query_params")
    mw = Omotenashi(page_app(PAGE), settings=make_settings(RULES))
    big = b"7" * BIG
    headers = [
        (b"user-agent", b"Mozilla/5.0 (" + big),
        (b"accept-language", b",".join([b"en-GB;q=0.9", b"x-" + big[:8]] * (BIG // 20))),
        (b"referer", b"https://elsewhere.example/" + big),
        (b"cookie", b"theirs=" + big),
    ]
    try:
        body = await page(mw, headers, b"utm_source=" + big + b"&q=" + big)
    finally:
        await mw.shutdown()
    assert ">Hello</h1>" in body
    assert handed == {
        "_parse_ua": MAX_USER_AGENT,
        "parse_languages": MAX_LANGUAGES + 1,  # (one more: whether an entry was cut)
        "query_params": MAX_QUERY + 1,  # (one more: whether it was cut, for a form's return)
    }
    assert len(request_headers(scope(headers))["cookie"]) == MAX_COOKIES
