"""The preferences form's edges: odd form tokens, oversized forms, and more choices than a
cookie holds: through the whole stack against a real Redis."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from omotenashi import Omotenashi, Settings
from omotenashi.engine.restraint import Kept, Prefs, fit
from omotenashi.identity.cookie import (
    MAX_SET_COOKIE,
    SAVE_BUDGET,
    CookieSigner,
    Identity,
    new_vid,
    user_profile_id,
)
from omotenashi.respect.preferences import NOTICES

from .conftest import client_for, page_app

Make = Callable[..., Settings]
PREFS = "/_omotenashi/preferences"
FORM = {"content-type": "application/x-www-form-urlencoded"}


def rule_id(i: int) -> str:
    """A long rule id that compresses badly (the worst case for the cookie): 63 characters."""
    return f"r{i:03d}-" + hashlib.sha256(str(i).encode()).hexdigest()[:58]


def kind(i: int, kinds: int) -> str:
    return f"kind{i % kinds:03d}-" + hashlib.md5(str(i % kinds).encode()).hexdigest()[:20]


def rules(n: int, kinds: int) -> str:
    return "rules:\n" + "".join(
        f'  - {{id: {rule_id(i)}, slot: s{i}, text: "T{i}-shown", why: "Because {i}.", '
        f"category: {kind(i, kinds)}}}\n"
        for i in range(n)
    )


def site(make_settings: Make, n: int, kinds: int) -> Omotenashi:
    page = "<!doctype html><html><body>" + "".join(
        f'<div data-omo-slot="s{i}">D{i}</div>' for i in range(n)
    )
    return Omotenashi(page_app(page + "</body></html>"), settings=make_settings(rules(n, kinds)))


async def token(client: httpx.AsyncClient) -> str:
    await client.get("/")
    page = (await client.get(PREFS)).text
    return page.split('name="csrf" value="')[1].split('"')[0]


def choices(client: httpx.AsyncClient) -> Prefs:
    ident = CookieSigner(Settings(secret_keys=["test-key"])).read(client.cookies["omo_vid"])
    assert ident is not None
    return Prefs.from_cookie(ident.prefs)


# -- the form token ---------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize(
    "body",
    [
        b"action=save&csrf=%C3%A9",
        "action=save&csrf=é".encode(),
        b"action=save&csrf=\xff\xfe",
        b"action=save&csrf=%ED%A0%80",  # a lone surrogate, percent-encoded
        b"action=save&csrf=" + "\u2603".encode() * 32,
        b"action=save&csrf=" + b"0" * 32,
        b"action=save",
    ],
    ids=["pct-e-acute", "raw-e-acute", "bad-utf8", "surrogate", "snowmen", "wrong", "none"],
)
async def test_any_wrong_form_token_is_an_expired_form_not_an_error(
    make_settings: Make, body: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    async with client_for(site(make_settings, 2, 1)) as client:
        await token(client)
        with caplog.at_level(logging.WARNING, logger="omotenashi"):
            response = await client.post(PREFS, content=body, headers=FORM)
        assert response.status_code == 403
        assert "the form has expired" in response.json()["error"]
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
        assert "T0-shown" in (await client.get("/")).text  # nothing was switched off


@pytest.mark.parametrize("given", ["é", "\udcff", "\u2603" * 32, "", "0" * 32, "0" * 33])
def test_the_signer_refuses_every_other_token(given: str) -> None:
    signer = CookieSigner(Settings(secret_keys=["test-key"]))
    ident = Identity(vid=new_vid(), is_new=False, issued_at=0.0)
    assert signer.check_csrf(ident, signer.csrf_token(ident))
    assert not signer.check_csrf(ident, given)


# -- the form's size --------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("accept", ["application/json", "text/html"])
@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "streamed"])
async def test_a_form_over_the_limit_is_413_with_the_reason(
    make_settings: Make, accept: str, declared: bool
) -> None:
    async with client_for(site(make_settings, 2, 1)) as client:
        csrf = await token(client)
        body = f"csrf={csrf}&action=save&a=".encode() + b"b" * 20000

        async def stream() -> Any:
            yield body

        content: Any = body if declared else stream()
        response = await client.post(PREFS, content=content, headers={**FORM, "accept": accept})
        assert response.status_code == 413
        assert "the form is over 16384 bytes" in response.text.lower()
        assert "T0-shown" in (await client.get("/")).text


@pytest.mark.anyio
async def test_without_our_cookie_the_form_limit_does_not_grow_with_the_rules(
    make_settings: Make,
) -> None:
    """A big rule set widens the limit for a visitor whose page can list it all; a POST from
    a browser without our cookie (a dismiss, a few switches) is read only up to 16 KiB."""
    async with client_for(site(make_settings, 250, 250)) as client:
        client.cookies.clear()
        body = b"action=save&a=" + b"b" * 20000
        response = await client.post(PREFS, content=body, headers=FORM)
    assert response.status_code == 413
    assert "the form is over 16384 bytes" in response.text.lower()


@pytest.mark.anyio
async def test_the_pages_own_form_is_never_too_big(make_settings: Make) -> None:
    """250 rules of 63-character ids, each switch on and listed, each kind on: over 16 KiB."""
    n = 250
    async with client_for(site(make_settings, n, n)) as client:
        csrf = await token(client)
        ids = [rule_id(i) for i in range(n)]
        form = {"csrf": csrf, "action": "save", "rule": ids, "listed": ids}
        form["category"] = [kind(i, n) for i in range(n)]
        response = await client.post(PREFS, data=form)
        assert len(response.request.content) > 16384
        assert response.status_code == 303, response.text
        assert response.headers["location"].partition("&n=")[0] == PREFS + "?saved=1"
        assert choices(client) == Prefs()


# -- more choices than a cookie holds -----------------------------------------------------------

# (rules, kinds, rules left on, kinds left on, the notice): every rule not left on is off.
CASES = [
    (40, 40, 0, 40, "saved"),  # fits as given: kept exactly
    (120, 120, 0, 120, "grouped"),  # every kind's only rule off: kept as kinds
    (120, 2, 2, 2, "widened"),  # one rule left on in each of two kinds: a kind goes off
    (250, 250, 0, 0, "alloff"),  # 250 kinds off: more than the cookie reads back
]


@pytest.mark.anyio
@pytest.mark.parametrize(("n", "kinds", "left_on", "kinds_on", "notice"), CASES)
async def test_a_save_always_fits_and_says_how_it_was_kept(
    make_settings: Make, n: int, kinds: int, left_on: int, kinds_on: int, notice: str
) -> None:
    async with client_for(site(make_settings, n, kinds)) as client:
        csrf = await token(client)
        ids = [rule_id(i) for i in range(n)]
        form = {"csrf": csrf, "action": "save", "listed": ids, "rule": ids[:left_on]}
        form["category"] = sorted({kind(i, kinds) for i in range(n)})[:kinds_on]
        response = await client.post(PREFS, data=form)
        assert response.status_code == 303
        assert response.headers["location"].partition("&n=")[0] == f"{PREFS}?{notice}=1"
        assert len(response.headers["set-cookie"]) <= MAX_SET_COOKIE < 4096
        kept = choices(client)
        off = set(ids[left_on:])
        assert all(
            kept.nothing or i in kept.off_rules or kind(ids.index(i), kinds) in kept.off_categories
            for i in off
        )
        if notice == "saved":
            assert kept.off_rules == off
        shown = (await client.get("/")).text
        assert not [i for i in range(left_on, n) if f"T{i}-shown" in shown]  # none comes back
        page = (await client.get(response.headers["location"])).text
        assert NOTICES[notice][:40] in page  # the page says how the choices were kept


def test_the_cookie_never_outgrows_a_browser_even_unfitted() -> None:
    """A cookie whose choices were never fitted (a sign-in on a full one) is still kept: the
    choices become 'personalise nothing', never a cookie the browser drops."""
    signer = CookieSigner(Settings(secret_keys=["test-key"]))
    many = Prefs(off_rules=frozenset(rule_id(i) for i in range(150)), consent=True)
    ident = Identity(vid=new_vid(), is_new=False, issued_at=0.0, prefs=many.to_cookie())
    header = signer.set_cookie_header(ident, secure=True)
    assert len(header) <= MAX_SET_COOKIE
    back = signer.read(header.decode().split(";")[0].split("=", 1)[1])
    assert back is not None
    assert Prefs.from_cookie(back.prefs) == Prefs(nothing=True, consent=True)


# -- the fitting itself -----------------------------------------------------------------------

RULE_KINDS = {"a1": "a", "a2": "a", "b1": "b", "b2": "b", "b3": "b", "c1": "c"}


def under(limit: int) -> Callable[[Prefs], bool]:
    return lambda p: sum(len(n) + 3 for n in (*p.off_rules, *p.off_categories)) <= limit


@pytest.mark.parametrize(
    ("off", "limit", "expect", "kept"),
    [
        ({"a1", "b1"}, 100, Prefs(frozenset({"a1", "b1"})), Kept()),
        (
            {"gone", "a1"},
            5,
            Prefs(frozenset({"a1"})),
            Kept(forgotten=frozenset({"gone"})),
        ),
        (
            {"a1", "a2", "b1"},
            9,
            Prefs(frozenset({"b1"}), frozenset({"a"})),
            Kept(grouped=frozenset({"a"})),
        ),
        (
            {"a1", "b1", "b2"},
            9,
            Prefs(frozenset({"a1"}), frozenset({"b"})),
            Kept(widened=frozenset({"b"})),
        ),
        (
            {"a1", "b1", "b2"},
            0,
            Prefs(nothing=True),
            Kept(widened=frozenset("ab"), everything=True),
        ),
    ],
    ids=["fits", "forgets-gone-rules", "groups-a-whole-kind", "widens-a-kind", "all-off"],
)
def test_fitting_only_ever_switches_more_off(
    off: set[str], limit: int, expect: Prefs, kept: Kept
) -> None:
    assert fit(Prefs(frozenset(off)), RULE_KINDS, under(limit)) == (expect, kept)


def test_fitting_keeps_what_the_cookie_reads_back() -> None:
    """More names than from_cookie reads (200) are never stored, however small."""
    many = {f"x{i}": "k" for i in range(250)}
    prefs, kept = fit(Prefs(frozenset(many)), many, lambda p: True)
    assert prefs == Prefs(off_categories=frozenset({"k"})) and kept.notice == "grouped"
    assert Prefs.from_cookie(prefs.to_cookie()) == prefs


@pytest.mark.parametrize("user_id", ["42", "é", "\udcff", "\u2603" * 100])
def test_any_user_id_has_a_stable_profile_id(user_id: str) -> None:
    """A lone surrogate (JSON's "\\udcff") is a user id like any other, never an error."""
    profile = user_profile_id("salt", user_id)
    assert profile == user_profile_id("salt", user_id) and len(profile) == 33
    assert profile != user_profile_id("salt", user_id + "x")


@pytest.mark.anyio
async def test_a_dismiss_that_does_not_fit_shows_how_it_was_kept(make_settings: Make) -> None:
    """'Don't show me this' on a full cookie: the visitor lands on the preferences page and its
    notice, not back on the page, so the widening is never silent."""
    n = 90
    async with client_for(site(make_settings, n, 1)) as client:
        csrf = await token(client)
        ident = CookieSigner(Settings(secret_keys=["test-key"])).read(client.cookies["omo_vid"])
        assert ident is not None
        ids = [rule_id(i) for i in range(n)]
        signer = CookieSigner(Settings(secret_keys=["test-key"]))

        def size(k: int) -> int:
            off = Prefs(frozenset(ids[n - k :])).to_cookie()
            return len(
                signer.set_cookie_header(Identity(ident.vid, False, 0.0, prefs=off), secure=False)
            )

        most = next(k for k in range(n) if size(k + 1) > SAVE_BUDGET)  # the most that fit
        assert most < n - 1
        form = {"csrf": csrf, "action": "save", "listed": ids, "rule": ids[: n - most]}
        form["category"] = [kind(0, 1)]
        saved = await client.post(PREFS, data=form)
        assert saved.headers["location"].partition("&n=")[0] == PREFS + "?saved=1"
        assert choices(client).off_rules == frozenset(ids[n - most :])
        more = {"csrf": csrf, "action": "dismiss", "rule": ids[n - most - 1], "next": "/"}
        dismissed = await client.post(PREFS, data=more)
        assert dismissed.headers["location"].partition("&n=")[0] == PREFS + "?widened=1"
        assert choices(client) == Prefs(off_categories=frozenset({kind(0, 1)}))
        assert NOTICES["widened"][:40] in (await client.get(dismissed.headers["location"])).text
