"""A HEAD of a page is asked of the app (or the proxy's origin) as its GET is, so that its
headers are the GET's (RFC 9110 9.3.2): no 304 where the GET gets the page, and the coding
the GET is asked for."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from omotenashi import Settings
from omotenashi.proxy import proxy_app

from .live_server import serving
from .test_edges47_proxy import BROWSER, origin

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("path", "asked_as_get"),
    [("/page", True), ("/files/guide.html", False)],
    ids=["page", "excluded"],
)
async def test_a_head_of_a_page_gets_the_headers_its_get_gets(
    make_settings: Callable[..., Settings], path: str, asked_as_get: bool
) -> None:
    settings = make_settings(exclude_paths=["/files/*"])
    async with (
        serving(origin()) as origin_url,
        serving(proxy_app(origin_url, settings=settings)) as url,
        httpx.AsyncClient(base_url=url) as client,
    ):
        get = await client.get(path, headers=BROWSER)
        head = await client.head(path, headers=BROWSER)
    assert head.status_code == get.status_code == (200 if asked_as_get else 304)
    for name in ("x-seen-encoding", "etag", "vary", "content-encoding"):
        assert head.headers.get(name) == get.headers.get(name), name
    # a HEAD cannot know whether its GET would be rewritten: it says what a rewritten one does
    # (no-store, qa50), the stricter; a GET no rule changed keeps the app's freshness
    said = (get.headers.get("cache-control"), head.headers.get("cache-control"))
    assert said == (("private", "private, no-store") if asked_as_get else (None, None))
