"""The preferences page, the readable data page and the export tell a visitor the truth about
what Redis holds for them, whatever the privacy decision (GPC, no consent ...): against a real
Redis, read back field by field."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import redis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse
from starlette.routing import Route

from omotenashi import Omotenashi, Settings, get_visitor, remember, track

from .conftest import client_for
from .conftest import form_token as csrf
from .conftest import page_words as text

pytestmark = [pytest.mark.anyio, pytest.mark.security]
Make = Callable[..., Settings]
PREFS = "/_omotenashi/preferences"
FORM = {"origin": "http://shop.test"}
PAGE = (
    '<!doctype html><html><head><meta name="omotenashi:topics" content="tours"></head><body>'
    '<div data-omo-slot="hero">Default hero</div><p data-omo-slot="tag">Default tag</p>'
    '<p data-omo-slot="side">Default side</p></body></html>'
)
RULES = """
rules:
  - {id: fan, slot: hero, text: "Tours fan", category: interests, why: "You like tours.",
     when: {interest: {tours: {at_least: 1}}}}
"""
SAME_WHY = """
rules:
  - {id: a1, slot: hero, text: "Offer A", category: offers, why: "Our offer."}
  - {id: a2, slot: tag, text: "Offer B", category: offers, why: "Our offer."}
  - {id: b1, slot: side, text: "Other", category: offers, why: "Something else."}
"""
NOTHING_KEPT = (
    "We keep nothing",
    "we keep nothing",
    "nothing is kept",
    "Nothing.</p>",
    "Nothing from this browser.</p>",
)


async def my_id(request: Request) -> PlainTextResponse:
    """``GET /me``: the id of the visitor of this request."""
    visitor = get_visitor(request)
    assert visitor is not None
    return PlainTextResponse(visitor.id)


def shop() -> Starlette:
    async def page(request: Request) -> HTMLResponse:
        return HTMLResponse(PAGE)

    async def buy(request: Request) -> PlainTextResponse:
        await track(request, "purchase", {})
        await remember(request, first_name="Aiko")
        return PlainTextResponse("ok")

    return Starlette(
        routes=[
            Route("/", page),
            Route("/buy", buy, methods=["POST"]),
            Route("/me", my_id),
        ]
    )


def site(make_settings: Make, rules: str = RULES, **respect: Any) -> Omotenashi:
    return Omotenashi(shop(), settings=make_settings(rules, respect=respect))


async def build_profile(client: httpx.AsyncClient) -> str:
    """Page views, a purchase and a first name, kept in Redis; the visitor's id."""
    for _ in range(3):
        await client.get("/")
    await client.post("/buy")
    return (await client.get("/me")).text


PRIVATE = [
    ({"sec-gpc": "1"}, {}, {}, "Global Privacy Control"),
    ({"dnt": "1"}, {}, {}, "Global Privacy Control"),
    ({}, {"omo_consent": "0"}, {"consent_required": True}, "not given consent"),
]


@pytest.mark.parametrize(
    ("headers", "cookies", "respect", "said"), PRIVATE, ids=["gpc", "dnt", "banner-to-0"]
)
async def test_a_private_visitor_is_shown_what_is_still_kept_and_can_erase_it(
    make_settings: Make,
    omotenashi_redis: redis.Redis,
    headers: dict[str, str],
    cookies: dict[str, str],
    respect: dict[str, Any],
    said: str,
) -> None:
    async with client_for(site(make_settings, **respect)) as client:
        client.cookies.set("omo_consent", "1")  # the consent banner (when the site asks)
        pid = await build_profile(client)
        client.cookies.delete("omo_consent")
        for name, value in cookies.items():
            client.cookies.set(name, value)
        client.headers.update(headers)
        key = f"omo:{{{pid}}}:p2"
        kept = omotenashi_redis.hgetall(key)
        page = await client.get(PREFS)
        data = (await client.get(PREFS + "/data")).text
        export = (await client.get(PREFS + "/export")).json()
        asked = await client.get(PREFS + "?confirm=erase")
        assert omotenashi_redis.hgetall(key) == kept  # showing it read it, wrote nothing
        erased = await client.post(
            PREFS,
            data={"csrf": csrf(asked.text), "action": "erase", "confirm": "yes"},
            headers=FORM,
        )
        after = await client.get(PREFS)
        told = await client.get(erased.headers["location"])
    views, visits, bought = kept["V"], kept.get("N", "1"), kept["P"]  # (N left out when 1)
    assert int(views) == 3 and int(bought) == 1 and json.loads(kept["afirst_name"]) == "Aiko"
    words = text(page.text)
    assert not any(claim in page.text for claim in NOTHING_KEPT), words
    assert said in words and "set-cookie" not in page.headers
    assert "neither read" in words and "nor add" in words  # not used, not added to
    assert f"seen {views} pages" in words and "Purchases: 1." in words
    assert "Details the site passed on to us: first name." in words
    assert 'value="erase"' in page.text and 'value="reset"' not in page.text
    assert 'id="omo-switches"' in page.text  # the blocks they still see can be switched off
    assert f"Visits: {visits}" in data and f"Pages seen: {views}" in data
    assert "Purchases: 1" in data and "first name: Aiko" in data
    assert not any(claim in data for claim in NOTHING_KEPT)
    assert export["visitor_id"] == pid and export["kept"] is True
    assert export["profile"]["views"] == 3 and export["profile"]["attributes"] == {
        "first_name": "Aiko"
    }
    assert 'id="erase-title"' in asked.text
    assert erased.status_code == 303 and erased.headers["location"].partition("&n=")[0].endswith(
        "?erased_all=1"
    )
    assert erased.headers["set-cookie"].startswith("omo_vid=; Max-Age=0;")  # no new id for them
    assert "our cookie is gone from this browser" in told.text
    assert omotenashi_redis.keys(f"*{pid}*") == []
    assert "Nothing from this browser.</p>" in after.text  # now true
    assert 'value="erase"' not in after.text


@pytest.mark.parametrize(
    ("headers", "respect"),
    [
        ({"sec-gpc": "1"}, {}),
        ({"dnt": "1"}, {}),
        ({}, {"consent_required": True}),
        ({"user-agent": "Googlebot/2.1 (+http://www.google.com/bot.html)"}, {}),
        ({}, {}),
    ],
    ids=["gpc", "dnt", "no-consent", "bot", "plain"],
)
async def test_the_export_of_a_visitor_without_a_cookie_has_no_id_and_nothing_kept(
    make_settings: Make,
    omotenashi_redis: redis.Redis,
    headers: dict[str, str],
    respect: dict[str, Any],
) -> None:
    async with client_for(site(make_settings, **respect)) as client:
        one = await client.get(PREFS + "/export", headers=headers)
        two = await client.get(PREFS + "/export", headers=headers)
    assert one.json() == two.json()  # nothing invented per request
    assert one.json()["visitor_id"] is None and one.json()["profile"] is None
    assert one.json()["kept"] is False and "set-cookie" not in one.headers
    assert omotenashi_redis.keys("omo:*") == []


async def test_a_private_visitor_with_nothing_kept_is_told_so(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    async with client_for(site(make_settings), headers={"sec-gpc": "1"}) as client:
        page = (await client.get(PREFS)).text
        data = (await client.get(PREFS + "/data")).text
    assert "We keep nothing about you from this browser" in page  # (privacy64: not "Nothing.":
    assert "Nothing from this browser.</p>" in page  # an account signed in to elsewhere may
    assert 'value="erase"' not in page and "We keep nothing about you from this browser" in data
    assert omotenashi_redis.keys("omo:*") == []


def switch(page: str, label: str) -> str:
    """The card of the entry ``label`` in "Shown to you recently"."""
    cards = re.findall(r'<li class="card">.*?</li>\n', page, re.S)
    found = [card for card in cards if f">{label}</label>" in card]
    assert len(found) == 1, cards
    return found[0]


async def test_dont_show_me_this_switches_off_the_whole_entry_the_page_lists(
    make_settings: Make,
) -> None:
    async with client_for(site(make_settings, SAME_WHY)) as client:
        first = (await client.get("/")).text
        token = csrf((await client.get(PREFS)).text)
        dismissed = await client.post(  # the note on the hero block names its own rule only
            PREFS,
            data={"csrf": token, "action": "dismiss", "rule": "a1", "next": "/"},
            headers=FORM,
        )
        later = (await client.get("/")).text
        page = (await client.get(PREFS)).text
    assert "Offer A" in first and "Offer B" in first and "Other" in first
    assert dismissed.status_code == 303
    assert "Offer A" not in later and "Offer B" not in later  # the whole entry
    assert "Other" in later  # another reason in the same category: still on
    entry = switch(page, "Our offer.")
    assert 'value="a1,a2"' in entry and "Off: you switched this off." in entry
    assert "checked" not in entry.split("<label")[0]
    assert "Off:" not in switch(page, "Something else.")


async def test_an_entry_with_any_rule_off_is_off_everywhere_and_a_save_keeps_it_so(
    make_settings: Make,
) -> None:
    """A cookie from before (only a1 off), or a rule added later to an entry switched off:
    the entry is off on the page and on the site, and saving the page as shown keeps it off
    (it once switched a1 back on)."""
    async with client_for(site(make_settings, SAME_WHY)) as client:
        await client.get("/")
        token = csrf((await client.get(PREFS)).text)
        await client.post(  # only a1 off (a hand-made form does this)
            PREFS,
            data={"csrf": token, "action": "save", "listed": "a1", "category": "offers"},
            headers=FORM,
        )
        later = (await client.get("/")).text
        page = (await client.get(PREFS)).text
        as_shown = {  # the form as the page renders it: what is ticked goes back ticked
            "csrf": csrf(page),
            "action": "save",
            "category": "offers",
            "listed": ["a1,a2", "b1"],
            "rule": ["b1"],
        }
        await client.post(PREFS, data=as_shown, headers=FORM)
        again = (await client.get("/")).text
    assert "Offer A" not in later and "Offer B" not in later and "Other" in later
    entry = switch(page, "Our offer.")
    assert "Off: you switched this off." in entry and "checked" not in entry.split("<label")[0]
    assert "Offer A" not in again and "Offer B" not in again and "Other" in again


async def test_the_site_template_gets_the_same_entries_as_the_dismiss(
    make_settings: Make, tmp_path: Any
) -> None:
    template = tmp_path / "mine.html"
    template.write_text(
        "{% for c in categories %}{% for r in c.rules %}[{{ r.id }}:{{ r.on }}]"
        "{% endfor %}{% endfor %}<input name=csrf value='{{ csrf }}'>"
    )
    mw = Omotenashi(
        shop(), settings=make_settings(SAME_WHY, respect={"preferences_template": template})
    )
    async with client_for(mw) as client:
        await client.get("/")
        before = (await client.get(PREFS)).text
        token = before.split("value='")[1].split("'")[0]
        await client.post(  # only a1 off, as a cookie from before could have it: off
            PREFS,
            data={"csrf": token, "action": "save", "listed": "a1", "category": "offers"},
            headers=FORM,
        )
        partly = (await client.get(PREFS)).text
        await client.post(
            PREFS, data={"csrf": token, "action": "dismiss", "rule": "a2"}, headers=FORM
        )
        after = (await client.get(PREFS)).text
        await client.post(  # everything on again
            PREFS,
            data={"csrf": token, "action": "save", "rule": "a1,a2", "category": "offers"},
            headers=FORM,
        )
        await client.post(
            PREFS, data={"csrf": token, "action": "dismiss", "rule": "a2"}, headers=FORM
        )
        page = (await client.get("/")).text
    assert before.startswith("[a1,a2:True][b1:True]")
    assert partly.startswith("[a1,a2:False][b1:True]")
    assert after.startswith("[a1,a2:False][b1:True]")
    assert "Offer A" not in page and "Offer B" not in page and "Other" in page


async def test_erasing_under_gpc_keeps_the_visitor_s_own_choices(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    """The page says the choices stay: they do, in a renewed cookie with a fresh, unlinked id
    (nothing is stored under it); only a cookie with no choices in it is expired."""
    async with client_for(site(make_settings)) as client:
        pid = await build_profile(client)
        page = await client.get(PREFS)
        saved = await client.post(
            PREFS,
            data={"csrf": csrf(page.text), "action": "save", "listed": ["fan"]},  # "fan" off
            headers=FORM,
        )
        assert saved.status_code == 303
        client.headers["sec-gpc"] = "1"
        asked = await client.get(PREFS + "?confirm=erase")
        erased = await client.post(
            PREFS,
            data={"csrf": csrf(asked.text), "action": "erase", "confirm": "yes"},
            headers=FORM,
        )
        told = await client.get(erased.headers["location"])
        kept = client.cookies.get("omo_vid")
    assert (
        erased.headers["location"].partition("&n=")[0].endswith("?erased=1")
        and "Your choices are kept" in told.text
    )
    words = text(told.text)
    assert "nothing is kept" not in words and "set no personalisation cookie" not in words
    assert "Only your choices on this page are kept" in words  # true: the cookie holds them
    assert omotenashi_redis.keys(f"*{pid}*") == []
    assert kept is not None and "Max-Age=0" not in erased.headers["set-cookie"]


async def test_a_category_counts_its_entries_not_its_rules(make_settings: Make) -> None:
    async with client_for(site(make_settings, SAME_WHY)) as client:
        await client.get("/")
        page = await client.get(PREFS)
    assert "2 kinds of suggestion" in text(page.text)  # a1 and a2 are one entry, one switch


@pytest.mark.parametrize("path", [PREFS, PREFS + "/data", PREFS + "/export"])
@pytest.mark.parametrize("headers", [{"sec-gpc": "1"}, {}], ids=["gpc", "plain"])
async def test_when_the_profile_cannot_be_read_nothing_is_said_about_it(
    make_settings: Make, path: str, headers: dict[str, str]
) -> None:
    """Redis down: "we keep nothing" (or "Visits: 0") would be a guess, not the truth."""
    mw = site(make_settings)
    async with client_for(mw) as client:
        await client.get("/")  # a visitor cookie
        cookie = client.cookies["omo_vid"]
    down = Omotenashi(shop(), settings=make_settings(RULES, redis={"url": "redis://127.0.0.1:1/0"}))
    async with client_for(down) as client:
        client.cookies.set("omo_vid", cookie, "shop.test")
        answer = await client.get(path, headers={"accept": "text/html", **headers})
    assert answer.status_code == 503
    assert "could not load what we keep about you" in answer.text
    assert (
        not any(claim in answer.text for claim in NOTHING_KEPT) and "Visits: 0" not in answer.text
    )


SEASONS = """
rules:
  - {id: a1, slot: hero, text: "Offer A", category: offers, why: "Our offer."}
  - {id: s1, slot: tag, text: "Autumn", category: offers, why: "Autumn.",
     schedule: {end: 2020-11-30}}
  - {id: s2, slot: side, text: "Winter", category: offers, why: "Winter.",
     schedule: {end: 2099-02-28}}
  - {id: s3, slot: foot, text: "Autumn too", category: offers, why: "Autumn.",
     schedule: {end: 2099-01-01}}
  - {id: s4, slot: top, text: "Summer", category: offers, why: "Summer.",
     schedule: {end: 2020-08-31}}
"""


async def test_a_kind_whose_schedules_all_ended_is_not_counted(make_settings: Make) -> None:
    # (editor63: a season that had ended still counted as one of "3 kinds of suggestion")
    async with client_for(site(make_settings, SEASONS)) as client:
        await client.get("/")
        page = await client.get(PREFS)
    # a1, s2 and the "Autumn." entry (s1 ended, s3 not yet); not s4's "Summer." (ended)
    assert "3 kinds of suggestion" in text(page.text)


async def test_an_entry_shown_once_by_two_of_its_rules_says_at_least_once(
    make_settings: Make,
) -> None:
    # (visitor62: "Shown, at least 1 time.")
    async with client_for(site(make_settings, SAME_WHY)) as client:
        await client.get("/")
        page = await client.get(PREFS)
    words = text(page.text)
    assert "at least once." in words and "1 time" not in words


@pytest.mark.parametrize(
    ("extra", "adapts"),
    [
        ("", False),  # the only block needing nothing kept has ended: nothing adapts
        ('  - {id: live, slot: side, text: "Now", category: offers, why: "Now."}\n', True),
    ],
)
def test_pages_adapt_only_while_a_kind_needing_nothing_kept_is_on(
    tmp_path: Any, extra: str, adapts: bool
) -> None:
    # (last63: an ended season still made the page say pages may adapt)
    from omotenashi.engine.restraint import Prefs
    from omotenashi.loader.ruleset import load_ruleset
    from omotenashi.loader.snippets import Renderer
    from omotenashi.respect.choices import Choices

    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "site.yaml").write_text(
        "rules:\n  - {id: autumn, slot: hero, text: X, category: offers, why: Autumn.,\n"
        "     schedule: {end: 2020-11-30}}\n" + extra
    )
    ruleset = load_ruleset(tmp_path / "rules", Renderer(tmp_path / "snippets"))
    choices = Choices.of(ruleset)
    assert choices.adapts(Prefs(), time.time()) is adapts
    assert choices.adapts(Prefs(), None) is True  # (no moment: every kind counted)
