"""Sign-in and sign-out keep the cookie promises of the README: under GPC/DNT or without
consent no visitor cookie is set; a sign-out expires the one the browser sent (no signed-in
user's id stays behind), except a cookie that keeps the visitor's own lasting choice, which is
renewed with a fresh id and no user. Through a real app and a real Redis."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import pytest
import redis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from omotenashi import Omotenashi, Settings, consent, forget, identify, revoke
from omotenashi.engine.restraint import Prefs
from omotenashi.identity.cookie import Identity, user_profile_id
from omotenashi.ids import new_vid

from .conftest import client_for

pytestmark = [pytest.mark.anyio, pytest.mark.security]
Make = Callable[..., Settings]
PAGE = '<!doctype html><html><body><div data-omo-slot="hero">Default</div></body></html>'
RULES = """
rules:
  - {id: hello, slot: hero, text: "Hello", why: "A greeting for everyone."}
"""
UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0"
EXPIRED = (
    "omo_vid=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/; HttpOnly; SameSite=Lax"
)
KINDS = {  # the request's headers, the site's settings
    "gpc": ({"sec-gpc": "1"}, {}),
    "dnt": ({"dnt": "1"}, {}),
    "no-consent": ({}, {"respect": {"consent_required": True}}),
    "normal": ({}, {}),
}


def shop() -> Starlette:
    async def login(request: Request) -> Response:
        await identify(request, "alice")
        return RedirectResponse("/", status_code=303)

    async def logout(request: Request) -> Response:
        await forget(request)
        return RedirectResponse("/", status_code=303)  # a response we do not rewrite

    async def logout_page(request: Request) -> Response:
        await forget(request)
        return HTMLResponse(PAGE)  # a page the engine sees (contextual rules apply)

    return Starlette(
        routes=[
            Route("/login", login),
            Route("/logout", logout),
            Route("/signed-out", logout_page),
        ]
    )


def site(make_settings: Make, contextual: bool = True, **overrides: Any) -> Omotenashi:
    """``contextual``: OMOTENASHI_RESPECT_PRIVATE_CONTEXTUAL (False: a private visitor's pages
    pass as the app made them; their cookie's changes must go out all the same)."""
    respect = {**overrides.pop("respect", {}), "private_contextual": contextual}
    return Omotenashi(shop(), settings=make_settings(RULES, respect=respect, **overrides))


CONTEXTUAL = pytest.mark.parametrize(
    "contextual", [True, False], ids=["contextual", "private-untouched"]
)


def cookie_of(mw: Omotenashi, *, user: str | None, prefs: Prefs | None = None) -> Identity:
    pid = user_profile_id(mw.signer.user_salt, user) if user else None
    return Identity(new_vid(), False, time.time(), pid, (prefs or Prefs()).to_cookie())


@CONTEXTUAL
@pytest.mark.parametrize("path", ["/logout", "/signed-out"])
@pytest.mark.parametrize("signed_in", [True, False], ids=["cookie-sent", "no-cookie"])
@pytest.mark.parametrize("kind", list(KINDS))
async def test_sign_out_sets_no_visitor_cookie_for_a_private_visitor(
    make_settings: Make,
    omotenashi_redis: redis.Redis,
    kind: str,
    signed_in: bool,
    path: str,
    contextual: bool,
) -> None:
    headers, overrides = KINDS[kind]
    mw = site(make_settings, contextual, **overrides)
    before = cookie_of(mw, user="alice")
    async with client_for(mw, headers={"user-agent": UA, **headers}) as browser:
        if signed_in:
            browser.cookies.set("omo_vid", mw.signer.sign(before), domain="shop.test")
        response = await browser.get(path)
        kept = browser.cookies.get("omo_vid")
    cookies = response.headers.get_list("set-cookie")
    assert response.status_code == (200 if path == "/signed-out" else 303)
    # the engine's path (its timings), or a response left alone (a redirect, a private
    # visitor's page where they get nothing personalised)
    engine = path == "/signed-out" and (contextual or kind == "normal")
    assert ("server-timing" in response.headers) == engine
    if kind == "normal":  # a new anonymous visitor: a fresh id, no user
        assert len(cookies) == 1 and kept is not None
        after = mw.signer.read(kept)
        assert after is not None and after.user is None and after.vid != before.vid
    elif signed_in:  # the signed-in user's cookie goes, and no new one comes
        assert cookies == [EXPIRED] and kept is None
        assert "private" in response.headers["cache-control"]
        assert "cookie" in response.headers["vary"].lower()
    else:
        assert cookies == []


@pytest.mark.parametrize("anonymous", [True, False], ids=["cookie-sent", "no-cookie"])
@pytest.mark.parametrize("kind", list(KINDS))
async def test_sign_in_sets_no_visitor_cookie_for_a_private_visitor(
    make_settings: Make, omotenashi_redis: redis.Redis, kind: str, anonymous: bool
) -> None:
    headers, overrides = KINDS[kind]
    mw = site(make_settings, **overrides)
    alice = user_profile_id(mw.signer.user_salt, "alice")
    async with client_for(mw, headers={"user-agent": UA, **headers}) as browser:
        if anonymous:
            browser.cookies.set("omo_vid", mw.signer.sign(cookie_of(mw, user=None)), "shop.test")
        response = await browser.get("/login")
    cookies = response.headers.get_list("set-cookie")
    if kind == "normal":  # linked: the cookie now names the user
        assert len(cookies) == 1
        after = mw.signer.read(cookies[0].split(";")[0].partition("=")[2])
        assert after is not None and after.user == alice
    else:  # nothing links this browser to the user: no cookie, nothing stored
        assert cookies == []
        assert list(omotenashi_redis.scan_iter(match=f"*{alice}*")) == []


@pytest.mark.parametrize(
    "choice",
    [
        Prefs(nothing=True),
        Prefs(withdrawn=True),
        Prefs(off_categories=frozenset({"offers"})),  # a switch is a choice of theirs too
    ],
    ids=["personalise-nothing", "consent-withdrawn", "a-switch"],
)
@pytest.mark.parametrize("kind", list(KINDS))
@CONTEXTUAL
async def test_sign_out_renews_a_cookie_that_keeps_a_lasting_choice(
    make_settings: Make, omotenashi_redis: redis.Redis, kind: str, choice: Prefs, contextual: bool
) -> None:
    headers, overrides = KINDS[kind]
    mw = site(make_settings, contextual, **overrides)
    before = cookie_of(mw, user="alice", prefs=choice)
    async with client_for(mw, headers={"user-agent": UA, **headers}) as browser:
        browser.cookies.set("omo_vid", mw.signer.sign(before), domain="shop.test")
        response = await browser.get("/logout")
        kept = browser.cookies.get("omo_vid")
    assert len(response.headers.get_list("set-cookie")) == 1 and kept is not None
    after = mw.signer.read(kept)
    assert after is not None and after.user is None and after.vid != before.vid
    assert Prefs.from_cookie(after.prefs) == choice  # the choice holds


@pytest.mark.parametrize("path", ["/logout", "/signed-out"])
async def test_the_expiry_has_the_cookie_s_own_domain_and_flags(
    make_settings: Make, omotenashi_redis: redis.Redis, path: str
) -> None:
    mw = site(make_settings, cookie={"domain": "shop.test", "path": "/"})
    value = mw.signer.sign(cookie_of(mw, user="alice"))
    async with client_for(mw, headers={"user-agent": UA, "sec-gpc": "1"}) as browser:
        browser.base_url = "https://shop.test"
        browser.cookies.set("omo_vid", value, domain="shop.test")
        response = await browser.get(path)
    assert response.headers.get_list("set-cookie") == [EXPIRED + "; Domain=shop.test; Secure"]


async def test_a_revoked_user_s_sign_out_expires_their_cookie(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    mw = site(make_settings)
    value = mw.signer.sign(cookie_of(mw, user="mallory"))  # a user no other test revokes
    async with client_for(mw, headers={"user-agent": UA}) as browser:
        await revoke(mw, user_id="mallory")  # known only once the profile's read is back
        browser.cookies.set("omo_vid", value, domain="shop.test")
        response = await browser.get("/logout")
    assert response.headers.get_list("set-cookie") == [EXPIRED]


@pytest.mark.parametrize("kind", list(KINDS))
@CONTEXTUAL
async def test_signing_in_as_another_user_never_leaves_the_first_one_s_id(
    make_settings: Make, omotenashi_redis: redis.Redis, kind: str, contextual: bool
) -> None:
    """Bob's cookie, then Alice signs in on that browser: a private visitor is linked to
    nobody, but Bob's id must not stay for the next page to load Bob's profile for Alice."""
    headers, overrides = KINDS[kind]
    mw = site(make_settings, contextual, **overrides)
    bob = user_profile_id(mw.signer.user_salt, "bob")
    alice = user_profile_id(mw.signer.user_salt, "alice")
    async with client_for(mw, headers={"user-agent": UA, **headers}) as browser:
        browser.cookies.set("omo_vid", mw.signer.sign(cookie_of(mw, user=bob)), "shop.test")
        response = await browser.get("/login")
    cookies = response.headers.get_list("set-cookie")
    assert len(cookies) == 1
    if kind == "normal":  # signed in as Alice, on a fresh anonymous id
        after = mw.signer.read(cookies[0].split(";")[0].partition("=")[2])
        assert after is not None and after.user == alice
    else:  # linked to nobody, and Bob's id is gone from the browser
        assert cookies[0] == EXPIRED
        assert list(omotenashi_redis.scan_iter(match=f"*{alice}*")) == []


async def test_consent_given_by_the_app_reaches_a_visitor_whose_pages_pass_untouched(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    """Consent mode, where visitors without consent get nothing personalised: the app's
    ``consent(request, True)`` goes out in the cookie, and the next page is theirs."""

    async def give(request: Request) -> Response:
        await consent(request, True)
        return HTMLResponse(PAGE)

    app = Starlette(routes=[Route("/give", give), Route("/", lambda r: HTMLResponse(PAGE))])
    respect = {"consent_required": True, "private_contextual": False}
    mw = Omotenashi(app, settings=make_settings(RULES, respect=respect))
    async with client_for(mw, headers={"user-agent": UA}) as browser:
        before = await browser.get("/")
        given = await browser.get("/give")
        after = await browser.get("/")
    assert "Default" in before.text and before.headers.get_list("set-cookie") == []
    kept = mw.signer.read(given.headers["set-cookie"].split(";")[0].partition("=")[2])
    assert kept is not None and Prefs.from_cookie(kept.prefs).consent
    assert "Hello" in after.text


@pytest.mark.parametrize(
    "choice",
    [Prefs(nothing=True), Prefs(off_rules=frozenset({"hello"})), Prefs(consent=True)],
    ids=["personalise-nothing", "a-block-off", "consent"],
)
@CONTEXTUAL
async def test_a_private_visitor_s_cookie_that_keeps_a_choice_is_renewed(
    make_settings: Make, omotenashi_redis: redis.Redis, choice: Prefs, contextual: bool
) -> None:
    """Under GPC a cookie that holds a choice of theirs is signed again as anyone's is (here:
    at once), so the choice does not lapse with the cookie's age or a retired key; one that
    holds nothing of theirs is not. The choice, the id and the sign-in are kept: a profile
    kept under either from before stays theirs to see and erase (respect50 for an anonymous
    id, signedin51 for an account: its link went for a fresh id, and their pages said "We keep
    nothing about you" while the site showed them signed in)."""
    mw = site(make_settings, contextual, cookie={"refresh_after": 0})
    mw.app.router.routes.append(Route("/", lambda r: HTMLResponse(PAGE)))
    for user, prefs, renewed in (
        ("alice", choice, True),
        (None, choice, True),
        (None, Prefs(), False),
    ):
        before = cookie_of(mw, user=user, prefs=prefs)
        value = mw.signer.sign(before)
        async with client_for(mw, headers={"user-agent": UA, "sec-gpc": "1"}) as browser:
            browser.cookies.set("omo_vid", value, domain="shop.test")
            time.sleep(0.01)  # signed before this request, by the clock the cookie keeps
            response = await browser.get("/")
        cookies = response.headers.get_list("set-cookie")
        assert len(cookies) == renewed, (prefs, cookies)
        if renewed:
            after = mw.signer.read(cookies[0].split(";")[0].partition("=")[2])
            assert after is not None and Prefs.from_cookie(after.prefs) == prefs
            assert (after.vid, after.user) == (before.vid, before.user)


async def test_a_private_visitor_s_renewed_cookie_takes_the_page_s_forms_with_it(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    """The page that renews a signed-in private visitor's cookie carries the renewed cookie's
    token in its forms: "Don't show me this" on that page is taken, not refused as expired."""
    mw = site(make_settings, cookie={"refresh_after": 0}, respect={"disclosure": True})
    mw.app.router.routes.append(Route("/", lambda r: HTMLResponse(PAGE)))
    before = cookie_of(mw, user="alice", prefs=Prefs(off_rules=frozenset({"gone"})))
    async with client_for(mw, headers={"user-agent": UA, "sec-gpc": "1"}) as browser:
        browser.cookies.set("omo_vid", mw.signer.sign(before), domain="shop.test")
        time.sleep(0.01)  # signed before this request, by the clock the cookie keeps
        page = await browser.get("/")
        renewed = mw.signer.read(browser.cookies["omo_vid"])
        assert renewed is not None and (renewed.vid, renewed.user) == (before.vid, before.user)
        assert page.headers.get_list("set-cookie")  # signed again, on this page
        token = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert token is not None and token[1] == mw.signer.csrf_token(renewed)
        done = await browser.post(
            "/_omotenashi/preferences",
            data={"action": "dismiss", "rule": "hello", "csrf": token[1], "next": "/"},
            headers={"origin": "http://shop.test"},
        )
    assert done.status_code == 303
    kept = mw.signer.read(done.headers["set-cookie"].split(";")[0].partition("=")[2])
    assert kept is not None and "hello" in Prefs.from_cookie(kept.prefs).off_rules


@pytest.mark.parametrize("kind", ["gpc", "dnt", "no-consent"])
async def test_a_private_sign_out_keeps_an_anonymous_cookie_and_what_it_reaches(
    make_settings: Make, omotenashi_redis: redis.Redis, kind: str
) -> None:
    """qa46b P1: a private visitor's cookie with no user in it (the app's own sign-in: under GPC
    nothing links the id) was expired at sign-out, and a profile kept under it before GPC was
    out of their reach (not shown, not erasable) though still stored."""
    headers, overrides = KINDS[kind]
    mw = site(make_settings, **overrides)
    before = cookie_of(mw, user=None)
    omotenashi_redis.hset(mw.store.key(before.vid, "p2"), mapping={"F": 1_796_000_000, "V": 3})
    async with client_for(mw, headers={"user-agent": UA, **headers}) as browser:
        browser.cookies.set("omo_vid", mw.signer.sign(before), domain="shop.test")
        response = await browser.get("/logout")
        kept = browser.cookies.get("omo_vid")
    assert response.headers.get_list("set-cookie") == []  # the cookie stays as it was
    after = mw.signer.read(kept or "")
    assert after is not None and after.vid == before.vid
    assert omotenashi_redis.exists(mw.store.key(before.vid, "p2"))


async def test_a_private_visitor_s_renewed_cookie_keeps_the_profile_theirs_to_see(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    """(respect50) An anonymous visitor who browsed, switched a block off, then came back
    under GPC a day later: the renewed cookie keeps their id, so the data page still lists
    what is kept under it (a fresh id left it in Redis, out of their reach, and the page said
    "We keep nothing about you")."""
    mw = site(make_settings, cookie={"refresh_after": 0})
    mw.app.router.routes.append(Route("/", lambda r: HTMLResponse(PAGE)))
    async with client_for(mw, headers={"user-agent": UA}) as browser:
        for _ in range(3):
            await browser.get("/")
        await mw.drain()
        first = mw.signer.read(browser.cookies["omo_vid"])
    assert first is not None
    choice = Identity(
        vid=first.vid,
        is_new=False,
        issued_at=first.issued_at,
        prefs=Prefs(off_rules=frozenset({"hello"})).to_cookie(),
    )
    async with client_for(mw, headers={"user-agent": UA, "sec-gpc": "1"}) as browser:
        browser.cookies.set("omo_vid", mw.signer.sign(choice), domain="shop.test")
        time.sleep(0.01)  # signed before this request, by the clock the cookie keeps
        page = await browser.get("/")
        renewed = mw.signer.read(page.headers["set-cookie"].split(";")[0].partition("=")[2])
        data = " ".join((await browser.get("/_omotenashi/preferences/data")).text.split())
    assert renewed is not None and renewed.vid == first.vid
    assert "hello" in Prefs.from_cookie(renewed.prefs).off_rules
    assert "We keep nothing about you" not in data
    assert "Pages seen: 3" in data, data[:2000]
