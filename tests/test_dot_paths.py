"""A path with ``.`` or ``..`` segments (never sent by a browser; a proxy's origin resolves
them) cannot be judged against the excluded and untracked paths: it goes to the app untouched,
so `/x/../admin/` is no way round `OMOTENASHI_EXCLUDE_PATHS`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import redis

from omotenashi import Omotenashi, Settings

from .conftest import asgi_get, page_app

Make = Callable[..., Settings]
PAGE = '<html><body><div data-omo-slot="hero">Default</div></body></html>'
RULES = 'rules:\n  - {id: hi, slot: hero, text: "Hello", why: "shown to everyone"}\n'


async def get(mw: Omotenashi, path: str) -> list[dict[str, Any]]:
    sent = await asgi_get(mw, path)
    await mw.drain()
    return sent


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("path", "personalised"),
    [
        ("/tours/page", True),  # the control: an ordinary page is personalised
        ("/admin/page", False),  # excluded by default
        ("/x/../admin/page", False),  # where it leads is the origin's to resolve
        ("/tours/./page", False),
        ("/tours/..", False),
        ("/a.b/..c/.d", True),  # dots inside names are no dot segments
    ],
)
async def test_a_path_with_dot_segments_goes_to_the_app_untouched(
    make_settings: Make, omotenashi_redis: redis.Redis, path: str, personalised: bool
) -> None:
    mw = Omotenashi(page_app(PAGE), settings=make_settings(RULES))
    await mw.startup()
    try:
        sent = await get(mw, path)
    finally:
        await mw.shutdown()
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    cookies = [v for k, v in sent[0]["headers"] if k.lower() == b"set-cookie"]
    assert (b'data-omo-rule="hi"' in body) is personalised
    assert bool(cookies) is personalised  # untouched: not even a visitor cookie
    if not personalised:
        assert body == PAGE.encode() and omotenashi_redis.keys("omo:*") == []
