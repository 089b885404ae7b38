"""A visitor id the site revoked stays revoked whatever the browser does: its own erase and a
withdrawal of consent (then consent again) keep the id rather than give the browser a new,
unrevoked one; and a bot's choice forms are refused, as no choice is kept for a bot."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from omotenashi import Omotenashi, Settings, consent, get_visitor, revoke
from omotenashi.identity.cookie import Identity

from .conftest import client_for

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]
PAGE = '<!doctype html><html><body><div data-omo-slot="hero">Default</div></body></html>'
RULES = """
rules:
  - {id: hello, slot: hero, text: "Hello", why: "A greeting for everyone."}
"""
PREFS = "/_omotenashi/preferences"
HUMAN = {"user-agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0", "accept": "text/html"}
BOT = {**HUMAN, "user-agent": "Mozilla/5.0 (compatible; Googlebot/2.1)"}
SAME_SITE = {"origin": "http://shop.test"}


def shop() -> Starlette:
    async def page(request: Request) -> Response:
        return HTMLResponse(PAGE)

    async def revoke_me(request: Request) -> Response:
        visitor = get_visitor(request)
        assert visitor is not None
        await revoke(request, visitor_id=visitor.id)
        return PlainTextResponse("ok")

    async def agree(request: Request) -> Response:
        await consent(request, request.query_params["say"] == "yes")
        return PlainTextResponse("ok")

    async def me(request: Request) -> Response:
        visitor = get_visitor(request)
        assert visitor is not None
        await visitor.loaded()  # (a revoked id is known once its read is back)
        return JSONResponse({"id": visitor.id, "privacy": visitor.privacy})

    return Starlette(
        routes=[
            Route("/", page),
            Route("/revoke-me", revoke_me, methods=["POST"]),
            Route("/consent", agree, methods=["POST"]),
            Route("/me", me),
        ]
    )


async def token(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    page = (await client.get(PREFS, headers=headers)).text
    return page.split('name="csrf" value="')[1].split('"')[0]


async def test_a_revoked_visitor_s_own_erase_keeps_the_id_revoked(make_settings: Make) -> None:
    # (privacy62: the erase gave a new id, nothing revoked under it: pages personalised and
    # recorded again)
    mw = Omotenashi(shop(), settings=make_settings(RULES))
    async with client_for(mw) as client:
        await client.get("/", headers=HUMAN)
        form = {"csrf": await token(client, HUMAN), "action": "erase", "confirm": "yes"}
        await client.post("/revoke-me")
        erased = await client.post(PREFS, data=form, headers={**HUMAN, **SAME_SITE})
        await client.get("/", headers=HUMAN)
        me = (await client.get("/me")).json()
    assert erased.status_code == 303 and "erased=1" in erased.headers["location"]
    assert me["privacy"] == "revoked"


@pytest.mark.parametrize("gpc", [False, True])
async def test_a_revoked_visitor_s_withdrawal_then_consent_keeps_the_id_revoked(
    make_settings: Make, gpc: bool
) -> None:
    # (privacy62: withdrawn gave a new unlinked id; consent again, then a new profile; last62:
    # under GPC, whose visitor's profile is never read, so too)
    mw = Omotenashi(shop(), settings=make_settings(RULES))
    async with client_for(mw) as client:
        await client.get("/", headers=HUMAN)
        first = (await client.get("/me")).json()["id"]
        await client.post("/revoke-me")
        await client.post("/consent?say=no", headers={"sec-gpc": "1"} if gpc else {})
        await client.post("/consent?say=yes")
        await client.get("/", headers=HUMAN)
        me = (await client.get("/me")).json()
    assert me == {"id": first, "privacy": "revoked"}


@pytest.mark.parametrize("action", ["reset", "erase", "save"])
async def test_a_bot_s_choice_forms_are_refused(make_settings: Make, action: str) -> None:
    # (privacy62: a bot's "Start afresh" with our cookie was done: profile deleted, a cookie)
    mw = Omotenashi(shop(), settings=make_settings(RULES))
    async with client_for(mw) as client:
        await client.get("/", headers=HUMAN)
        form = {"csrf": await token(client, HUMAN), "action": action, "confirm": "yes"}
        answer = await client.post(PREFS, data=form, headers={**BOT, **SAME_SITE})
        me = (await client.get("/me", headers=HUMAN)).json()
    assert answer.status_code == 403 and "set-cookie" not in answer.headers
    assert "automated visitors are never personalised" in answer.text
    assert me["privacy"] == ""


async def test_a_withdrawal_while_redis_fails_gives_a_new_id(make_settings: Make) -> None:
    # (last62b: not known to be revoked, the id was kept, and the profile its failed erase
    # left came back with consent given again)
    down = {"url": "redis://127.0.0.1:9/0", "read_timeout": 0.2, "write_timeout": 0.2}
    mw = Omotenashi(shop(), settings=make_settings(RULES, redis=down))
    theirs = Identity("ab" * 16, False, 0.0)
    async with client_for(mw) as client:
        sent = {"cookie": f"omo_vid={mw.signer.sign(theirs)}"}
        answer = await client.post("/consent?say=no", headers=sent)
    given = answer.headers["set-cookie"].split(";")[0].removeprefix("omo_vid=")
    now = mw.signer.read(given)
    assert now is not None and now.vid != theirs.vid
