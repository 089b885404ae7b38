from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

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
        (b"no-store", b"private, no-store"),
        # Django's never_cache (its admin): kept whole, only private made sure of.
        (
            b"max-age=0, no-cache, no-store, must-revalidate, private",
            b"private, max-age=0, no-cache, no-store, must-revalidate",
        ),
        (b'private="set-cookie", max-age=60', b"private, max-age=60"),
        (b"public, max-age=31536000, immutable", b"private, max-age=31536000, immutable"),
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


directive = st.sampled_from(
    [b"public", b"private", b"no-store", b"no-cache", b"must-revalidate", b"immutable"]
) | st.builds(
    lambda name, n: name + b"=" + str(n).encode(),
    st.sampled_from([b"max-age", b"s-maxage", b"stale-while-revalidate"]),
    st.integers(0, 10**6),
)


@given(st.lists(directive, max_size=6), st.sampled_from([b", ", b",", b" , "]))
def test_cache_control_is_only_ever_made_stricter(parts: list[bytes], sep: bytes) -> None:
    (name, value), *_ = make_private([(b"cache-control", sep.join(parts))])
    out = [d.strip() for d in value.split(b",")]
    assert out[0] == b"private" and out.count(b"private") == 1
    assert not [d for d in out if d == b"public" or d.startswith(b"s-maxage")]
    kept = [d for d in parts if d not in (b"public", b"private") and not d.startswith(b"s-max")]
    assert out[1:] == kept  # no-store, max-age ... exactly as the app sent them
