"""journey51: a returning visitor whose first request of a new visit is an event (an e-mailed
"add to cart" link, a payment's return to a handler that tracks the purchase) starts that visit
as a page would: before, the event moved their last time seen, so the page right after it
continued a visit of two months before (visits not counted, no "away" days, no decay, the
once-a-visit tip still spent)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse
from starlette.routing import Route

from omotenashi import Omotenashi, Settings, track

from .conftest import client_for
from .test_clock_skew import clock

__all__ = ["clock"]
pytestmark = pytest.mark.anyio
PAGE = (
    '<!doctype html><html><body><div data-omo-slot="a">DA</div>'
    '<div data-omo-slot="b">DB</div></body></html>'
)
JOURNEY = """
transitions:
  - {to: consideration, on: add_to_cart}
decay:
  - {from: [consideration], to: interest, when: {absent_days: {at_least: 30}}}
"""
RULES = """
rules:
  - id: welcome
    slot: a
    text: "Welcome back"
    when: {absent_days: {at_least: 7}}
    why: "You have been away a while."
  - {id: tip, slot: b, text: "Tip of the visit", cap: {views: 1, per: visit}, why: "Once a visit."}
"""
HTML = {"accept": "text/html"}


def shop() -> Starlette:
    async def page(request: Request) -> HTMLResponse:
        return HTMLResponse(PAGE)

    async def add(request: Request) -> RedirectResponse:  # a link that adds, then the cart
        await track(request, "add_to_cart", {"item": "kyoto"})
        return RedirectResponse("/", status_code=303)

    return Starlette(routes=[Route("/", page), Route("/add", add)])


@pytest.mark.parametrize("first", ["page", "event"])
async def test_a_visit_starts_with_its_first_request_a_page_or_an_event(
    make_settings: Callable[..., Settings], clock: list[float], first: str
) -> None:
    mw = Omotenashi(shop(), settings=make_settings(RULES, journey=JOURNEY))
    async with client_for(mw) as browser:
        await browser.get("/add", headers=HTML, follow_redirects=True)  # visit 1
        await mw.drain()
        clock[0] += 60 * 86400  # two months on
        back = await browser.get("/add" if first == "event" else "/", headers=HTML)
        page = await browser.get("/", headers=HTML) if first == "event" else back
        await mw.drain()
        export = json.loads((await browser.get("/_omotenashi/preferences/export")).content)
    profile = export["profile"]
    assert profile["visits"] == 2
    assert profile["days_away_before_this_visit"] == pytest.approx(60, abs=0.1)
    assert profile["stage"] == ("consideration" if first == "event" else "interest")
    assert re.findall(r'data-omo-rule="(\w+)"', page.text) == ["welcome", "tip"]
