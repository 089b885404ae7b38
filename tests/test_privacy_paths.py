"""Every path that writes keeps the privacy promises (issue 11): sign-in, the beacon, consent,
revocation, the preferences page, export and erase. Against a real Redis."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import redis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse
from starlette.routing import Route

from omotenashi import (
    Omotenashi,
    PayloadError,
    Settings,
    consent,
    forget,
    get_visitor,
    identify,
    remember,
    revoke,
    track,
)
from omotenashi.identity.cookie import user_profile_id

from .conftest import client_for

pytestmark = [pytest.mark.anyio, pytest.mark.security]
Make = Callable[..., Settings]
BEACON = "/_omotenashi/events"
PREFS = "/_omotenashi/preferences"
JSON = {"content-type": "application/json", "origin": "http://shop.test"}
PAGE = (
    '<!doctype html><html><head><meta name="omotenashi:topics" content="tours"></head><body>'
    '<div data-omo-slot="hero">Default hero</div><p data-omo-slot="tag">Default</p></body></html>'
)
RULES = """
rules:
  - id: capped-hero
    slot: hero
    text: "Hello again"
    cap: {views: 3, per: day}
    why: "You came back."
  - id: fan
    slot: tag
    text: "Tours fan"
    when: {interest: {tours: {at_least: 1}}}
    why: "You like tours."
"""
JOURNEY = """
beacon:
  events: [view_item, video_play]
  per_minute: 50
"""


async def login(request: Request) -> RedirectResponse:
    """``POST /login/{user}``: signs the visitor in as ``user``."""
    await identify(request, request.path_params["user"])
    return RedirectResponse("/", status_code=303)


async def revoke_me(request: Request) -> PlainTextResponse:
    """``POST /revoke-me``: revokes the visitor of this request."""
    visitor = get_visitor(request)
    assert visitor is not None
    await revoke(request, visitor_id=visitor.id)
    return PlainTextResponse("ok")


def shop() -> Starlette:
    async def page(request: Request) -> HTMLResponse:
        return HTMLResponse(PAGE)

    async def logout(request: Request) -> RedirectResponse:
        await forget(request)
        return RedirectResponse("/", status_code=303)

    async def add(request: Request) -> PlainTextResponse:
        await track(request, "add_to_cart", {"item": request.path_params["item"]})
        await remember(request, first_name="Aiko")
        return PlainTextResponse("ok")

    async def agree(request: Request) -> PlainTextResponse:
        await consent(request, request.query_params.get("yes") == "1")
        return PlainTextResponse("ok")

    async def me(request: Request) -> PlainTextResponse:
        visitor = get_visitor(request)
        assert visitor is not None
        profile = await visitor.loaded()
        return PlainTextResponse(json.dumps({"id": visitor.id, **profile.to_export()}))

    return Starlette(
        routes=[
            Route("/", page),
            Route("/tours/{item}", page),
            Route("/login/{user}", login, methods=["POST"]),
            Route("/logout", logout, methods=["POST"]),
            Route("/add/{item}", add, methods=["POST"]),
            Route("/consent", agree, methods=["POST"]),
            Route("/me", me),
            Route("/revoke-me", revoke_me, methods=["POST"]),
        ]
    )


def site(make_settings: Make, **overrides: Any) -> Omotenashi:
    return Omotenashi(shop(), settings=make_settings(RULES, journey=JOURNEY, **overrides))


async def me(client: httpx.AsyncClient) -> dict[str, Any]:
    return dict(json.loads((await client.get("/me")).text))


def keys_of(r: redis.Redis, pid: str) -> dict[str, str]:
    """Every key in Redis that names ``pid`` (found by SCAN, not by a list of names)."""
    return {key: r.type(key) for key in r.scan_iter(match=f"*{pid}*", count=1000)}


async def test_signing_in_as_someone_else_never_merges_or_deletes_their_profile(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    mw = site(make_settings)
    alice = user_profile_id(mw.signer.user_salt, "alice")
    async with client_for(mw) as browser:
        await browser.post("/login/alice")
        await browser.get("/tours/kyoto")
        await browser.post("/add/kyoto")
        before = await me(browser)
        vid = browser.cookies["omo_vid"]
        await browser.post("/login/bob")  # same browser, no sign-out in between
        bob = await me(browser)
        assert browser.cookies["omo_vid"] != vid
    assert before["id"] == alice and before["cart"] == {"kyoto": 1}
    assert bob["id"] == user_profile_id(mw.signer.user_salt, "bob")
    assert bob["cart"] == {} and "tours" not in bob["interests"]
    assert bob["attributes"] == {} and bob["merged_ids"] == []
    assert omotenashi_redis.hget(f"omo:{{{alice}}}:p2", "ckyoto") == "1"  # Alice's is kept
    assert omotenashi_redis.hget(f"omo:{{{alice}}}:p2", "V") is not None


@pytest.mark.parametrize(
    ("headers", "cookies", "overrides"),
    [
        ({"sec-gpc": "1"}, {}, {}),
        ({"dnt": "1"}, {}, {}),
        ({}, {}, {"respect": {"consent_required": True}}),
        ({}, {"omo_consent": "0"}, {"respect": {"consent_required": True}}),
    ],
    ids=["gpc", "dnt", "consent-missing", "consent-refused"],
)
async def test_the_beacon_makes_the_same_privacy_decision_as_pages(
    make_settings: Make,
    omotenashi_redis: redis.Redis,
    headers: dict[str, str],
    cookies: dict[str, str],
    overrides: dict[str, Any],
) -> None:
    mw = site(make_settings, **overrides)
    async with client_for(mw) as client:
        client.cookies.set("omo_consent", "1")
        await client.get("/")  # a visitor with a cookie (consent given then)
        vid = (await me(client))["id"]
        client.cookies.delete("omo_consent")
        for name, value in cookies.items():
            client.cookies.set(name, value)
        stored = dict(keys_of(omotenashi_redis, vid))
        response = await client.post(
            BEACON, content='{"name": "video_play"}', headers={**JSON, **headers}
        )
    assert response.status_code == 202, response.text
    assert response.json()["stored"] is False and "nothing is stored" in response.json()["reason"]
    assert keys_of(omotenashi_redis, vid) == stored
    assert omotenashi_redis.hget(f"omo:{{{vid}}}:p2", "evideo_play") is None


@pytest.mark.parametrize("consent_required", [False, True], ids=["default-mode", "consent-mode"])
async def test_withdrawn_consent_holds_for_later_pages(
    make_settings: Make, omotenashi_redis: redis.Redis, consent_required: bool
) -> None:
    mw = site(make_settings, respect={"consent_required": consent_required})
    async with client_for(mw) as client:
        client.cookies.set("omo_consent", "1")  # the banner's cookie still says yes
        await client.get("/tours/kyoto")
        vid = (await me(client))["id"]
        assert keys_of(omotenashi_redis, vid)
        await client.post("/consent?yes=0")
        for path in ("/", "/tours/lapland", "/me"):
            await client.get(path)
        await client.post("/add/lapland")
        await client.post(BEACON, content='{"name": "video_play"}', headers=JSON)
        assert keys_of(omotenashi_redis, vid) == {}
        await client.post("/consent?yes=1")
        await client.get("/")
        again = (await me(client))["id"]
    # withdrawal gave a new id (as an erase does): consent given again starts unlinked
    assert again != vid and keys_of(omotenashi_redis, vid) == {}
    assert f"omo:{{{again}}}:p2" in keys_of(omotenashi_redis, again)


async def test_revoking_a_user_ends_personalisation_on_every_path(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    mw = site(make_settings)
    aiko = user_profile_id(mw.signer.user_salt, "aiko")
    async with client_for(mw) as phone, client_for(mw) as laptop:
        await phone.post("/login/aiko")
        await phone.get("/tours/kyoto")
        await revoke(mw, user_id="aiko", ttl=3600)
        assert keys_of(omotenashi_redis, aiko) == {f"omo:{{{aiko}}}:p2": "hash"}
        await phone.get("/tours/kyoto")
        await phone.post("/add/kyoto")
        beacon = await phone.post(BEACON, content='{"name": "video_play"}', headers=JSON)
        await laptop.get("/")
        await laptop.post("/login/aiko")  # signed in, nothing merged: private (api55)
        await laptop.get("/tours/kyoto")
        laptop_id = (await me(laptop))["id"]
        export = (await phone.get(PREFS + "/export")).json()
    assert beacon.status_code == 202 and "turned personalisation off" in beacon.json()["reason"]
    assert laptop_id == aiko  # (before session 55 it stayed anonymous, and was kept)
    assert export["profile"]["views"] == 0 and export["profile"]["cart"] == {}
    assert omotenashi_redis.hgetall(f"omo:{{{aiko}}}:p2").keys() == {"revoked"}
    assert 3500 < omotenashi_redis.ttl(f"omo:{{{aiko}}}:p2") <= 3600


async def test_the_app_can_revoke_the_visitor_of_a_request(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    async with client_for(site(make_settings)) as client:
        await client.get("/tours/kyoto")
        vid = (await me(client))["id"]
        await client.post("/revoke-me")
        await client.get("/tours/kyoto")
    assert omotenashi_redis.hgetall(f"omo:{{{vid}}}:p2").keys() == {"revoked"}
    assert keys_of(omotenashi_redis, vid) == {f"omo:{{{vid}}}:p2": "hash"}


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"visitor_id": "not-an-id"}, "not a visitor id"),
        ({"user_id": "x", "ttl": 0}, "ttl"),
        ({}, "a user_id or a visitor_id"),
    ],
    ids=["bad-id", "bad-ttl", "nothing"],
)
async def test_revoke_refuses_what_it_cannot_mean(
    make_settings: Make, kwargs: dict[str, Any], problem: str
) -> None:
    mw = site(make_settings)
    async with client_for(mw):
        with pytest.raises(PayloadError, match=problem):
            await revoke(mw, **kwargs)


@pytest.mark.parametrize(
    "headers",
    [{"sec-gpc": "1"}, {"dnt": "1"}, {"user-agent": "Googlebot/2.1 (+http://www.google.com/bot)"}],
    ids=["gpc", "dnt", "bot"],
)
async def test_the_preferences_page_sets_no_cookie_for_private_visitors_and_bots(
    make_settings: Make, headers: dict[str, str]
) -> None:
    async with client_for(site(make_settings)) as client:
        response = await client.get(PREFS, headers=headers)
    assert response.status_code == 200
    assert "set-cookie" not in response.headers


async def test_export_lists_and_erase_removes_every_key_family(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    """Everything the code writes for a visitor, found by SCAN, goes with an erase."""
    mw = site(make_settings)
    async with client_for(mw) as other, client_for(mw) as client:
        await other.get("/tours/lapland")  # someone else: untouched by the erase
        other_id = (await me(other))["id"]
        await client.get("/tours/kyoto")
        await client.post("/add/kyoto")
        await client.post("/login/aiko")  # merged: links the anonymous id to the user's
        await client.get("/tours/kyoto")
        await client.post(BEACON, content='{"name": "video_play"}', headers=JSON)
        pid = (await me(client))["id"]
        families = {key.rsplit(":", 1)[1] for key in keys_of(omotenashi_redis, pid)}
        export = (await client.get(PREFS + "/export")).json()
        page = (await client.get(PREFS)).text
        token = page.split('name="csrf" value="')[1].split('"')[0]
        erased = await client.post(PREFS, data={"csrf": token, "action": "erase", "confirm": "yes"})
    assert families == {"p2", "rate"}  # one hash per visitor, and the beacon's counter
    assert len(export["profile"]["merged_ids"]) == 1
    assert export["profile"]["caps"]["capped-hero"]["count"] >= 1
    assert export["counters"]["events_this_minute"] == 1
    assert export["counters"]["kept_for_seconds"] > 0
    assert erased.status_code == 303 and erased.headers["location"].partition("&n=")[0].endswith(
        "?erased=1"
    )
    assert keys_of(omotenashi_redis, pid) == {}
    assert keys_of(omotenashi_redis, export["profile"]["merged_ids"][0]) == {}
    assert keys_of(omotenashi_redis, other_id)


async def test_a_revoked_browser_is_not_linked_at_sign_in_and_its_export_shows_the_marker(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    """``identify`` knows the browser's id is revoked even when its profile is still being read
    while the app runs; the download shows the record that stays, and for how long."""
    mw = site(make_settings)
    aiko = user_profile_id(mw.signer.user_salt, "aiko")
    async with client_for(mw) as client:
        await client.get("/tours/kyoto")
        vid = (await me(client))["id"]
        await revoke(mw, visitor_id=vid, ttl=3600)
        await client.post("/login/aiko")
        await client.get("/tours/kyoto")
        export = (await client.get(PREFS + "/export")).json()
    assert keys_of(omotenashi_redis, aiko) == {}  # nothing linked, nothing written
    assert omotenashi_redis.hgetall(f"omo:{{{vid}}}:p2").keys() == {"revoked"}
    assert export["visitor_id"] == vid and export["kept"] and export["profile"]["revoked"]
    assert 3500 < export["counters"]["kept_for_seconds"] <= 3600
