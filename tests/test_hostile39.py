"""A request path is read to a bound (hostile input): nothing else bounded it, and each rule
that names paths matched its glob against the whole path, so that with 200 such rules a 1 MB
path (uvicorn with httptools takes any length) held the event loop 1.1 s, 128 KB 127 ms. A
path over LONGEST_PATH characters goes to the app untouched and unread, as an excluded one.
Against a real Redis; the work is counted in characters handed to the rules' path globs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import redis

from omotenashi import Omotenashi, Settings
from omotenashi.asgi.middleware import LONGEST_PATH
from omotenashi.engine import ruleindex

from .conftest import asgi_get, page_app

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]
PAGE = '<html><body><div data-omo-slot="hero">Default</div></body></html>'
RULES = "rules:\n" + "".join(
    f"  - {{id: r{i}, slot: hero, text: 'Hello', why: 'On this page.', "
    f"when: {{path: ['/tours/*', '*/x{i}/*']}}}}\n"
    for i in range(20)
)


def long_path(unit: str, length: int) -> str:
    """A path of ``length`` characters: ``/tours/`` and ``unit`` again and again."""
    head = "/tours/"
    return (head + unit * length)[:length]


@pytest.mark.parametrize(
    ("unit", "length", "personalised"),
    [
        ("a", 64, True),  # the control: an ordinary path
        ("a", LONGEST_PATH, True),
        ("a", LONGEST_PATH + 1, False),
        ("a", 16 * LONGEST_PATH, False),
        ("%41", LONGEST_PATH, True),  # percent-encoded names: the excluded paths decode them
        ("%41", 16 * LONGEST_PATH, False),
        ("a/", LONGEST_PATH, True),  # many segments
        ("a/", 16 * LONGEST_PATH, False),
    ],
)
async def test_a_path_over_the_bound_goes_to_the_app_unread(
    make_settings: Make,
    omotenashi_redis: redis.Redis,
    monkeypatch: pytest.MonkeyPatch,
    unit: str,
    length: int,
    personalised: bool,
) -> None:
    read: list[int] = []  # characters of paths handed to the rules' path globs
    on = ruleindex.Gate.on

    def counted(self: ruleindex.Gate, path: str) -> bool:
        read.append(len(path) * len(self.paths))
        return on(self, path)

    monkeypatch.setattr(ruleindex.Gate, "on", counted)
    mw = Omotenashi(page_app(PAGE), settings=make_settings(RULES))
    await mw.startup()
    try:
        sent: list[dict[str, Any]] = await asgi_get(mw, long_path(unit, length))
        await mw.drain()
    finally:
        await mw.shutdown()
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    cookies = [v for k, v in sent[0]["headers"] if k.lower() == b"set-cookie"]
    assert (b'data-omo-rule="r0"' in body) is personalised
    assert bool(cookies) is personalised
    assert 0 < sum(read) <= 20 * 2 * LONGEST_PATH if personalised else read == []
    if not personalised:  # untouched: the app's page, no visitor, nothing stored
        assert body == PAGE.encode() and omotenashi_redis.keys("omo:*") == []
