"""The engine's remembered fast paths give exactly what the plain code gives, on any input."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from omotenashi.engine.headers import (
    _parse_media_type,
    add_vary,
    asked_each_time,
    make_private,
    media_type,
    without,
)
from omotenashi.engine.html import scan
from omotenashi.engine.html.context import PAGE_END
from omotenashi.engine.html.scanner import exists
from omotenashi.engine.html.splice import _kept_tags, _start_tag, start_tag
from omotenashi.engine.pagehttp import SKIP_HEADER, VALIDATORS
from omotenashi.engine.pagehttp import private_headers as _private
from omotenashi.engine.personalise import _panel_at

NAMES = [
    b"content-type",
    b"Content-Length",
    b"ETag",
    b"last-modified",
    b"vary",
    b"Vary",
    b"cache-control",
    b"Cache-Control",
    b"x-omotenashi",
    b"set-cookie",
    b"surrogate-control",
]
VALUES = [
    b"text/html",
    b"text/html; charset=latin-1",
    b"12",
    b"",
    b"public, max-age=60",
    b"no-store",
    b"Accept-Encoding",
    b"*",
    b"cookie",
    b"off",
    b"a=b",
]


VARY = (b"Cookie", b"Sec-GPC", b"DNT")


def plain_private(headers: list[tuple[bytes, bytes]], length: int) -> list[tuple[bytes, bytes]]:
    new = without(headers, b"content-length", SKIP_HEADER, *VALIDATORS)
    new.append((b"content-length", str(length).encode()))
    return asked_each_time(make_private(add_vary(new, *VARY)))  # (rewritten: asked each time)


@settings(max_examples=300)
@given(
    st.lists(st.tuples(st.sampled_from(NAMES), st.sampled_from(VALUES)), max_size=8),
    st.integers(0, 10**7),
)
def test_private_headers_are_the_plain_rewrite(headers: list[tuple[bytes, bytes]], n: int) -> None:
    assert _private(headers, n, VARY) == plain_private(headers, n)
    assert _private(headers, n, VARY) == plain_private(headers, n)  # again, remembered


def test_private_headers_take_lists_and_bytearrays_too() -> None:
    headers = [[b"content-type", b"text/html"], (bytearray(b"etag"), b'"x"')]
    assert _private(headers, 3, VARY) == plain_private(headers, 3)  # type: ignore[arg-type]


@given(st.binary(max_size=300))
def test_media_type_is_the_plain_parse(value: bytes) -> None:
    assert media_type([(b"content-type", value)]) == _parse_media_type(value)


TAIL_PARTS = [
    "</body>",
    "</BODY >",
    "</html>",
    "</html\n>",
    " ",
    "\n",
    "x",
    "</",
    "<",
    "</bod",
    "</body",
    ">",
    "</p>",
    "\u3000",
]


@settings(max_examples=500)
@given(
    st.lists(st.sampled_from(TAIL_PARTS), max_size=30),
    st.integers(0, 5000),
    st.sampled_from([0, 1, 4090, 4100]),
)
def test_the_panel_goes_before_the_page_end_the_pattern_finds(
    parts: list[str], pad: int, blank: int
) -> None:
    """The panel's place: the body end ``PAGE_END`` finds in the last 4096 characters, when
    the parser honoured that ``</body>``; else none."""
    page = '<body><div data-omo-slot="s">x</div>' + "a" * pad + "".join(parts) + " " * blank
    found = scan(page, slot_attribute="data-omo-slot")
    end = PAGE_END.search(page, max(0, len(page) - 4096))
    want = end.start() if end is not None and found.body_end == end.start() else None
    assert _panel_at(page, len(page), found, []) == want


@given(
    st.sampled_from(
        [
            "<div id=a data-omo-slot=s>",
            "<img src=x data-omo-slot=s/>",
            "<a href=/ data-omo-slot=s>",
            '<div data-omo-rule="old" data-omo-slot=s >',
        ]
    ),
    st.dictionaries(
        st.sampled_from(["data-omo-rule", "hidden", "ID", "class"]), st.text(max_size=5), min_size=1
    ),
)
def test_start_tags_remembered_are_the_ones_made(tag: str, attrs: dict[str, str]) -> None:
    page = f"<p>before</p>{tag}x</{tag[1 : tag.index(' ')]}>"
    target = scan(page, slot_attribute="data-omo-slot").slots[0]
    assert _start_tag(page, target, attrs) == start_tag(page, target, attrs)
    assert _start_tag(page, target, attrs) == start_tag(page, target, attrs)
    assert len(_kept_tags) <= 2048


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet='aAdDtT-oOmMsSlL <>="éÉ\u212a\u0130\u0131\u017fkKiI日', max_size=60),
    st.sampled_from(["data-omo-slot", "Data-Omo-Slot", "k", "x-é", "is", "data-pick"]),
)
def test_exists_is_the_case_insensitive_search(page: str, attribute: str) -> None:
    plain = re.search(re.escape(attribute), page, re.I) is not None
    assert exists(page, attribute) is plain
    assert exists(page, "") is False
