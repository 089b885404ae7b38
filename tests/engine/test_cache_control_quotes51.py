"""A Cache-Control directive with a quoted list (``no-cache="Set-Cookie,X-Id"``) is one
directive, kept as the app wrote it: before, it was split at the comma inside the quotes and
written back re-spaced (``"Set-Cookie, X-Id"``), and a quoted ``max-age`` inside it was taken
for the app's own."""

from __future__ import annotations

import pytest

from omotenashi.engine.headers import asked_each_time, make_private


@pytest.mark.parametrize(
    ("value", "private", "rewritten"),
    [
        (
            b'no-cache="Set-Cookie,X-Id", max-age=60',
            b'private, no-cache="Set-Cookie,X-Id", max-age=60',
            b'private, no-cache="Set-Cookie,X-Id", no-store',
        ),
        (
            b'no-cache="X-User,max-age", max-age=60',
            b'private, no-cache="X-User,max-age", max-age=60',
            b'private, no-cache="X-User,max-age", no-store',
        ),
        (
            b'no-cache="a\\",b", public',
            b'private, no-cache="a\\",b"',
            b'private, no-cache="a\\",b", no-store',
        ),
        (
            b'no-cache="open, max-age=3',
            b'private, no-cache="open, max-age=3',
            b'private, no-cache="open, max-age=3, no-store',
        ),
        (b"max-age=60 ,, public", b"private, max-age=60", b"private, no-store"),
    ],
    ids=["quoted-list", "quoted-reuse-name", "escaped-quote", "left-open", "plain"],
)
def test_quoted_directives_are_kept_whole(value: bytes, private: bytes, rewritten: bytes) -> None:
    made = make_private([(b"cache-control", value)])
    assert made == [(b"cache-control", private)]
    assert asked_each_time(made) == [(b"cache-control", rewritten)]


def test_directives_are_read_in_one_pass_whatever_the_quotes() -> None:
    value = b'no-cache="' + b'\\"' * 50_000 + b'", ' + b"a," * 50_000
    ((_, made),) = make_private([(b"cache-control", value)])
    assert made.count(b", a") == 50_000 and made.startswith(b'private, no-cache="\\"')
