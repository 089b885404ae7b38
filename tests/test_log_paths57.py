"""obs57 P3s: a log line names a request's path at most 200 characters long, and an outsider's
control characters in it (a line end, a terminal's escape) cannot make a line of their own or
clear an operator's screen."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from omotenashi import Omotenashi, Settings
from omotenashi.quiet import named

from .conftest import client_for, page_app

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("scope", "said"),
    [
        ({"path": "/a\n2026 omotenashi: forged\x1b[2J"}, "/a\\n2026 omotenashi: forged\\x1b[2J"),
        ({"raw_path": b"/a\r\n\x7f"}, "/a\\r\\n\\x7f"),
        ({"raw_path": b"/caf\xc3\xa9?q=secret"}, "/caf\xc3\xa9"),  # (printable: as it was)
        ({"path": "/x" * 500}, ("/x" * 100)),
    ],
)
def test_a_path_in_a_log_line_is_one_line_and_short(scope: dict[str, object], said: str) -> None:
    line = named(scope)
    assert line == said
    assert line.isprintable()


async def test_a_page_fetched_ahead_is_named_short(
    make_settings: Callable[..., Settings], caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings(respect={"count_prefetch": False})
    mw = Omotenashi(page_app("<p>hello</p>"), settings=settings)
    path = "/" + "p" * 6000
    with caplog.at_level(logging.DEBUG, logger="omotenashi"):
        async with client_for(mw) as client:
            got = await client.get(path, headers={"sec-purpose": "prefetch"})
    assert got.status_code == 200
    lines = [r.getMessage() for r in caplog.records if "fetched ahead" in r.getMessage()]
    assert lines, "the prefetch is said at DEBUG"
    assert all(len(line) < 300 for line in lines), [len(line) for line in lines]
