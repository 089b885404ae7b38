"""What the request path reads, pinned as tables and against the plain readings it replaces
(issue 15, the CPU per request): request headers, the validators of a page request, whether a
page is big, the excluded and untracked paths, a profile's viewed items and its long fields."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omotenashi import Omotenashi, Settings
from omotenashi.asgi import requestheaders
from omotenashi.asgi.offload import is_big
from omotenashi.asgi.requestheaders import MAX_COOKIES, MAX_HEADER, MAX_HEADER_NAME, request_headers
from omotenashi.engine import paths
from omotenashi.store import pieces
from omotenashi.store.pieces import HASHED, MARK, NAME
from omotenashi.store.replies import profile_from_reply

from .conftest import asgi_get, page_app

F = 1_700_000_000.0
PAGE = '<!doctype html><html><body><h1 data-omo-slot="hero">Hello</h1></body></html>'
RULES = """
rules:
  - id: everyone
    slot: hero
    text: "Welcome"
    why: "Shown to everyone."
"""


def plain_headers(headers: list[tuple[Any, bytes]]) -> dict[str, str]:
    """The reading before header names were kept: each name decoded and lowered anew
    (Accept-Encoding's lines joined as one list since 934bad7: hyp56, its repeated lines
    were read as the last one here, about one CI run in fifty)."""
    out: dict[str, str] = {}
    cookies: list[str] = []
    codings: list[str] = []
    room, coding_room = MAX_COOKIES, MAX_HEADER
    for key, value in headers:
        if len(key) > MAX_HEADER_NAME:
            continue
        name = key.decode("latin-1").lower()
        if name == "cookie":
            if room > 0:
                cookies.append(value[:room].decode("latin-1"))
                room -= len(value) + 2
        elif name == "accept-encoding":
            if coding_room > 0:
                codings.append(value[:coding_room].decode("latin-1"))
                coding_room -= len(value) + 2
        else:
            out[name] = value[:MAX_HEADER].decode("latin-1")
    if cookies:
        out["cookie"] = "; ".join(cookies)
    if codings:
        out["accept-encoding"] = ", ".join(codings)[:MAX_HEADER]
    return out


class Name(bytes):
    """A server's own bytes type for header names."""


NAMES = st.one_of(
    st.sampled_from(
        [
            b"Host",
            b"host",
            b"COOKIE",
            b"cookie",
            b"If-None-Match",
            b"\xc9T\xc0G",
            b"Accept-Encoding",
        ]
    ),
    st.binary(max_size=70),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(NAMES, st.binary(max_size=20)), max_size=8), st.booleans())
def test_headers_read_as_each_name_decoded_anew(
    headers: list[tuple[bytes, bytes]], own_type: bool
) -> None:
    given_ = [(Name(k) if own_type else k, v) for k, v in headers]
    want = plain_headers(given_)
    assert request_headers({"headers": given_}) == want
    assert request_headers({"headers": given_}) == want  # the names known now: the same
    assert request_headers({"headers": [(bytearray(k), v) for k, v in given_]}) == want


def test_the_names_kept_stay_bounded() -> None:
    many = [(b"x-%d" % n, b"1") for n in range(3 * requestheaders.NAMES_KEPT)]
    assert request_headers({"headers": many}) == {f"x-{n}": "1" for n in range(len(many))}
    assert 0 < len(requestheaders._NAMES) <= requestheaders.NAMES_KEPT
    long = b"x-" + b"n" * 100  # a name no header we read has: never kept
    assert request_headers({"headers": [(long, b"1")]}) == {}
    assert long not in requestheaders._NAMES


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("extra", "kept"),
    [
        ([(b"If-None-Match", b'"v1"'), (b"accept", b"text/html")], [b"accept"]),
        (
            [(b"IF-MODIFIED-SINCE", b"Tue, 01 Dec 2026"), (b"accept", b"*/*")],
            [b"IF-MODIFIED-SINCE", b"accept"],  # not a page request: the app's 304 stays
        ),
        ([(b"if-modified-since", b"x"), (b"Sec-Fetch-Dest", b"document")], [b"Sec-Fetch-Dest"]),
        (
            [(b"if-none-match", b'"v1"'), (b"sec-fetch-dest", b"image")],
            [b"if-none-match", b"sec-fetch-dest"],
        ),
        (
            [(b"x-if-none-match", b'"v1"'), (b"accept", b"text/html")],
            [b"x-if-none-match", b"accept"],
        ),
    ],
)
async def test_a_page_requests_validators_are_dropped_whatever_their_case(
    make_settings: Callable[..., Settings], extra: list[tuple[bytes, bytes]], kept: list[bytes]
) -> None:
    seen: list[list[bytes]] = []
    inner = page_app(PAGE)

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        seen.append([k for k, _ in scope["headers"]])
        await inner(scope, receive, send)

    mw = Omotenashi(app, settings=make_settings(RULES))
    await asgi_get(mw, "/", headers=[(b"host", b"shop.example"), *extra])
    await mw.shutdown()
    assert seen == [[b"host", *kept]]


@pytest.mark.parametrize(("size", "big"), [(0, False), (100, False), (101, True)])
def test_a_page_is_big_by_its_length(size: int, big: bool) -> None:
    assert is_big(b"x" * size, 100) is big


def test_a_path_is_judged_once_and_as_the_judge_says(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []

    def judge(path: str) -> bool:
        asked.append(path)
        return path.startswith("/admin")

    monkeypatch.setattr(paths, "PATHS_KEPT", 3)
    judged = paths.remembered(judge)
    long = "/admin/" + "x" * paths.LONGEST_KEPT
    answers = [judged(p) for p in ["/admin", "/", "/admin", "/", long, long]]
    assert answers == [True, False, True, False, True, True]
    assert asked == ["/admin", "/", long, long]  # a long path is not kept: judged each time
    for path in ["/a", "/b", "/c", "/d"]:  # past PATHS_KEPT, they start again
        judged(path)
    asked.clear()
    assert [judged("/d"), judged("/admin")] == [False, True]
    assert asked == ["/admin"]  # "/d" kept, "/admin" gone with the first ones


@pytest.mark.parametrize(
    ("value", "at", "counted"),
    [
        ("200", F + 200, True),
        ("200?", F + 200, False),
        ("200??", F + 200, False),
        (" 7 ?", F + 7, False),
        ("?", F, False),
        ("oops?", F, False),
        ("oops", F, True),
        ("", F, True),
        ("?7", F, True),
        ("7?\n", F, True),  # not "?" at its end: no number either
        ("-0?", F, False),
        ("inf?", float("inf"), False),
        ("nan", float("nan"), True),
    ],
)
def test_a_viewed_item_reads_its_time_and_whether_it_is_counted(
    value: str, at: float, counted: bool
) -> None:
    p = profile_from_reply([["F", "1700000000", "wtour", value], [], None])
    assert repr(p.viewed) == repr({"tour": at})
    assert ("tour" not in p.uncounted) is counted


def plain_joined(fields: dict[str, str]) -> dict[str, str]:
    """The reading before the marked fields were picked out first."""
    if MARK not in fields:
        return fields
    whole: dict[str, str] = {}
    more: dict[str, dict[int, str]] = {}
    for name, value in fields.items():
        if name[:1] != MARK:
            whole[name] = value
        elif name != MARK:
            k, _, of = name[1:].partition(":")
            if k.isdigit():
                more.setdefault(of, {})[int(k)] = value
    for name, parts in more.items():
        if name in whole:
            whole[name] += "".join(parts[k] for k in sorted(parts))
    out = {name: value for name, value in whole.items() if name[:1] not in (HASHED, NAME)}
    for name, value in whole.items():
        if name[:1] == HASHED and (real := whole.get(NAME + name[1:])) is not None:
            out[real] = value
    return out


FIELD = st.one_of(
    st.sampled_from(["a", "b", "ix", MARK, f"{MARK}1:a", f"{MARK}2:a", f"{MARK}1:z"]),
    st.sampled_from([f"{MARK}x:a", f"{MARK}:a", f"{HASHED}h", f"{NAME}h", f"{MARK}1:{HASHED}h"]),
    st.sampled_from([f"{MARK}1:{NAME}h", f"{HASHED}g", f"{NAME}k", "wlong"]),
    st.text(st.sampled_from(["a", "1", ":", MARK, HASHED, NAME]), max_size=4),
)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(FIELD, st.sampled_from(["", "v", "wlong", "a", "ix", "b"]), max_size=12))
def test_long_fields_read_back_as_before_in_the_same_order(fields: dict[str, str]) -> None:
    assert list(pieces.joined(dict(fields)).items()) == list(plain_joined(fields).items())


@pytest.mark.parametrize(
    ("fields", "want"),
    [
        ({"a": "1"}, {"a": "1"}),
        ({"a": "x", MARK: "1", f"{MARK}2:a": "z", f"{MARK}1:a": "y", "b": "2"}, None),
        ({MARK: "1", f"{MARK}1:gone": "y", "b": "2"}, {"b": "2"}),
        ({MARK: "1", f"{HASHED}h": "v", f"{NAME}h": "wlong", "a": "1"}, None),
        ({MARK: "1", f"{HASHED}h": "v", "a": "1"}, {"a": "1"}),  # its name lost: left out
        ({MARK: "1", "a": "0", f"{HASHED}h": "v", f"{NAME}h": "a"}, {"a": "v"}),
    ],
)
def test_long_fields_read_back(fields: dict[str, str], want: dict[str, str] | None) -> None:
    expected = plain_joined(fields) if want is None else want
    assert list(pieces.joined(fields).items()) == list(expected.items())
    if want is None:
        assert MARK not in expected and all(k[:1] not in (HASHED, NAME) for k in expected)
