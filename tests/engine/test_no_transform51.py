"""proxy51: a page the app (or the proxy's origin) sends with ``Cache-Control: no-transform``
asks that nothing on the way change its body (RFC 9111 5.2.2.6): it passes untouched, as with
``X-Omotenashi: off``. Before, it was personalised, and the header, kept, said it was not."""

from __future__ import annotations

import pytest

from omotenashi.engine.pagehttp import can_personalise

HTML = (b"content-type", b"text/html; charset=utf-8")


@pytest.mark.parametrize(
    ("lines", "personalised"),
    [
        ([b"no-transform"], False),
        ([b"private, No-Transform, max-age=0"], False),
        ([b"max-age=60", b"no-transform"], False),  # (a second line)
        ([b'no-cache="x-no-transform"'], True),  # (inside a quoted value: no directive)
        ([b"no-transformer"], True),
        ([b"max-age=60"], True),
        ([], True),
    ],
    ids=["alone", "among", "second-line", "quoted", "longer-name", "other", "none"],
)
def test_a_page_sent_with_no_transform_is_left_as_it_is(
    lines: list[bytes], personalised: bool
) -> None:
    headers = [HTML, *((b"cache-control", v) for v in lines)]
    assert can_personalise("GET", 200, headers) is personalised
