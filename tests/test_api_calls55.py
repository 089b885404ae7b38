"""The Python API as developers call it (api55): a consent that is not a bool, a revoke whose
ttl Redis cannot take, calls a path or a task makes do nothing (said), a revoked user signing
in on another browser, and bad values refused with PayloadError naming them."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import pytest
import redis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse
from starlette.routing import Route

from omotenashi import (
    Omotenashi,
    PayloadError,
    Settings,
    consent,
    forget,
    identify,
    revoke,
    track,
)

from .conftest import client_for

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]
HTML = {"accept": "text/html", "user-agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0"}
PAGE = "<!doctype html><html><body><p>Tea</p></body></html>"
CALLS: dict[str, Callable[[Request], Any]] = {}


def shop() -> Starlette:
    async def page(request: Request) -> HTMLResponse:
        return HTMLResponse(PAGE)

    async def call(request: Request) -> PlainTextResponse:
        try:
            await CALLS[request.path_params["name"]](request)
        except PayloadError as exc:
            return PlainTextResponse(f"refused: {exc}", status_code=400)
        return PlainTextResponse("done")

    return Starlette(
        routes=[
            Route("/", page),
            Route("/call/{name}", call, methods=["GET", "POST"]),
            Route("/admin/{name}", call, methods=["GET", "POST"]),
        ]
    )


def _keys(client: redis.Redis) -> list[str]:
    return sorted(k for k in client.scan_iter("omo:*") if not k.startswith("omo:rec:"))


@pytest.mark.parametrize("granted", ["false", "no", "0", 1, None])
async def test_consent_takes_a_bool_only(make_settings: Make, granted: object) -> None:
    """A form's "no" passed straight through gave consent (the string is truthy)."""
    CALLS["c"] = lambda request: consent(request, granted)  # type: ignore[arg-type]
    mw = Omotenashi(shop(), settings=make_settings(respect={"consent_required": True}))
    async with client_for(mw) as client:
        answer = await client.post("/call/c", headers=HTML)
    assert answer.status_code == 400 and "consent takes True or False" in answer.text


@pytest.mark.parametrize("ttl", [1.5, 10**20, True, "60", 0])
async def test_revoke_refuses_a_ttl_redis_cannot_take_before_anything_is_erased(
    make_settings: Make, omotenashi_redis: redis.Redis, ttl: object
) -> None:
    """1.5 or 10**20 failed in Redis after the profile had been erased and the marker written:
    a deny marker without expiry, and "nothing was revoked" said."""
    CALLS["r"] = lambda request: revoke(request, user_id="42", ttl=ttl)  # type: ignore[arg-type]
    mw = Omotenashi(shop(), settings=make_settings())
    async with client_for(mw) as client:
        await client.get("/", headers=HTML)
        await mw.drain()
        before = _keys(omotenashi_redis)
        answer = await client.post("/call/r", headers=HTML)
    assert answer.status_code == 400 and "ttl is a whole number of seconds" in answer.text
    assert _keys(omotenashi_redis) == before
    assert all(omotenashi_redis.ttl(k) > 0 for k in _keys(omotenashi_redis))


async def test_revoke_takes_the_user_id_0_that_identify_links(make_settings: Make) -> None:
    CALLS["in"] = lambda request: identify(request, 0)  # type: ignore[arg-type]
    CALLS["r0"] = lambda request: revoke(request, user_id=0)  # type: ignore[arg-type]
    mw = Omotenashi(shop(), settings=make_settings())
    async with client_for(mw) as client:
        await client.get("/", headers=HTML)
        assert (await client.post("/call/r0", headers=HTML)).text == "done"


@pytest.mark.parametrize(
    ("call", "said"),
    [
        (lambda r: track(r, "join_club\n"), "an event name is"),
        (lambda r: track(r, "ev", [1, 2]), "event data is a dict"),
        (lambda r: track(r, "ev", "abc"), "event data is a dict"),
        (lambda r: track(r, "ev", {"d": __import__("datetime").date(2026, 1, 1)}), "'d'"),
        (lambda r: identify(r, b"42"), "user ids are strings, whole numbers or UUIDs"),
    ],
)
async def test_bad_values_are_refused_naming_them(
    make_settings: Make, call: Callable[[Request], Any], said: str
) -> None:
    """Before: a trailing newline was taken; a list or a string raised TypeError or
    ValueError; a date was named by the whole data; b"42" became another user. (A lone
    surrogate is taken and left out when written: tests/test_beacon_edges.py.)"""
    CALLS["bad"] = call
    mw = Omotenashi(shop(), settings=make_settings())
    async with client_for(mw) as client:
        answer = await client.post("/call/bad", headers=HTML)
    assert answer.status_code == 400 and said in answer.text


async def test_a_nested_value_too_deep_is_refused(make_settings: Make) -> None:
    deep: Any = 1
    for _ in range(5000):
        deep = [deep]
    CALLS["deep"] = lambda request: track(request, "ev", {"v": deep})
    mw = Omotenashi(shop(), settings=make_settings())
    async with client_for(mw) as client:
        answer = await client.post("/call/deep", headers=HTML)
    assert answer.status_code == 400


async def test_a_sign_out_on_an_excluded_path_says_it_did_nothing(
    make_settings: Make, caplog: pytest.LogCaptureFixture
) -> None:
    """/admin/logout (OMOTENASHI_EXCLUDE_PATHS' default): the user stayed signed in, unsaid."""
    CALLS["logout"] = forget
    mw = Omotenashi(shop(), settings=make_settings())
    caplog.set_level(logging.WARNING, logger="omotenashi")
    async with client_for(mw) as client:
        assert (await client.post("/admin/logout", headers=HTML)).text == "done"
    said = [r.getMessage() for r in caplog.records if "EXCLUDE_PATHS" in r.getMessage()]
    assert said and "forget changed nothing" in said[0]


async def test_a_track_from_a_task_that_outlived_its_request_says_so(
    make_settings: Make, caplog: pytest.LogCaptureFixture, omotenashi_redis: redis.Redis
) -> None:
    done = asyncio.Event()

    async def later(request: Request) -> None:
        await asyncio.sleep(0.2)
        await track(request, "late_event")
        done.set()

    tasks: list[asyncio.Task[None]] = []
    CALLS["spawn"] = lambda request: _spawn(tasks, later(request))
    mw = Omotenashi(shop(), settings=make_settings())
    caplog.set_level(logging.WARNING, logger="omotenashi")
    async with client_for(mw) as client:
        await client.get("/call/spawn", headers=HTML)
        await asyncio.wait_for(done.wait(), 5)
        await mw.drain()
    said = [r.getMessage() for r in caplog.records if "after its request ended" in r.getMessage()]
    assert said and "track" in said[0]


async def _spawn(tasks: list[asyncio.Task[None]], coro: Any) -> None:
    tasks.append(asyncio.ensure_future(coro))


async def test_a_revoked_user_signing_in_elsewhere_is_not_kept_anonymously(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    """identify refused the link but left the browser's own id, under which the next pages
    were kept (V=2, items viewed), though the README says a revoked id gets what GPC gets."""
    CALLS["revoke"] = lambda request: revoke(request, user_id="u1")
    CALLS["login"] = lambda request: identify(request, "u1")
    mw = Omotenashi(shop(), settings=make_settings())
    async with client_for(mw) as admin:
        await admin.get("/", headers=HTML)
        assert (await admin.post("/call/revoke", headers=HTML)).text == "done"
    async with client_for(mw) as other:  # another browser
        await other.get("/", headers=HTML)
        await mw.drain()
        vid = other.cookies["omo_vid"].split(".")[0]
        await other.post("/call/login", headers=HTML)
        for _ in range(2):
            await other.get("/", headers=HTML)
        await mw.drain()
    views = [omotenashi_redis.hget(k, "V") for k in _keys(omotenashi_redis) if k.endswith(":p2")]
    assert not any(v and int(v) >= 2 for v in views), views
    assert vid


async def test_a_head_request_records_no_event(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    """Starlette answers a HEAD with its GET's handler: its track() counted."""
    CALLS["t"] = lambda request: track(request, "on_page")
    mw = Omotenashi(shop(), settings=make_settings())
    async with client_for(mw) as client:
        await client.get("/", headers=HTML)
        for _ in range(3):
            await client.head("/call/t", headers=HTML)
        await mw.drain()
    counted = [omotenashi_redis.hget(k, "eon_page") for k in _keys(omotenashi_redis)]
    assert not any(counted)


async def test_a_uuid_user_id_signs_in(make_settings: Make) -> None:
    """eye55: the check of api55 refused a UUID (a Django UUIDField pk): the login view 500'd."""
    user = __import__("uuid").UUID("12345678-1234-5678-1234-567812345678")
    CALLS["uuid"] = lambda request: identify(request, user)  # type: ignore[arg-type]
    CALLS["r_uuid"] = lambda request: revoke(request, user_id=user)  # type: ignore[arg-type]
    mw = Omotenashi(shop(), settings=make_settings())
    async with client_for(mw) as client:
        await client.get("/", headers=HTML)
        assert (await client.post("/call/uuid", headers=HTML)).text == "done"
        assert (await client.post("/call/r_uuid", headers=HTML)).text == "done"


async def test_event_data_names_are_strings(make_settings: Make) -> None:
    CALLS["key"] = lambda request: track(request, "ev", {("a", "b"): 1})
    mw = Omotenashi(shop(), settings=make_settings())
    async with client_for(mw) as client:
        answer = await client.post("/call/key", headers=HTML)
    assert answer.status_code == 400 and "names are strings" in answer.text


async def _with_b_revoked(make_settings: Make) -> Omotenashi:
    """The shop with user "b" revoked by an admin request; /call/login_a, /call/login_b."""
    CALLS["revoke_b"] = lambda request: revoke(request, user_id="b")
    CALLS["login_a"] = lambda request: identify(request, "a")
    CALLS["login_b"] = lambda request: identify(request, "b")
    mw = Omotenashi(shop(), settings=make_settings())
    async with client_for(mw) as admin:
        await admin.get("/", headers=HTML)
        await admin.post("/call/revoke_b", headers=HTML)
    return mw


async def test_a_revoked_user_signing_in_where_another_is_signed_in_signs_that_one_out(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    """eye55: user A signed in; revoked user B signs in on the same browser: A stayed in the
    cookie, and B browsed on as A (A's blocks, B's pages in A's profile)."""
    mw = await _with_b_revoked(make_settings)
    async with client_for(mw) as shared:
        await shared.get("/", headers=HTML)
        await shared.post("/call/login_a", headers=HTML)
        await shared.get("/", headers=HTML)
        await mw.drain()
        a_views = {k: omotenashi_redis.hget(k, "V") for k in _keys(omotenashi_redis)}
        await shared.post("/call/login_b", headers=HTML)
        for _ in range(2):
            await shared.get("/", headers=HTML)
        await mw.drain()
        export = (await shared.get("/_omotenashi/preferences/export")).json()
    assert {k: omotenashi_redis.hget(k, "V") for k in a_views} == a_views  # A's: untouched
    assert export["profile"]["revoked"] is True and export["profile"]["views"] == 0


async def test_after_a_revoked_sign_in_another_user_can_sign_in_there(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    """eye55b: a revoked user's sign-in on a shared browser left it private for everyone after,
    A signing in again was not linked, and A's preferences page said A was revoked."""
    mw = await _with_b_revoked(make_settings)
    async with client_for(mw) as shared:
        await shared.get("/", headers=HTML)
        await shared.post("/call/login_b", headers=HTML)
        await shared.get("/", headers=HTML)
        await shared.post("/call/login_a", headers=HTML)
        for _ in range(2):
            await shared.get("/", headers=HTML)
        await mw.drain()
        export = (await shared.get("/_omotenashi/preferences/export")).json()
    assert not export["profile"].get("revoked") and export["profile"]["views"] == 2


async def test_an_object_that_is_no_user_id_is_refused(make_settings: Make) -> None:
    """eye55b: str() of Django's AnonymousUser() is the same for every browser: one user."""

    class AnonymousUser:
        def __str__(self) -> str:
            return "AnonymousUser"

    CALLS["anon"] = lambda request: identify(request, AnonymousUser())  # type: ignore[arg-type]
    CALLS["ints"] = lambda request: track(request, "ev", {1: "x"})  # type: ignore[dict-item]
    mw = Omotenashi(shop(), settings=make_settings())
    async with client_for(mw) as client:
        answer = await client.post("/call/anon", headers=HTML)
        assert answer.status_code == 400 and "pass str(x)" in answer.text
        assert (await client.post("/call/ints", headers=HTML)).text == "done"  # as before


async def test_a_sign_in_answered_to_a_head_still_merges(make_settings: Make) -> None:
    """eye55c: making a HEAD record nothing also stopped a sign-in answered to it from merging:
    the user went into the cookie, the browser's views stayed under its old id, for good."""
    CALLS["login_h"] = lambda request: identify(request, "h")
    mw = Omotenashi(shop(), settings=make_settings())
    async with client_for(mw) as client:
        for _ in range(3):
            await client.get("/", headers=HTML)
        await mw.drain()
        await client.head("/call/login_h", headers=HTML)
        await mw.drain()
        export = (await client.get("/_omotenashi/preferences/export")).json()
    assert export["profile"]["views"] == 3
