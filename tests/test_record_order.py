"""A browser that follows a redirect at once sees what the request before it tracked: the
record is queued before the response's last byte goes out (over real sockets, not in-process)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from omotenashi import Omotenashi, Settings, track

from .live_server import serving

pytestmark = pytest.mark.anyio

RULES = """
rules:
  - id: member
    slot: hero
    text: Welcome, member
    when: {event: {join_club: {at_least: 1}}}
    why: "You joined our club."
  - id: late
    slot: note
    text: Thanks for the survey
    when: {event: {survey: {at_least: 1}}}
    why: "You answered our survey."
"""
PAGE = '<!doctype html><h1 data-omo-slot="hero">Hello</h1><p data-omo-slot="note">-</p>'


def shop() -> Starlette:
    async def home(request: Request) -> Response:
        return HTMLResponse(PAGE)

    async def join(request: Request) -> Response:
        await track(request, "join_club")
        return RedirectResponse("/", status_code=303)

    async def survey(request: Request) -> Response:
        async def later() -> None:  # tracked after the response has gone
            await track(request, "survey")

        return Response(status_code=204, background=BackgroundTask(later))

    return Starlette(
        routes=[
            Route("/", home),
            Route("/join", join, methods=["POST"]),
            Route("/survey", survey, methods=["POST"]),
        ]
    )


async def test_a_redirect_followed_at_once_sees_the_event_tracked_before_it(
    make_settings: Callable[..., Settings],
) -> None:
    mw = Omotenashi(shop(), settings=make_settings(rules=RULES))
    async with serving(mw) as url:
        for _ in range(10):  # ten visitors, each following the redirect at once
            async with httpx.AsyncClient(base_url=url, follow_redirects=True) as client:
                await client.get("/")
                page = await client.post("/join")
                assert ">Welcome, member<" in page.text


async def test_events_tracked_after_the_response_are_recorded_too(
    make_settings: Callable[..., Settings],
) -> None:
    mw = Omotenashi(shop(), settings=make_settings(rules=RULES))
    seen: list[Any] = []
    async with serving(mw) as url, httpx.AsyncClient(base_url=url) as client:
        await client.get("/")
        assert (await client.post("/survey")).status_code == 204
        for _ in range(200):  # the background task runs after the response
            page = await client.get("/")
            seen.append(">Thanks for the survey<" in page.text)
            if seen[-1]:
                break
    assert seen[-1]
