"""http50: a body's coding is what every ``Content-Encoding`` line says, joined as proxies join
them; only the first line was read, so ``identity`` then ``gzip`` had gzip bytes read as a
latin-1 page (marked private and counted as a page view)."""

from __future__ import annotations

import pytest

from omotenashi.engine.pagehttp import can_personalise, coding_of, is_gzip

HTML = (b"content-type", b"text/html; charset=utf-8")


@pytest.mark.parametrize(
    ("lines", "coding"),
    [
        ([], b"identity"),
        ([b"identity"], b"identity"),
        ([b" GZIP "], b"gzip"),
        ([b"identity", b"gzip"], b"gzip"),
        ([b"gzip, identity"], b"gzip"),
        ([b"identity", b"br"], None),
        ([b"gzip", b"gzip"], None),  # twice: a chain
        ([b"gzip, br"], None),
        ([b"deflate"], None),
        ([b"x-unknown"], None),
        ([b"", b" , "], b"identity"),
    ],
)
def test_every_content_encoding_line_counts(lines: list[bytes], coding: bytes | None) -> None:
    headers = [HTML, *((b"Content-Encoding", line) for line in lines)]
    assert coding_of(headers) == coding
    assert is_gzip(headers) is (coding == b"gzip")
    assert can_personalise("GET", 200, headers) is (coding is not None)
