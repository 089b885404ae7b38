"""One browser, several people: what a sign-out or a switch of user leaves to the next person,
and a sign-in or sign-out the browser never hears of (after the response). Real Redis."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse
from starlette.routing import Route

from omotenashi import (
    Omotenashi,
    Settings,
    consent,
    forget,
    get_visitor,
    identify,
    remember,
    track,
)

from .conftest import client_for

pytestmark = [pytest.mark.anyio, pytest.mark.security, pytest.mark.usefixtures("omotenashi_redis")]
PAGE = (
    '<!doctype html><html><head><meta name="omotenashi:topics" content="tours"></head><body>'
    '<div data-omo-slot="hero">Default hero</div></body></html>'
)
RULES = """
rules:
  - id: named
    slot: hero
    text: "Welcome back, friend"
    when: {attr: {first_name: {exists: true}}}
    why: "You told us your name."
"""


def shop() -> Starlette:
    async def page(request: Request) -> HTMLResponse:
        return HTMLResponse(PAGE)

    async def login(request: Request) -> RedirectResponse:
        user: Any = request.path_params["user"]
        await identify(request, int(user) if user.isdigit() else user)
        return RedirectResponse("/", status_code=303)

    async def logout(request: Request) -> RedirectResponse:
        # what an app that keeps the user's attributes up to date on each request does
        await remember(request, first_name="Aiko")
        await track(request, "add_to_cart", {"item": "aikos-gift"})
        await forget(request)
        return RedirectResponse("/", status_code=303)

    async def switch(request: Request) -> RedirectResponse:  # Aiko's still, then Ben signs in
        await remember(request, first_name="Aiko")
        await track(request, "add_to_cart", {"item": "aikos-gift"})
        await identify(request, "ben")
        return RedirectResponse("/", status_code=303)

    async def later(request: Request) -> PlainTextResponse:
        call = request.path_params["call"]

        async def after() -> None:
            if call in ("consent", "withdraw"):
                await consent(request, call == "consent")
            else:
                await (forget(request) if call == "forget" else identify(request, "aiko"))

        return PlainTextResponse("ok", background=BackgroundTask(after))

    async def me(request: Request) -> PlainTextResponse:
        visitor = get_visitor(request)
        assert visitor is not None
        profile = await visitor.loaded()
        return PlainTextResponse(json.dumps({"id": visitor.id, **profile.to_export()}))

    return Starlette(
        routes=[
            Route("/", page),
            Route("/login/{user}", login, methods=["POST"]),
            Route("/logout", logout, methods=["POST"]),
            Route("/switch", switch, methods=["POST"]),
            Route("/later/{call}", later, methods=["POST"]),
            Route("/me", me),
        ]
    )


async def me(client: httpx.AsyncClient) -> dict[str, Any]:
    return dict(json.loads((await client.get("/me")).text))


def site(make_settings: Callable[..., Settings]) -> Omotenashi:
    return Omotenashi(shop(), settings=make_settings(RULES))


async def test_what_the_sign_out_request_tracked_is_not_left_to_the_next_person(
    make_settings: Callable[..., Settings],
) -> None:
    mw = site(make_settings)
    async with client_for(mw) as browser:
        await browser.post("/login/aiko")
        await browser.post("/logout")
        await mw.drain()
        assert "Welcome back" not in (await browser.get("/")).text  # Aiko's name: not here
        anonymous = await me(browser)
        assert (anonymous["attributes"], anonymous["cart"]) == ({}, {})
        await browser.post("/login/ben")  # the next person signs in: nothing of Aiko's joins
        await mw.drain()
        ben = await me(browser)
        assert (ben["attributes"], ben["cart"]) == ({}, {})


async def test_a_switch_of_user_does_not_give_the_new_user_what_was_the_others(
    make_settings: Callable[..., Settings],
) -> None:
    mw = site(make_settings)
    async with client_for(mw) as browser:
        await browser.post("/login/aiko")
        await browser.post("/switch")
        await mw.drain()
        ben = await me(browser)
        assert ben["id"].startswith("u") and ben["merged_ids"] == []  # Ben's, nothing merged
        assert (ben["attributes"], ben["cart"]) == ({}, {})
        assert "Welcome back" not in (await browser.get("/")).text


@pytest.mark.parametrize("call", ["forget", "identify", "consent"])
async def test_a_sign_in_or_out_after_the_response_changes_nothing_and_says_so(
    make_settings: Callable[..., Settings], caplog: pytest.LogCaptureFixture, call: str
) -> None:
    mw = site(make_settings)
    async with client_for(mw) as browser:
        if call == "forget":
            await browser.post("/login/aiko")
        await browser.get("/")
        await mw.drain()
        before = await me(browser)
        with caplog.at_level(logging.WARNING, logger="omotenashi"):
            answer = await browser.post(f"/later/{call}")
            await mw.drain()
        assert "set-cookie" not in answer.headers
        assert f"{call} was called after the response" in caplog.text
        after = await me(browser)  # the same profile, nothing merged away or switched
        assert (after["id"], after["views"]) == (before["id"], before["views"])


async def test_a_consent_withdrawn_after_the_response_erases_and_says_it_cannot_hold(
    make_settings: Callable[..., Settings], caplog: pytest.LogCaptureFixture
) -> None:
    mw = site(make_settings)
    async with client_for(mw) as browser:
        await browser.get("/")
        await browser.get("/")
        await mw.drain()
        before = await me(browser)
        with caplog.at_level(logging.WARNING, logger="omotenashi"):
            answer = await browser.post("/later/withdraw")
            await mw.drain()
        after = await me(browser)
    assert "set-cookie" not in answer.headers
    assert "the profile is erased, but this browser's cookie cannot change" in caplog.text
    assert before["views"] >= 2 and after["views"] < before["views"]  # erased, then one view


async def test_user_id_zero_is_an_id(make_settings: Callable[..., Settings]) -> None:
    mw = site(make_settings)
    async with client_for(mw) as browser:
        await browser.post("/login/0")
        assert (await me(browser))["id"].startswith("u")


async def test_the_preferences_page_of_a_signed_in_user_says_its_choices_are_this_devices(
    make_settings: Callable[..., Settings],
) -> None:
    """Choices live in each browser's cookie, the profile under the account: "personalise
    nothing" on the laptop ("we store nothing new about you") while the phone still adds to it."""
    mw = site(make_settings)
    async with client_for(mw) as laptop, client_for(mw) as phone, client_for(mw) as guest:
        for device in (laptop, phone):
            await device.post("/login/aiko")
        page = (await laptop.get("/_omotenashi/preferences")).text
        token = page.split('name="csrf" value="')[1].split('"')[0]
        form = {"csrf": token, "action": "save", "nothing": "1"}
        saved = await laptop.post("/_omotenashi/preferences", data=form)
        assert saved.status_code == 303
        before = (await me(phone))["views"]
        await phone.get("/")
        await mw.drain()
        assert (await me(phone))["views"] > before  # the account's: kept, from the other device
        said = (await laptop.get("/_omotenashi/preferences")).text
        assert "We store nothing new about you" in said
        assert 'id="omo-devices"' in said and "kept on this device only" in said
        assert 'id="omo-devices"' not in (await guest.get("/_omotenashi/preferences")).text


@pytest.mark.parametrize(
    ("headers", "said", "unsaid"),
    [
        ({}, "what we keep is kept under your account", "nothing from this device"),
        (
            {"sec-gpc": "1"},
            "nothing from this device is added to what is kept under your account",
            "what we keep is kept under your account",
        ),
    ],
)
async def test_a_signed_in_visitor_is_told_what_this_device_adds_to_their_account(
    make_settings: Callable[..., Settings], headers: dict[str, str], said: str, unsaid: str
) -> None:
    """Signed in, then Global Privacy Control on: the page says this device adds nothing (it
    said "what we keep is kept under your account" beside "we keep nothing about you")."""
    mw = site(make_settings)
    async with client_for(mw) as laptop:
        await laptop.post("/login/aiko")
        page = (await laptop.get("/_omotenashi/preferences", headers=headers)).text
    note = page.split('id="omo-devices">')[1].split("</p>")[0]
    assert said in note and unsaid not in note
