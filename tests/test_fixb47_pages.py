"""fixb47: Chromium reads Content-Type values Fetch finds invalid (the type ends at a space,
``(`` or ``"`` there): ``text/html`` then ``text/plain (x)`` is shown as text. Where the values
are not all the first one's type (trimmed), the response passes untouched: a missed page is
safe, a text file rewritten as HTML is not (each checked in Chromium 156)."""

from __future__ import annotations

import pytest

from omotenashi.engine.pagehttp import can_personalise


@pytest.mark.parametrize(
    ("lines", "page"),
    [
        ([b"text/html", b"text/plain (x)"], False),  # Chromium: text/plain
        ([b"text/html", b"text/plain x"], False),
        ([b"text/html", b"text/plain(x)"], False),
        ([b"text/html", b'text/plain"x"'], False),
        ([b"text/html", b"application/json (x)"], False),  # Chromium: application/json
        ([b"text/html", b"text/plain;charset=utf-8(x)"], False),
        ([b"text/html, text/plain (x)"], False),  # one line, two values
        ([b"text/html", b"text/html (x)"], False),  # not the same, trimmed: not guessed
        ([b"text/html", b"\tText/HTML "], True),  # the same type, trimmed
        ([b"text/html; charset=utf-8", b"text/html;charset=utf-8"], True),
    ],
)
def test_a_second_content_type_chromium_reads_otherwise_passes_untouched(
    lines: list[bytes], page: bool
) -> None:
    headers = [(b"content-type", line) for line in lines]
    assert can_personalise("GET", 200, headers) is page
