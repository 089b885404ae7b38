"""A block inside a form of the page can be switched off on its own, under Global Privacy
Control too (a11y68): its "i" has no *Don't show me this* (its form would end the page's), and
under GPC nothing shown is recorded, so the preferences page listed no switch for it, only its
whole kind, while it said to use the button the "i" lacked. Its *Your choices* link now names
the block, and the page gives it a switch of its own. Through the whole stack, real Redis."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import pytest
import redis

from omotenashi import Omotenashi, Settings

from ..conftest import client_for, form_token, origin, page_app, page_words

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]
PREFS = "/_omotenashi/preferences"
PAGE = (
    "<!doctype html><html><head></head><body><form action=/checkout method=post>"
    '<div id="offer" data-omo-slot="offer">Default offer</div>'
    "<button>Pay</button></form></body></html>"
)
RULES = """
rules:
  - {id: spring-offer, slot: offer, text: "Spring offer", when: {query: {utm_campaign: spring}},
     category: campaigns, why: "You followed our spring link."}
"""
GPC = {"sec-gpc": "1"}


def site(make_settings: Make) -> Omotenashi:
    settings = make_settings(RULES, respect={"disclosure": True, "page_panel": True})
    return Omotenashi(page_app(PAGE), settings=settings)


def choices_link(page: str) -> str:
    found = re.search(r'<a href="([^"]+)">Your choices</a>', page)
    assert found, page
    return html.unescape(found[1])


@pytest.mark.parametrize("headers", [GPC, {}], ids=["gpc", "no-gpc"])
async def test_the_block_in_a_form_is_switched_off_from_its_link(
    make_settings: Make, omotenashi_redis: redis.Redis, headers: dict[str, str]
) -> None:
    async with client_for(site(make_settings)) as client:
        client.headers.update(headers)
        await client.get("/")  # (a cookie: a visitor whose choices can be kept)
        page = await client.get("/?utm_campaign=spring")
        assert "Spring offer" in page.text and 'class="omo-dismiss"' not in page.text
        link = choices_link(page.text)
        assert link == f"{PREFS}?block=spring-offer#omo-came"
        prefs = await client.get(link.split("#")[0])
        came = re.search(r'<ul class="cards" id="omo-came">(.*?)</ul>', prefs.text, re.S)
        if headers:  # nothing shown is recorded: a switch of its own
            assert came, prefs.text
            assert "You followed our spring link." in came[1]
            assert "A block the link you followed names (kind: Campaigns)" in page_words(came[1])
        else:  # listed as shown already, with its switch there
            assert not came and prefs.text.count('name="rule" value="spring-offer"') == 1
        fields = {
            "csrf": form_token(prefs.text),
            "action": "save",
            "listed": re.findall(r'name="listed" value="([^"]+)"', prefs.text),
            "was": re.findall(r'name="was" value="([^"]*)"', prefs.text),
        }  # every box left as it was but this one, unticked
        fields["rule"] = [
            v for v in re.findall(r'name="rule" value="([^"]+)"', prefs.text) if v != "spring-offer"
        ]
        fields["category"] = re.findall(r'name="category" value="([^"]+)" checked', prefs.text)
        fields["listed_kind"] = re.findall(r'name="listed_kind" value="([^"]+)"', prefs.text)
        saved = await client.post(PREFS, data=fields, headers={"origin": origin(client)})
        assert saved.status_code == 303
        again = await client.get("/?utm_campaign=spring")
        assert "Default offer" in again.text and "Spring offer" not in again.text
        other = await client.get(PREFS)  # the kind stays on: only the block was switched off
        assert re.search(r'name="category" value="campaigns" checked', other.text)


@pytest.mark.parametrize("block", ["no-such-rule", "", "spring-offer" * 20])
async def test_a_link_naming_no_rule_lists_nothing_of_its_own(
    make_settings: Make, omotenashi_redis: redis.Redis, block: str
) -> None:
    async with client_for(site(make_settings)) as client:
        client.headers.update(GPC)
        await client.get("/")
        prefs = await client.get(PREFS, params={"block": block})
    assert prefs.status_code == 200 and 'id="omo-came"' not in prefs.text


async def test_a_block_listed_as_shown_is_not_listed_twice(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    async with client_for(site(make_settings)) as client:
        await client.get("/")
        await client.get("/?utm_campaign=spring")  # recorded: listed as shown
        prefs = await client.get(PREFS, params={"block": "spring-offer"})
    assert prefs.text.count('name="rule" value="spring-offer"') == 1
    # the link's #omo-came lands on the card listed as shown (it was at no element: last69)
    assert prefs.text.count('id="omo-came"') == 1
    card = re.search(r'<li class="card" id="omo-came">(.*?)</li>', prefs.text, re.S)
    assert card and 'value="spring-offer"' in card[1], prefs.text


async def test_a_named_block_switched_off_is_where_the_link_lands(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    async with client_for(site(make_settings)) as client:
        client.headers.update(GPC)  # (nothing shown is recorded: listed as switched off only)
        await client.get("/")
        first = await client.get(PREFS)
        fields = {"csrf": form_token(first.text), "action": "save", "listed": "spring-offer"}
        saved = await client.post(PREFS, data=fields, headers={"origin": origin(client)})
        assert saved.status_code == 303
        plain = await client.get(PREFS)
        prefs = await client.get(PREFS, params={"block": ["no-such-rule", "spring-offer"]})
    assert 'id="omo-came"' not in plain.text  # (no link followed: no anchor)
    off = re.search(r'<ul class="cards" id="omo-switched-off">(.*?)</ul>', prefs.text, re.S)
    assert off and off[1].count('id="omo-came"') == 1, prefs.text
    assert prefs.text.count('id="omo-came"') == 1


async def test_no_block_is_named_in_a_note_outside_a_form(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    """Outside a form the note has its own button: its link is the plain one."""
    page = PAGE.replace("<form action=/checkout method=post>", "").replace("</form>", "")
    settings = make_settings(RULES, respect={"disclosure": True})
    async with client_for(Omotenashi(page_app(page), settings=settings)) as client:
        await client.get("/")
        got = await client.get("/?utm_campaign=spring")
    assert choices_link(got.text) == PREFS and 'class="omo-dismiss"' in got.text


async def test_a_long_query_naming_a_block_still_opens_the_page(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    """review68: past 20 fields the page was "not available just now", every time."""
    params = {f"f{n}": "x" for n in range(40)} | {"noblock": "1", "block": "spring-offer"}
    async with client_for(site(make_settings)) as client:
        client.headers.update(GPC)
        await client.get("/")
        prefs = await client.get(PREFS, params=params)
    assert prefs.status_code == 200 and 'id="omo-came"' in prefs.text


async def test_the_blocks_switch_says_what_holds_it_back_now(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    """review68: under "Personalise nothing" it said "Untick it to stop seeing it"."""
    async with client_for(site(make_settings)) as client:
        client.headers.update(GPC)
        await client.get("/")
        page = await client.get(PREFS)
        fields = {"csrf": form_token(page.text), "action": "save", "nothing": "on"}
        saved = await client.post(PREFS, data=fields, headers={"origin": origin(client)})
        assert saved.status_code == 303
        prefs = await client.get(PREFS, params={"block": "spring-offer"})
    came = re.search(r'<ul class="cards" id="omo-came">(.*?)</ul>', prefs.text, re.S)
    assert came, prefs.text
    words = page_words(came[1])
    assert "Not shown to you now:" in words and "Untick it" not in words


CARD = (
    "<!doctype html><html><head></head><body>"
    '<div role="link" tabindex="0"><div data-omo-slot="offer">Default offer</div></div>'
    '<ul role="menu"><li role="menuitem" data-omo-slot="menu">Default item</li></ul>'
    "</body></html>"
)
TWO = (
    RULES
    + """  - {id: menu-offer, slot: menu, text: "Menu offer", when: {query: {utm_campaign: spring}},
     category: campaigns, why: "Our spring menu."}
"""
)


async def test_blocks_without_their_i_are_named_by_the_panels_link(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    """eye68: a block the page gives no "i" (inside a control by its role, an item of a menu)
    had, under GPC, only its kind's switch: the panel's link names them now."""
    settings = make_settings(TWO, respect={"disclosure": True, "page_panel": True})
    async with client_for(Omotenashi(page_app(CARD), settings=settings)) as client:
        client.headers.update(GPC)
        await client.get("/")
        page = await client.get("/?utm_campaign=spring")
        assert 'class="omo-i"' not in page.text and "Spring offer" in page.text
        link = re.search(r'<a href="([^"]+)">See and change your choices</a>', page.text)
        assert link, page.text
        href = html.unescape(link[1])
        assert href == f"{PREFS}?block=spring-offer&block=menu-offer#omo-came"
        prefs = await client.get(href.split("#")[0])
    came = re.search(r'<ul class="cards" id="omo-came">(.*?)</ul>', prefs.text, re.S)
    assert came, prefs.text
    assert re.findall(r'name="rule" value="([^"]+)" checked', came[1]) == [
        "spring-offer",
        "menu-offer",
    ]
