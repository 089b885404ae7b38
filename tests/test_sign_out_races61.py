"""identity61: a sign-in or sign-out that left a user's cookie in the browser for the next
person. (1) A page of the signed-out cookie still under way renewed it after the sign-out
(the browser was that user again); a slow anonymous page undid a sign-in the same way. (2)
Where our cookie could not be read ("unread": cookies of our name it was not among those
tried, or past 16 KB), a sign-out or another user's sign-in left it as it was, and it may
hold a user: it is expired now. And consent() there neither replaces it nor erases another id
(last61). Real Redis."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator

import httpx
import pytest
import redis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse
from starlette.routing import Route

from omotenashi import Omotenashi, Settings, consent, forget, identify
from omotenashi.asgi.requestheaders import MAX_COOKIES
from omotenashi.identity.cookie import user_profile_id

from .conftest import client_for
from .identity.test_unread61 import FOREIGN

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("omotenashi_redis")]
PAGE = '<!doctype html><html><body><div data-omo-slot="hero">Default</div></body></html>'
RULES = 'rules:\n  - {id: hi, slot: hero, text: "Hi", why: "A greeting."}\n'


def shop(gate: asyncio.Event | None = None) -> Starlette:
    async def page(request: Request) -> HTMLResponse:
        if gate is not None and request.query_params.get("slow"):
            await gate.wait()  # answers after what the test does meanwhile
        return HTMLResponse(PAGE)

    async def login(request: Request) -> RedirectResponse:
        await identify(request, request.path_params["user"])
        return RedirectResponse("/", status_code=303)

    async def logout(request: Request) -> RedirectResponse:
        await forget(request)
        return RedirectResponse("/", status_code=303)

    async def agree(request: Request) -> RedirectResponse:
        await consent(request, request.path_params["yes"] == "yes")
        return RedirectResponse("/", status_code=303)

    return Starlette(
        routes=[
            Route("/", page),
            Route("/login/{user}", login, methods=["POST"]),
            Route("/logout", logout, methods=["POST"]),
            Route("/consent/{yes}", agree, methods=["POST"]),
        ]
    )


def ours(answer: httpx.Response) -> list[str]:
    return [c for c in answer.headers.get_list("set-cookie") if c.startswith("omo_vid=")]


@pytest.fixture
def ahead(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[float]]:
    real, by = time.time, [0.0]
    monkeypatch.setattr(time, "time", lambda: real() + by[0])
    yield by


@pytest.mark.parametrize("then", ["logout", "login/ben"])
async def test_a_page_under_way_does_not_put_the_replaced_cookie_back(
    then: str, ahead: list[float], make_settings: Callable[..., Settings]
) -> None:
    gate = asyncio.Event()
    mw = Omotenashi(shop(gate), settings=make_settings(RULES))
    async with client_for(mw) as client:
        await client.get("/")
        await client.post("/login/aiko")
        aikos = client.cookies["omo_vid"]
        client.cookies.clear()
        ahead[0] += 2 * 86400  # her cookie is due to be renewed
        sent = {"cookie": f"omo_vid={aikos}"}
        slow = asyncio.ensure_future(client.get("/?slow=1", headers=sent))
        await asyncio.sleep(0.05)  # (the page has arrived, and waits)
        changed = await client.post(f"/{then}", headers=sent)
        gate.set()
        late = await slow
    assert ours(changed) and not ours(changed)[0].startswith(f"omo_vid={aikos}")
    assert ours(late) == []  # (before: Aiko's cookie renewed, after her sign-out)


@pytest.mark.parametrize("crowd", ["stale", "long"])
@pytest.mark.parametrize("then", ["logout", "login/ben"])
async def test_where_our_cookie_cannot_be_read_a_sign_in_or_out_expires_it(
    crowd: str, then: str, make_settings: Callable[..., Settings]
) -> None:
    mw = Omotenashi(shop(), settings=make_settings(RULES))
    async with client_for(mw) as client:
        await client.get("/")
        await client.post("/login/aiko")
        aikos = client.cookies["omo_vid"]
        client.cookies.clear()
        before = FOREIGN if crowd == "stale" else f"big={'x' * MAX_COOKIES}"  # (a staging site's)
        sent = {"cookie": f"{before}; omo_vid={aikos}"}
        assert (await client.get("/", headers=sent)).headers.get("set-cookie") is None
        changed = await client.post(f"/{then}", headers=sent)
        agreed = [await client.post(f"/consent/{yes}", headers=sent) for yes in ("yes", "no")]
    assert [c.split(";")[0] for c in ours(changed)] == ["omo_vid="]  # hers goes: it may hold
    assert "Max-Age=0" in ours(changed)[0]  # a user (before: left as it was, hers again)
    assert ours(agreed[0]) == []  # consent given: not kept (a new cookie would replace hers)
    withdrawn = mw.signer.identify(ours(agreed[1])[0].split(";")[0])  # withdrawn: kept, in a
    assert withdrawn.prefs == {"w": True} and not withdrawn.user  # new one (last61b: lost)


async def test_a_cookie_sent_beside_another_of_our_name_is_not_renewed(
    ahead: list[float], make_settings: Callable[..., Settings]
) -> None:
    # (sec61: a sibling subdomain's cookie of our name, valid and sent first, was renewed as
    # this host's own, written over the visitor's: they were that other visitor from then on)
    mw = Omotenashi(shop(), settings=make_settings(RULES))
    async with client_for(mw) as client:
        tossed = (await client.get("/")).headers["set-cookie"].split(";")[0]
        client.cookies.clear()
        theirs = (await client.get("/")).headers["set-cookie"].split(";")[0]
        client.cookies.clear()
        ahead[0] += 2 * 86400  # both due to be renewed
        both = await client.get("/", headers={"cookie": f"{tossed}; {theirs}"})
        alone = await client.get("/", headers={"cookie": theirs})
    assert ours(both) == []  # (before: the first one's, Path=/, over theirs)
    assert ours(alone) and ours(alone)[0] != theirs  # alone, it is renewed as before
    # beside a staging site's (signed with another key), it is renewed too (last61b: never,
    # and at its max age the visitor was new, a consent withdrawn in it lost)
    async with client_for(mw) as client:
        staged = await client.get("/", headers={"cookie": f"{FOREIGN.split('; ')[0]}; {theirs}"})
        ahead[0] += 2 * 86400  # and beside one of their own (an old domain's, the same id)
        again = ours(alone)[0].split(";")[0]
        same = await client.get("/", headers={"cookie": f"{theirs}; {again}"})
    assert ours(staged) and ours(staged)[0].split(";")[0] != theirs
    assert ours(same)


async def test_two_sign_ins_at_once_as_two_users_merge_the_browsing_into_one(
    make_settings: Callable[..., Settings], omotenashi_redis: redis.Redis
) -> None:
    # (identity61: both accounts got the anonymous browsing)
    mw = Omotenashi(shop(), settings=make_settings(RULES, redis={"key_prefix": "s61"}))
    async with client_for(mw) as client:
        for _ in range(3):
            await client.get("/")
        sent = {"cookie": f"omo_vid={client.cookies['omo_vid']}"}
        client.cookies.clear()
        await asyncio.gather(*(client.post(f"/login/{u}", headers=sent) for u in ("aiko", "ben")))
    salt = mw.signer.user_salt
    views = [
        int(omotenashi_redis.hget(f"s61:{{{user_profile_id(salt, u)}}}:p2", "V") or 0)
        for u in ("aiko", "ben")
    ]
    for key in omotenashi_redis.scan_iter("s61:*"):
        omotenashi_redis.delete(key)
    assert sorted(views) == [0, 3]  # (before: [3, 3])


async def test_a_sign_in_with_a_preview_on_merges_what_was_kept_before_it(
    make_settings: Callable[..., Settings], omotenashi_redis: redis.Redis
) -> None:
    # (identity61: it was neither merged nor erased, and the cookie named the user: left
    # behind in Redis, out of reach of the visitor's data page)
    settings = make_settings(
        RULES, redis={"key_prefix": "p61"}, preview_enabled=True, preview_keys=["p" * 32]
    )
    mw = Omotenashi(shop(), settings=settings)
    async with client_for(mw) as client:
        for _ in range(2):
            await client.get("/")
        anon = mw.signer.identify(f"omo_vid={client.cookies['omo_vid']}").vid
        token = mw.arrival.forcer.make(stage="purchase")
        await client.get(f"/?omo_preview={token}")
        await client.post("/login/gina")
    gina = f"p61:{{{user_profile_id(mw.signer.user_salt, 'gina')}}}:p2"
    views = int(omotenashi_redis.hget(gina, "V") or 0)
    left = omotenashi_redis.exists(f"p61:{{{anon}}}:p2")
    for key in omotenashi_redis.scan_iter("p61:*"):
        omotenashi_redis.delete(key)
    assert (views, left) == (2, 0)


async def test_a_sign_out_in_the_second_its_cookie_was_signed_outdates_it(
    make_settings: Callable[..., Settings],
) -> None:
    # (last61b: a mark in the cookie's own second did not outdate it; with refresh_after 0, a
    # sign-in, a page under way and a sign-out in one second put the signed-in cookie back)
    gate = asyncio.Event()
    settings = make_settings(RULES, cookie={"refresh_after": 0})
    mw = Omotenashi(shop(gate), settings=settings)
    async with client_for(mw) as client:
        await client.get("/")
        await client.post("/login/aiko")
        sent = {"cookie": f"omo_vid={client.cookies['omo_vid']}"}
        client.cookies.clear()
        slow = asyncio.ensure_future(client.get("/?slow=1", headers=sent))
        await asyncio.sleep(0.05)
        await client.post("/logout", headers=sent)
        gate.set()
        late = await slow
    assert ours(late) == []


async def test_a_choice_from_a_signed_out_cookie_does_not_sign_it_back_in(
    make_settings: Callable[..., Settings],
) -> None:
    # (last61c: a choice posted with the cookie a sign-out had given up, from a tab that had
    # not seen the sign-out's answer, set a cookie of that id with the user again)
    from .conftest import form_token

    mw = Omotenashi(shop(), settings=make_settings(RULES))
    async with client_for(mw) as client:
        await client.get("/")
        await client.post("/login/aiko")
        aikos = {"cookie": f"omo_vid={client.cookies['omo_vid']}", "origin": "http://shop.test"}
        client.cookies.clear()
        token = form_token((await client.get("/_omotenashi/preferences", headers=aikos)).text)
        await client.post("/logout", headers=aikos)
        chose = await client.post(
            "/_omotenashi/preferences",
            data={"csrf": token, "action": "save", "nothing": "1"},
            headers=aikos,
        )
    assert chose.status_code == 403 and ours(chose) == []
