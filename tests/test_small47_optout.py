"""small47: ``X-Omotenashi: off`` opts a response out on any of its lines and as any element
of a comma-separated list (any case, trimmed), whatever else the header says; ``on`` alone,
or a value that only contains "off", does not."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from omotenashi import Omotenashi, Settings
from omotenashi.engine.pagehttp import can_personalise
from tests.conftest import client_for, page_app
from tests.test_proxy_upstream import RULES

pytestmark = pytest.mark.anyio
HTML = (b"content-type", b"text/html; charset=utf-8")
PAGE = '<!doctype html><html><body><h1 data-omo-slot="hero">Hello</h1></body></html>'


@pytest.mark.parametrize(
    ("lines", "taken"),
    [
        ([], True),
        ([b"on"], True),
        ([b"off"], False),
        ([b" OFF\t"], False),
        ([b"on", b"off"], False),  # the second line
        ([b"on, off"], False),  # a list element
        ([b"on,Off "], False),
        ([b"off", b"on"], False),
        ([b"offline"], True),  # not the word
        ([b'"off"'], True),  # quoted: not the token
        ([b"on", b"on"], True),
    ],
)
def test_any_line_or_element_off_opts_out(lines: list[bytes], taken: bool) -> None:
    headers = [HTML, *((b"X-Omotenashi", line) for line in lines)]
    assert can_personalise("GET", 200, headers) is taken


@pytest.mark.parametrize(
    ("lines", "rules"),
    [
        ([(b"x-omotenashi", b"on")], "welcome-back"),
        ([(b"x-omotenashi", b"on"), (b"X-Omotenashi", b"off")], None),
        ([(b"x-omotenashi", b"on, off")], None),
    ],
)
async def test_the_middleware_leaves_an_opted_out_page_as_it_came(
    make_settings: Callable[..., Settings], lines: list[tuple[bytes, bytes]], rules: str | None
) -> None:
    app = page_app(PAGE, headers=lines)
    async with client_for(Omotenashi(app, settings=make_settings(RULES))) as client:
        for _ in range(2):  # the second view would be personalised
            got = await client.get("/")
    assert got.headers.get("x-omotenashi-rules") == rules
    assert ("Welcome back" in got.text) is (rules is not None)
    if rules is None:
        assert got.text == PAGE
