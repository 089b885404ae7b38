"""A private visitor (GPC/DNT, no consent ...) can switch off the blocks they still see, the
choice kept only in their cookie; where no choice can be kept (no consent, no cookie) the page
says why instead of "nothing to switch off". Against a real Redis: nothing is stored."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
import redis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from omotenashi import Omotenashi, Settings
from omotenashi.respect.privacy import Privacy

from .conftest import client_for
from .conftest import form_token as csrf
from .conftest import page_words as words

pytestmark = [pytest.mark.anyio, pytest.mark.security]
Make = Callable[..., Settings]
PREFS = "/_omotenashi/preferences"
SAME_SITE = {"origin": "http://shop.test"}
PAGE = (
    '<!doctype html><html><head><meta name="omotenashi:topics" content="tours"></head><body>'
    '<div data-omo-slot="hero">Default hero</div><p data-omo-slot="side">Default side</p>'
    "</body></html>"
)
RULES = """
rules:
  - {id: offer, slot: hero, text: "Spring offer", category: offers, why: "Our offer."}
  - {id: fan, slot: side, text: "Tours fan", category: interests, why: "You like tours.",
     when: {interest: {tours: {at_least: 1}}}}
"""
NOT_SHOWN_SAME_SITE = [{}, {"origin": "https://evil.example"}, {"sec-fetch-site": "cross-site"}]
GONE = ("nothing to switch off", "There is nothing to switch off")


def site(make_settings: Make, **respect: Any) -> Omotenashi:
    async def page(request: Request) -> HTMLResponse:
        return HTMLResponse(PAGE)

    app = Starlette(routes=[Route("/", page)])
    return Omotenashi(app, settings=make_settings(RULES, respect={"disclosure": True, **respect}))


@pytest.mark.parametrize(
    ("reason", "has_cookie", "keeps"),
    [
        ("", True, True),
        ("", False, True),
        ("gpc", True, True),
        ("gpc", False, True),  # a new cookie, for the choice only
        ("consent", True, True),  # the cookie they already have
        ("consent", False, False),  # no cookie at all until consent
        ("withdrawn", True, True),
        ("revoked", True, True),
        ("nothing", True, True),
        ("bot", True, False),
        ("bot", False, False),
    ],
)
def test_where_a_choice_can_be_kept(reason: str, has_cookie: bool, keeps: bool) -> None:
    assert Privacy(reason).keeps_choices(has_cookie) is keeps


@pytest.mark.parametrize("signal", [{"sec-gpc": "1"}, {"dnt": "1"}], ids=["gpc", "dnt"])
async def test_dont_show_me_this_works_under_gpc_and_keeps_it_only_in_a_new_cookie(
    make_settings: Make, omotenashi_redis: redis.Redis, signal: dict[str, str]
) -> None:
    async with client_for(site(make_settings), headers=signal) as client:
        page = await client.get("/")
        form = {"csrf": csrf(page.text), "action": "dismiss", "rule": "offer", "next": "/"}
        # no cookie to tie a token to: the browser must show the form came from this site
        refused = [await client.post(PREFS, data=form, headers=h) for h in NOT_SHOWN_SAME_SITE]
        done = await client.post(PREFS, data=form, headers=SAME_SITE)
        after = await client.get("/")
        prefs = await client.get(PREFS)
    assert "Spring offer" in page.text and "Don't show me this" in page.text
    assert [r.status_code for r in refused] == [403] * 3
    assert not any("set-cookie" in r.headers for r in refused)
    assert "set-cookie" not in page.headers  # no cookie until they choose something
    assert done.status_code == 303 and done.headers["location"] == "/"
    assert done.headers["set-cookie"].startswith("omo_vid=")
    assert "Spring offer" not in after.text and "Default hero" in after.text
    assert omotenashi_redis.keys("*") == []  # the choice is in the cookie, nowhere else
    said = words(prefs.text)
    assert "We keep nothing about you" in said and not any(g in said for g in GONE)
    # the only block that needs nothing kept is off now: none is promised, it can come back on
    assert "switch those blocks off below" not in said and 'id="omo-switches"' in prefs.text
    assert "No page is adapted to you meanwhile" in said and "Tick one to see it again" in said


async def test_the_gpc_preferences_page_lists_and_saves_what_can_be_switched_off(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    async with client_for(site(make_settings), headers={"sec-gpc": "1"}) as client:
        page = await client.get(PREFS)
        all_on = await client.post(  # every switch left on: nothing to keep, no cookie
            PREFS,
            data={"csrf": csrf(page.text), "action": "save", "category": ["offers", "interests"]},
            headers=SAME_SITE,
        )
        offers_off = await client.post(
            PREFS,
            data={"csrf": csrf(page.text), "action": "save", "category": ["interests"]},
            headers=SAME_SITE,
        )
        after = await client.get("/")
        again = await client.get(PREFS)
    said = words(page.text)
    assert not any(g in said for g in GONE) and "set-cookie" not in page.headers
    assert 'name="category" value="offers"' in page.text
    assert "None of these is shown to you now" in said  # "interests" needs what is kept
    assert 'value="reset"' not in page.text and "Start afresh" not in said
    assert all_on.status_code == 303 and "set-cookie" not in all_on.headers
    assert offers_off.status_code == 303 and offers_off.headers["location"].partition("&n=")[
        0
    ].endswith("saved=1")
    assert offers_off.headers["set-cookie"].startswith("omo_vid=")
    assert "Spring offer" not in after.text
    assert re.search(r'value="offers"\s+aria-describedby', again.text)  # shown off: unchecked
    assert re.search(r'value="interests" checked', again.text)
    assert omotenashi_redis.keys("*") == []


@pytest.mark.parametrize("signal", [{}, {"sec-gpc": "1"}], ids=["no-consent", "gpc-too"])
async def test_without_consent_no_cookie_is_set_and_the_page_says_why_blocks_stay(
    make_settings: Make, omotenashi_redis: redis.Redis, signal: dict[str, str]
) -> None:
    """Without consent where it is required, no cookie, even for a choice: GPC too."""
    async with client_for(site(make_settings, consent_required=True), headers=signal) as client:
        page = await client.get("/")
        prefs = await client.get(PREFS)
        refused = await client.post(
            PREFS,
            data={"csrf": "", "action": "dismiss", "rule": "offer"},
            headers={**SAME_SITE, "accept": "text/html"},
        )
    said = words(prefs.text)
    assert "Spring offer" in page.text and 'class="omo-i"' in page.text
    assert "Don't show me this" not in page.text  # it could not work: no cookie without consent
    assert not any(g in said for g in GONE) and 'id="omo-switches"' not in prefs.text
    if not signal:
        assert "use nothing we keep about you" in said and "until you give consent" in said
    assert refused.status_code == 403 and "sets none until you give consent" in refused.text
    for response in (page, prefs, refused):
        assert "set-cookie" not in response.headers
    assert omotenashi_redis.keys("*") == []


async def test_a_visitor_who_refused_consent_later_switches_off_in_the_cookie_they_have(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    async with client_for(site(make_settings, consent_required=True)) as client:
        client.cookies.set("omo_consent", "1")
        await client.get("/")
        client.cookies.set("omo_consent", "0")  # the banner: consent refused since
        page = await client.get("/")
        done = await client.post(
            PREFS,
            data={"csrf": csrf(page.text), "action": "dismiss", "rule": "offer", "next": "/"},
            headers=SAME_SITE,
        )
        after = await client.get("/")
    assert "Spring offer" in page.text and "Don't show me this" in page.text
    assert done.status_code == 303 and "Spring offer" not in after.text
