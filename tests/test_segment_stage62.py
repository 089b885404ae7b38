"""A journey group defined by stage follows the stage the request ends in: on the page where a
decay moves a member back, the group of the stage left behind no longer holds (journey62: its
block showed, "Because: You are in our group 'visitors at our loyalty stage'"), and on the page
where an event moves them into it, it holds."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import redis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from omotenashi import Omotenashi, Settings, track
from tests.conftest import client_for
from tests.keysizes import ago

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]
PAGE = (
    '<!doctype html><html><body><div data-omo-slot="hero">Default hero</div>'
    '<p data-omo-slot="tagline">T</p></body></html>'
)
RULES = """
rules:
  - {id: loyal-hero, slot: hero, text: "LOYAL", why: "For loyal ones.", when: {segment: loyal}}
  - id: stage-tag
    slot: tagline
    text: "STAGE {{ visitor.stage }} GROUPS {{ visitor.segments|join(',') }}."
    why: Everyone.
"""
JOURNEY = """
transitions:
  - {to: loyalty, on: join_club}
decay:
  - {from: [loyalty], to: interest, when: {absent_days: {at_least: 30}}}
segments:
  loyal: {stage: loyalty}
segment_words:
  loyal: "visitors at our loyalty stage"
"""


def site(make_settings: Make) -> Omotenashi:
    async def page(request: Request) -> Response:
        return HTMLResponse(PAGE)

    async def join(request: Request) -> Response:
        await track(request, "join_club")
        return HTMLResponse(PAGE)

    routes = [Route("/", page), Route("/club", join)]
    settings = make_settings(RULES, journey=JOURNEY, respect={"fresh_share": 0.0})
    return Omotenashi(Starlette(routes=routes), settings=settings)


async def test_a_group_by_stage_follows_the_stage_on_the_request_that_moves_it(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    async with client_for(site(make_settings)) as client:
        await client.get("/")
        joined = await client.get("/club")  # moved to loyalty on this request
        assert "STAGE loyalty GROUPS loyal." in joined.text and "LOYAL" in joined.text
        [key] = omotenashi_redis.keys("omo:*:p2")
        omotenashi_redis.hset(key, "L", ago(omotenashi_redis, key, 40 * 86400))
        back = await client.get("/")  # a new visit 40 days on: decayed to interest
    assert "STAGE interest GROUPS ." in back.text
    assert "LOYAL" not in back.text and "loyalty stage" not in back.text
