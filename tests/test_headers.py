from __future__ import annotations

import pytest

from omotenashi.engine.headers import add_vary, make_private, media_type


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ([], b"Cookie"),
        ([(b"vary", b"Accept-Encoding")], b"Accept-Encoding, Cookie"),
        ([(b"Vary", b"cookie")], b"cookie"),
    ],
)
def test_vary_cookie_is_added_once(before: list[tuple[bytes, bytes]], after: bytes) -> None:
    headers = add_vary(before, b"Cookie")
    assert [v for k, v in headers if k.lower() == b"vary"] == [after]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (None, b"private"),
        (b"public, max-age=600, s-maxage=3600", b"private, max-age=600"),
        (b"no-store", b"no-store"),
        (b"private, no-cache", b"private, no-cache"),
    ],
)
def test_shared_caches_are_told_to_keep_out(given: bytes | None, expected: bytes) -> None:
    headers = [(b"cache-control", given)] if given else []
    assert make_private(headers) == [(b"cache-control", expected)]


def test_media_type_and_charset() -> None:
    assert media_type([(b"content-type", b'text/HTML; Charset="ISO-8859-1"')]) == (
        "text/html",
        "iso-8859-1",
    )
    assert media_type([]) == ("", "utf-8")
