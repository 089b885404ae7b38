"""A page with ``<base href>`` through the reverse proxy: where the visitor's browser sends the
*i*'s Dismiss form and the preferences links Omotenashi puts on it.

A browser resolves every relative address of the page, ``/_omotenashi/preferences`` included,
against ``<base href>``: on a page whose base names another host (a CDN, or the site's own
name on http:// behind an https:// edge), the Dismiss form posts the visitor's CSRF token and
rule to that host, and "Your choices" opens there. The middleware writes them absolute, for
the host and scheme the browser asked for, on such a page (base47: engine/html/base.py,
engine/disclosure.py ``reach``).
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from omotenashi import Settings
from omotenashi.proxy import proxy_app

from .live_server import serving
from .test_base_href_middleware import RULES

pytestmark = pytest.mark.anyio


class Addresses(HTMLParser):
    """The page's ``<base href>`` and every link's and form's address."""

    def __init__(self) -> None:
        super().__init__()
        self.base: str | None = None
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "base" and self.base is None and values.get("href"):
            self.base = values["href"]
        elif tag == "a" and values.get("href"):
            self.found.append(values["href"] or "")
        elif tag == "form":
            self.found.append(values.get("action") or "")


def origin(base: str) -> Starlette:
    async def page(request: Request) -> Response:
        return HTMLResponse(
            f'<!doctype html><html><head><base href="{base}"><title>Inn</title></head>'
            '<body><h1 data-omo-slot="hero">Hello</h1><img src="logo.png"></body></html>'
        )

    return Starlette(routes=[Route("/rooms/", page)])


@pytest.mark.parametrize(
    "base",
    [
        "https://cdn.example/site/",  # assets from a CDN: the page's relative links go there
        "//cdn.example/",
    ],
)
async def test_the_dismiss_form_and_choices_links_reach_the_proxy_whatever_the_base(
    make_settings: Any, base: str
) -> None:
    settings: Settings = make_settings(RULES, respect={"disclosure": True})
    async with serving(origin(base)) as origin_url:
        async with serving(proxy_app(origin_url, settings=settings)) as url:
            async with httpx.AsyncClient(base_url=url) as client:
                for _ in range(2):  # the second view is personalised
                    page = await client.get("/rooms/", headers={"accept": "text/html"})
    assert page.headers["x-omotenashi-rules"] == "welcome-back"
    parsed = Addresses()
    parsed.feed(page.text)
    here = f"{url}/rooms/"
    resolved = [urljoin(urljoin(here, parsed.base or ""), a) for a in parsed.found]
    ours = [a for a in resolved if "/_omotenashi/" in a]
    assert ours, resolved  # the Dismiss form and the links to the visitor's choices
    proxy = urlsplit(url)
    assert [(urlsplit(a).scheme, urlsplit(a).netloc) for a in ours] == [
        (proxy.scheme, proxy.netloc)
    ] * len(ours)
