"""consent50: consent lives in each browser's cookie. A person signed in on two devices who
withdraws on one is told it holds for that device, and that the other, where they gave
consent, still adds to their account (its next page wrote the account's profile again while
this device's preferences page said "we keep nothing about you")."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
import redis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from omotenashi import Omotenashi, Settings, consent, identify
from omotenashi.identity.cookie import user_profile_id
from omotenashi.testing import Written

from ..conftest import client_for, page_words

pytestmark = pytest.mark.anyio
UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0"
PAGE = '<!doctype html><html><body><p data-omo-slot="hero">Default</p></body></html>'
RULES = """
rules:
  - {id: back, slot: hero, text: "Welcome back", when: {visits: {at_least: 2}}, why: "Back."}
"""


def shop() -> Starlette:
    async def page(request: Request) -> Response:
        return HTMLResponse(PAGE)

    async def accept(request: Request) -> Response:
        await consent(request, True)
        return RedirectResponse("/", status_code=303)

    async def decline(request: Request) -> Response:
        await consent(request, False)
        return RedirectResponse("/", status_code=303)

    async def login(request: Request) -> Response:
        await identify(request, "alice")
        return RedirectResponse("/", status_code=303)

    routes = [Route("/", page), Route("/tours", page)]
    routes += [
        Route(p, f, methods=["POST"])
        for p, f in (("/accept", accept), ("/decline", decline), ("/login", login))
    ]
    return Starlette(routes=routes)


async def test_a_withdrawal_on_one_device_is_said_to_hold_for_that_device(
    make_settings: Callable[..., Settings], omotenashi_redis: redis.Redis
) -> None:
    settings = make_settings(RULES, respect={"consent_required": True})
    mw = Omotenashi(shop(), settings=settings)
    alice = user_profile_id(mw.signer.user_salt, "alice")
    async with client_for(mw, headers={"user-agent": UA}) as a:
        b: Any = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=Written(mw)), base_url="http://shop.test",
            headers={"user-agent": UA},
        )  # fmt: skip
        async with b:
            for device in (a, b):
                await device.post("/accept")
                await device.post("/login")
            await a.get("/tours")
            await b.post("/decline")  # the account's profile erased ...
            await a.get("/tours")  # ... and written again by A, where consent holds
            said = page_words((await b.get("/_omotenashi/preferences")).text)
    assert omotenashi_redis.exists(f"omo:{{{alice}}}:p2")
    assert "You have withdrawn your consent on this device" in said
    assert "one where you gave consent still adds to your account: withdraw there too" in said
