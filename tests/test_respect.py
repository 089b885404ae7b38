"""Transparency, choice and restraint, through the whole stack against a real Redis."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
import redis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse
from starlette.routing import Route

from omotenashi import Omotenashi, Settings, consent, remember, track

from .conftest import client_for

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]
PREFS = "/_omotenashi/preferences"

PAGE = (
    "<!doctype html><html><head></head><body>"
    '<div data-omo-slot="hero">Default hero</div>'
    '<p data-omo-slot="tagline">Default tagline</p>'
    '<aside data-omo-slot="promo">Default promo</aside>'
    '<div data-omo-slot="kept"><span data-omo-off>Site keeps this</span></div>'
    "</body></html>"
)
RULES = """
rules:
  - id: seen-hero
    slot: hero
    text: "Welcome back <friend>"
    when: {views: {at_least: 1}}
    priority: 90
    category: history
    why: "You have been here before & we remembered."
  - id: mobile-tagline
    slot: tagline
    text: "On a phone"
    when: {device: mobile}
    category: device
    why: "You are on a phone."
  - id: campaign-promo
    slot: promo
    text: "Spring offer"
    when: {query: {utm_campaign: spring}}
    priority: 70
    category: campaigns
    why: "You followed our spring link."
  - id: kept-rule
    slot: kept
    text: "Never shown"
    why: "The site opted this element out."
"""
IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Version/17.0 Mobile/15E148"


def site() -> Starlette:
    async def page(request: Request) -> HTMLResponse:
        return HTMLResponse(PAGE)

    async def private(request: Request) -> HTMLResponse:
        return HTMLResponse(PAGE, headers={"X-Omotenashi": "off"})

    async def agree(request: Request) -> PlainTextResponse:
        await consent(request, request.query_params.get("yes") == "1")
        return PlainTextResponse("ok")

    async def name(request: Request) -> PlainTextResponse:
        await remember(request, first_name="Aiko")
        return PlainTextResponse("ok")

    async def bought(request: Request) -> PlainTextResponse:
        await track(request, "purchase")
        return PlainTextResponse("ok")

    return Starlette(
        routes=[
            Route("/", page),
            Route("/account", page),
            Route("/private", private),
            Route("/consent", agree),
            Route("/buy", bought),
            Route("/name", name),
        ]
    )


def make(make_settings: Make, rules: str = RULES, **respect: Any) -> Omotenashi:
    return Omotenashi(
        site(),
        settings=make_settings(
            rules,
            respect={"disclosure": True, "page_panel": True, **respect},
            exclude_paths=["/static/*", "/account"],
        ),
    )


def slot(response: httpx.Response, name: str) -> str:
    """The slot's own content (without the why note)."""
    inner = response.text.split(f'data-omo-slot="{name}"')[1].split(">", 1)[1]
    return inner.split("<details")[0].split("</")[0]


async def csrf(client: httpx.AsyncClient) -> str:
    page = (await client.get(PREFS)).text
    return page.split('name="csrf" value="')[1].split('"')[0]


async def post(client: httpx.AsyncClient, **form: Any) -> httpx.Response:
    token = form.pop("csrf", None) or await csrf(client)
    return await client.post(PREFS, data={"csrf": token, **form})


# -- transparency -----------------------------------------------------------------------------


async def test_each_block_says_why_and_the_page_lists_every_decision(make_settings: Make) -> None:
    async with client_for(make(make_settings)) as client:
        await client.get("/")
        page = (await client.get("/?utm_campaign=spring")).text
    hero_note = page.split('data-omo-why="seen-hero"')[1].split("</details>")[0]
    assert 'aria-label="i: why you see this: You have been here before &amp; we remembered"' in (
        hero_note
    )
    assert "You have been here before &amp; we remembered." in hero_note
    assert "<li>You have seen pages here before.</li>" in hero_note
    assert "views" not in hero_note  # people's words, never keys
    # a note goes inside flow containers, right after a <p>, which cannot hold one
    assert (
        '<div data-omo-slot="hero" data-omo-rule="seen-hero">Welcome back &lt;friend&gt;<details'
        in page
    )
    assert (
        '<aside data-omo-slot="promo" data-omo-rule="campaign-promo">Spring offer<details' in page
    )
    panel = page.split('<details id="omo-why"')[1]
    assert 'Why this page looks this way</summary><p lang="en" dir="ltr">2 parts' in panel
    assert "You followed our spring link." in panel
    assert "<li>You came from our spring link.</li>" in panel
    assert panel.endswith("</details></aside></body></html>")


async def test_disclosure_can_be_off_per_rule_and_site_wide(make_settings: Make) -> None:
    quiet = RULES.replace(
        'why: "You have been here before & we remembered."',
        'why: "You have been here before."\n    disclose: false',
    )
    async with client_for(make(make_settings, quiet)) as client:
        await client.get("/")
        page = (await client.get("/")).text
    assert 'data-omo-why="seen-hero"' not in page and 'id="omo-why"' in page
    async with client_for(make(make_settings, disclosure=False, page_panel=False)) as client:
        await client.get("/")
        page = (await client.get("/")).text
    assert "Welcome back" in page and "omo-why" not in page


# -- the preferences page ---------------------------------------------------------------------


async def test_preferences_show_what_is_stored_in_human_terms(make_settings: Make) -> None:
    async with client_for(make(make_settings)) as client:
        await client.get("/?utm_source=newsletter")
        await client.get("/buy")
        page = (await client.get(PREFS)).text
    assert "You have visited once and seen 1 page." in page
    assert "How you first found us: where the link you first came by says it was from: " in page
    assert "newsletter." in page
    assert "Things you did here: purchase (once)." in page
    assert "How far along we think you are: you are getting to know us." in page  # (no journey)
    assert "ev:" not in page and "omo:" not in page
    assert 'value="history" checked' in page
    assert "You are on a phone." not in page  # never shown to this visitor, so never listed


async def test_switching_a_category_off_shows_the_default_next_time(make_settings: Make) -> None:
    async with client_for(make(make_settings)) as client:
        await client.get("/")
        assert slot(await client.get("/"), "hero") == "Welcome back &lt;friend&gt;"
        response = await post(
            client,
            action="save",
            category=["device", "campaigns"],
            rule=["seen-hero", "mobile-tagline", "campaign-promo"],
        )
        assert response.status_code == 303
        assert slot(await client.get("/?utm_campaign=spring"), "hero") == "Default hero"
        assert slot(await client.get("/?utm_campaign=spring"), "promo") == "Spring offer"
        await post(client, action="save", nothing="1", category=["device", "campaigns", "history"])
        assert slot(await client.get("/?utm_campaign=spring"), "promo") == "Default promo"


async def test_dismissing_one_rule_returns_to_the_page(make_settings: Make) -> None:
    async with client_for(make(make_settings)) as client:
        await client.get("/")
        response = await post(client, action="dismiss", rule="seen-hero", next="/?a=1")
        assert (response.status_code, response.headers["location"]) == (303, "/?a=1")
        assert slot(await client.get("/"), "hero") == "Default hero"
        evil = await post(client, action="dismiss", rule="seen-hero", next="//evil.example/")
        assert evil.headers["location"] == "/"


@pytest.mark.parametrize(
    ("headers", "token"),
    [
        ({}, "forged"),
        ({"origin": "https://evil.example"}, None),
        ({"sec-fetch-site": "cross-site"}, None),
    ],
    ids=["bad-token", "cross-origin", "cross-site"],
)
async def test_state_changes_need_a_same_site_form_token(
    make_settings: Make, headers: dict[str, str], token: str | None
) -> None:
    async with client_for(make(make_settings)) as client:
        await client.get("/")
        good = await csrf(client)
        response = await client.post(
            PREFS, data={"csrf": token or good, "action": "erase"}, headers=headers
        )
        assert response.status_code == 403 and "error" in response.json()
        assert slot(await client.get("/"), "hero").startswith("Welcome back")


async def test_a_form_from_the_browsers_own_origin_is_taken_behind_a_host_rewriting_proxy(
    make_settings: Make,
) -> None:
    """mount70: behind nginx's default proxy_pass (Host: the upstream's), the Origin names the
    public host: "Don't show me this" was refused while the browser said same-origin."""
    async with client_for(make(make_settings)) as client:
        await client.get("/")
        own = {"sec-fetch-site": "same-origin", "origin": "https://www.shop.example"}
        response = await client.post(
            PREFS,
            data={"csrf": await csrf(client), "action": "dismiss", "rule": "seen-hero"},
            headers=own,
        )
        assert response.status_code == 303
        assert slot(await client.get("/"), "hero") == "Default hero"


async def test_erase_removes_every_key_and_keeps_the_choices(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    async with client_for(make(make_settings)) as client:
        await client.get("/")
        await post(client, action="save", category=["history", "campaigns"], rule=["seen-hero"])
        before = client.cookies["omo_vid"]
        assert omotenashi_redis.keys("omo:*")
        asked = await post(client, action="erase")  # asks first, erases nothing
        assert asked.headers["location"].partition("&n=")[0] == PREFS + "?confirm=erase#erase"
        confirm = (await client.get(asked.headers["location"])).text
        assert "Yes, erase everything" in confirm
        assert "autofocus" not in confirm  # no destructive button a stray Enter would press
        assert omotenashi_redis.keys("omo:*")
        response = await post(client, action="erase", confirm="yes")
        assert response.headers["location"].partition("&n=")[0] == PREFS + "?erased=1"
        assert omotenashi_redis.keys("omo:*") == []
        assert client.cookies["omo_vid"] != before
        page = (await client.get(response.headers["location"])).text
        assert "everything we kept about you is erased" in page
        assert 'value="device" checked' not in page  # the opt-out survived the erasure
        assert slot(await client.get("/", headers={"user-agent": IPHONE}), "tagline") == (
            "Default tagline"
        )


async def test_reset_keeps_the_visitor_id(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    mw = make(make_settings)
    async with client_for(mw) as client:
        await client.get("/")
        before = mw.signer.identify(f"omo_vid={client.cookies['omo_vid']}").vid
        await post(client, action="reset")
        after = mw.signer.identify(f"omo_vid={client.cookies['omo_vid']}").vid
        # the same id (the cookie itself may be signed again, a second later)
        assert omotenashi_redis.keys("omo:*") == [] and after == before and before


async def test_export_is_everything_stored_as_json(make_settings: Make) -> None:
    async with client_for(make(make_settings)) as client:
        await client.get("/?utm_campaign=spring")
        response = await client.get(PREFS + "/export")
    data = response.json()
    assert response.headers["content-disposition"].startswith("attachment")
    assert data["profile"]["views"] == 1 and data["profile"]["shown"] == {"campaign-promo": 1}


# -- restraint --------------------------------------------------------------------------------

CAPPED = """
rules:
  - id: banner
    slot: hero
    text: "Capped banner"
    cap: {views: 2, per: day, until: purchase}
    why: "A banner we show only twice a day."
"""


async def test_a_capped_banner_stops_after_n_views_and_after_converting(
    make_settings: Make,
) -> None:
    async with client_for(make(make_settings, CAPPED)) as client:
        heroes = [slot(await client.get("/"), "hero") for _ in range(4)]
    assert heroes == ["Capped banner", "Capped banner", "Default hero", "Default hero"]
    async with client_for(make(make_settings, CAPPED)) as client:
        assert slot(await client.get("/"), "hero") == "Capped banner"
        await client.get("/buy")
        assert slot(await client.get("/"), "hero") == "Default hero"


async def test_the_page_budget_keeps_the_most_important(make_settings: Make) -> None:
    async with client_for(make(make_settings, budget=2)) as client:
        await client.get("/")
        page = await client.get("/?utm_campaign=spring", headers={"user-agent": IPHONE})
    assert slot(page, "hero").startswith("Welcome back")  # priority 90
    assert slot(page, "promo").startswith("Spring offer")  # 70
    assert slot(page, "tagline") == "Default tagline"  # 50: over budget


NAMES = """
rules:
  - {id: a, slot: hero, text: "Hi {{ visitor.name }}", priority: 90, why: "Your name."}
  - {id: b, slot: tagline, text: "Still you, {{ visitor['name'] }}", why: "Your name."}
  - {id: c, slot: tagline, text: "No name here", priority: 10, why: "Fallback."}
"""


async def test_the_name_is_used_once_per_page_and_three_times_a_day(make_settings: Make) -> None:
    async with client_for(make(make_settings, NAMES)) as client:
        await client.get("/name")
        pages = [await client.get("/") for _ in range(4)]
    assert [slot(p, "tagline") for p in pages] == ["No name here"] * 4  # a second use on a page
    assert [slot(p, "hero") for p in pages] == ["Hi Aiko"] * 3 + ["Default hero"]


async def test_fresh_page_views_show_the_defaults(make_settings: Make) -> None:
    async with client_for(make(make_settings, fresh_share=1.0)) as client:
        await client.get("/")
        page = await client.get("/?utm_campaign=spring")
    assert slot(page, "hero") == "Default hero"  # behavioural: kept fresh
    assert slot(page, "promo").startswith("Spring offer")  # contextual still applies
    async with client_for(make(make_settings, fresh_share=0.5)) as client:
        heroes = [slot(await client.get("/"), "hero") for _ in range(120)]
    fresh = heroes[1:].count("Default hero")
    assert 25 < fresh < 95  # about half, drawn per visitor and page view


# -- privacy ----------------------------------------------------------------------------------


@pytest.mark.parametrize("header", [{"sec-gpc": "1"}, {"dnt": "1"}], ids=["gpc", "dnt"])
async def test_gpc_and_dnt_turn_behaviour_and_writes_off(
    make_settings: Make, omotenashi_redis: redis.Redis, header: dict[str, str]
) -> None:
    async with client_for(make(make_settings), headers=header) as client:
        for _ in range(3):
            page = await client.get("/?utm_campaign=spring", headers={"user-agent": IPHONE})
        assert "set-cookie" not in page.headers
    assert slot(page, "hero") == "Default hero"
    assert slot(page, "tagline").startswith("On a phone")  # contextual rules may still apply
    assert slot(page, "promo").startswith("Spring offer")
    assert omotenashi_redis.keys("omo:*") == []


async def test_gpc_can_mean_no_personalisation_at_all(make_settings: Make) -> None:
    mw = make(make_settings, private_contextual=False)
    async with client_for(mw, headers={"sec-gpc": "1"}) as client:
        page = await client.get("/?utm_campaign=spring")
    assert page.text == PAGE


async def test_consent_mode_writes_nothing_until_consent(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    async with client_for(make(make_settings, consent_required=True)) as client:
        for _ in range(2):
            page = await client.get("/")
        assert slot(page, "hero") == "Default hero" and omotenashi_redis.keys("omo:*") == []
        client.cookies.set("omo_consent", "granted")  # the site's consent banner
        await client.get("/")
        assert slot(await client.get("/"), "hero").startswith("Welcome back")
        client.cookies.delete("omo_consent")
        await client.get("/consent?yes=0")  # withdrawn through the Python API: erased too
        assert omotenashi_redis.keys("omo:*") == []
        await client.get("/consent?yes=1")  # given through the Python API
        await client.get("/")
        assert slot(await client.get("/"), "hero").startswith("Welcome back")


# -- the site's own opt-outs ------------------------------------------------------------------


async def test_the_site_opts_out_by_route_header_and_element(make_settings: Make) -> None:
    async with client_for(make(make_settings)) as client:
        await client.get("/")
        for path in ("/account", "/private"):
            response = await client.get(path)
            assert response.text == PAGE and "set-cookie" not in response.headers
        page = await client.get("/")
    assert slot(page, "hero").startswith("Welcome back")
    assert "Never shown" not in page.text and "Site keeps this" in page.text


async def test_preferences_page_can_be_the_sites_own(make_settings: Make, tmp_path: Any) -> None:
    template = tmp_path / "my-prefs.html"
    template.write_text(
        "<h1>Our own page</h1>{% for f in facts %}<p>{{ f }}</p>{% endfor %}"
        "<input name=csrf value='{{ csrf }}'>"
    )
    async with client_for(make(make_settings, preferences_template=template)) as client:
        await client.get("/")
        page = (await client.get(PREFS)).text
    assert page.startswith("<h1>Our own page</h1>") and "seen 1 page" in page
    token = page.split("value='")[1].split("'")[0]
    assert len(token) == 32  # the site's own forms get the visitor's CSRF token


SAME_REASON = """
rules:
  - {id: hero-a, slot: hero, text: "Hero A", why: "You booked with us.", category: journey}
  - {id: tag-a, slot: tagline, text: "Tagline A", why: "You booked with us.", category: journey}
"""


async def test_switching_a_category_off_turns_off_every_rule_in_it(make_settings: Make) -> None:
    async with client_for(make(make_settings, SAME_REASON)) as client:
        await client.get("/")
        page = (await client.get(PREFS)).text
        # one reason, one entry: a single switch covering both blocks, never "… (2)"
        assert page.count(">You booked with us.</label>") == 1 and "(2)" not in page
        await post(client, action="save", category=[])  # the category's switch, off
        home = await client.get("/")
        page = (await client.get(PREFS)).text
    assert slot(home, "hero") == "Default hero" and slot(home, "tagline") == "Default tagline"
    assert page.count("Not shown to you now: you switched off “Journey” below.") == 1


async def test_a_broken_preferences_template_is_an_apology_not_an_error(
    make_settings: Make, tmp_path: Any
) -> None:
    template = tmp_path / "broken.html"
    template.write_text("{{ 1 / 0 }}")
    async with client_for(make(make_settings, preferences_template=template)) as client:
        page = await client.get(PREFS)
    assert page.status_code == 200 and "not available just now" in page.text


@pytest.mark.parametrize(
    ("holdout", "low", "high"), [("0%", 40, 40), ("100", 0, 0), ("50%", 8, 32)]
)
async def test_a_holdout_keeps_a_stable_share_of_visitors_from_a_rule(
    make_settings: Make, holdout: str, low: int, high: int
) -> None:
    rules = f"""
    rules:
      - {{id: promo, slot: hero, text: Promo, holdout: "{holdout}", why: "Everyone."}}
    """
    shown = 0
    middleware = make(make_settings, rules)
    for _ in range(40):  # forty visitors
        async with client_for(middleware) as client:
            first = slot(await client.get("/"), "hero")
            assert slot(await client.get("/"), "hero") == first  # stable for one visitor
            shown += first == "Promo"
    assert low <= shown <= high
