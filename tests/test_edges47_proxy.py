"""Through the proxy, only a request whose page Omotenashi may personalise loses its
validators (the middleware takes them off): a page on an excluded or untracked path, or a
bot's, keeps ``If-None-Match`` and its ``Accept-Encoding``, and gets the origin's 304."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from omotenashi import Settings
from omotenashi.proxy import proxy_app

from .live_server import serving

pytestmark = pytest.mark.anyio

PAGE = '<!doctype html><html><body><h1 data-omo-slot="hero">Hello</h1></body></html>'
BROWSER = {
    "accept": "text/html,application/xhtml+xml,*/*;q=0.8",
    "accept-encoding": "gzip, br",
    "sec-fetch-dest": "document",
    "if-none-match": '"v1"',
}
BOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def origin() -> Any:
    """Every path: the page with ETag "v1", or 304 to a request that names it; what it was
    asked for in ``X-Seen-Encoding``."""

    async def page(request: Request) -> Response:
        seen = {"x-seen-encoding": request.headers.get("accept-encoding", "-"), "etag": '"v1"'}
        if request.headers.get("if-none-match") == '"v1"':
            return Response(status_code=304, headers=seen)
        return HTMLResponse(PAGE, headers=seen)

    return Starlette(routes=[Route("/{path:path}", page)])


@pytest.mark.parametrize(
    ("path", "headers", "status", "encoding"),
    [
        ("/page", {}, 200, "gzip"),  # may be personalised: whole, in a coding we rewrite
        ("/files/guide.html", {}, 304, "gzip, br"),  # excluded
        ("/signin", {}, 304, "gzip, br"),  # untracked
        ("/page", {"user-agent": BOT}, 304, "gzip, br"),  # a bot gets the page as it is
    ],
    ids=["page", "excluded", "untracked", "bot"],
)
async def test_only_a_page_omotenashi_may_personalise_loses_its_validators(
    make_settings: Callable[..., Settings],
    path: str,
    headers: dict[str, str],
    status: int,
    encoding: str,
) -> None:
    settings = make_settings(exclude_paths=["/files/*"], untracked_paths=["/signin"])
    async with (
        serving(origin()) as origin_url,
        serving(proxy_app(origin_url, settings=settings)) as url,
    ):
        async with httpx.AsyncClient(base_url=url) as client:
            response = await client.get(path, headers={**BROWSER, **headers})
    assert response.status_code == status
    assert response.headers["x-seen-encoding"] == encoding
    assert ("etag" in response.headers) is (status == 304)
