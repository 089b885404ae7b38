"""Whatever a visitor switched off, the preferences page lets them switch back on: after "Start
afresh", an erase or under GPC (no record of what they were shown), a block dismissed with
"Don't show me this" keeps a switch, and ticking it shows the block again. The page's words
are true under "Personalise nothing" and for the history category. Against a real Redis."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from omotenashi import Omotenashi, Settings
from omotenashi.engine.restraint import Prefs
from omotenashi.engine.ruleset import CompiledRule
from omotenashi.identity.cookie import CookieSigner, Identity
from omotenashi.ids import new_vid
from omotenashi.loader.ruleset import load_ruleset
from omotenashi.loader.snippets import Renderer
from omotenashi.respect.choices import Choices

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
    '<p data-omo-slot="tag">Default tag</p></body></html>'
)
RULES = """
rules:
  - {id: offer, slot: hero, text: "Spring offer", category: offers, why: "Our offer."}
  - {id: fan, slot: side, text: "Tours fan", category: interests, why: "You like tours.",
     when: {interest: {tours: {at_least: 1}}}}
  - {id: fan-too, slot: tag, text: "More tours", category: interests, why: "You like tours.",
     when: {interest: {tours: {at_least: 1}}}}
  - {id: back, slot: tag, text: "Welcome back", category: browsing-history, priority: 10,
     why: "You have been here before.", when: {interest: {tours: {at_least: 1}}}}
"""
TEXT = {"offer": "Spring offer", "fan": "Tours fan"}
HISTORY_OFF = (
    "Off: from now on, what you browse here is not kept or used to choose what you see. What "
    "was kept before stays, unused, until you start afresh, erase it or switch this back on (or "
    "it expires, at the latest 90 days after your last visit); signing in while this is off "
    "erases it rather than bringing it into your account. Blocks about the page, the time "
    "or your device may still show. We still keep which of those you saw and your visits (for "
    "how often a block may be shown), and your cart, bookings and what else you do here beyond "
    "browsing pages (such as playing a video), as the site reports it."
)
# ... where no block that needs nothing kept is on either (the site's history holds "offer")
HISTORY_OFF_ALL = HISTORY_OFF.replace(
    "Blocks about the page, the time or your device may still show. We still keep which of "
    "those you saw and your visits",
    "No other block is shown to you now either. We still keep your visits",
)


def site(make_settings: Make, **respect: Any) -> Omotenashi:
    async def page(request: Request) -> HTMLResponse:
        return HTMLResponse(PAGE)

    app = Starlette(routes=[Route("/", page)])
    return Omotenashi(app, settings=make_settings(RULES, respect={"disclosure": True, **respect}))


def the_form(page: str) -> str:
    found = re.search(r'<form[^>]*id="omo-switches".*?</form>', page, re.S)
    assert found, "the page has no switches"
    return found.group(0)


def sent(page: str, tick: str = "", leave: str = "") -> dict[str, list[str]]:
    """What the switches form sends as the page shows it, with the switch whose value names
    the rule ``tick`` ticked and the category ``leave`` unticked (as a browser does: unticked
    boxes send nothing)."""
    out: dict[str, list[str]] = {}
    for tag in re.findall(r"<input[^>]*>", the_form(page), re.S):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name is None or value is None:
            continue
        ticked = re.search(r"\schecked", tag) or (tick and tick in value.group(1).split(","))
        if 'type="checkbox"' not in tag or (ticked and value.group(1) != leave):
            out.setdefault(name.group(1), []).append(value.group(1))
    return out


def switch_for(page: str, rule: str) -> str:
    """The checkbox on the page whose value names ``rule``."""
    boxes = [
        tag
        for tag in re.findall(r"<input[^>]*>", the_form(page), re.S)
        if 'type="checkbox"' in tag and re.search(rf'value="([^"]*,)?{rule}(,[^"]*)?"', tag)
    ]
    assert len(boxes) == 1, (rule, words(the_form(page)))
    return str(boxes[0])


async def look(client: httpx.AsyncClient, times: int = 3) -> str:
    page = ""
    for _ in range(times):
        page = (await client.get("/")).text
    return page


@pytest.mark.parametrize(
    ("rule", "then", "headers"),
    [
        ("fan", "reset", {}),
        ("fan", "erase", {}),
        ("offer", "reset", {}),
        ("offer", "erase", {}),
        ("offer", "", {"sec-gpc": "1"}),  # no record of what was shown, ever
    ],
    ids=["reset", "erase", "reset-contextual", "erase-contextual", "gpc"],
)
async def test_a_dismissed_block_can_be_switched_back_on_from_the_page(
    make_settings: Make,
    omotenashi_redis: redis.Redis,
    rule: str,
    then: str,
    headers: dict[str, str],
) -> None:
    async with client_for(site(make_settings), headers=headers) as client:
        before = await look(client)
        token = csrf(before)
        dismissed = await client.post(
            PREFS,
            data={"csrf": token, "action": "dismiss", "rule": rule, "next": "/"},
            headers=SAME_SITE,
        )
        if then:
            page = (await client.get(PREFS)).text
            form = {"csrf": csrf(page), "action": then, "confirm": "yes"}
            done = await client.post(PREFS, data=form, headers=SAME_SITE)
            told = {"reset": "?reset=1", "erase": "?erased=1"}[then]
            assert done.status_code == 303 and done.headers["location"].partition("&n=")[
                0
            ].endswith(told)
        gone = await look(client)  # the conditions hold again; the block stays off
        page = (await client.get(PREFS)).text
        box = switch_for(page, rule)
        saved = await client.post(PREFS, data=sent(page, tick=rule), headers=SAME_SITE)
        back = await look(client, 1)
        again = (await client.get(PREFS)).text
    assert TEXT[rule] in before and dismissed.status_code == 303
    assert TEXT[rule] not in gone
    assert "checked" not in box  # it is off, and says so
    assert "Blocks you switched off" in words(page) and "Tick one to see it again" in page
    assert saved.status_code == 303 and saved.headers["location"].partition("&n=")[0].endswith(
        "saved=1"
    )
    assert TEXT[rule] in back
    assert "Blocks you switched off" not in words(again)  # nothing is off any more
    if headers:
        assert omotenashi_redis.keys("*") == []  # the choice is in the cookie, nowhere else


async def test_a_block_switched_off_and_not_shown_lately_keeps_its_switch_and_its_state(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    """Left unticked, a save keeps it off; its whole entry (same reason, same kind) is one
    switch; another kind switched off says that the block stays off with it."""
    async with client_for(site(make_settings)) as client:
        token = csrf(await look(client))
        for rule in ("fan", "offer"):
            form = {"csrf": token, "action": "dismiss", "rule": rule, "next": "/"}
            await client.post(PREFS, data=form, headers=SAME_SITE)
        page = (await client.get(PREFS)).text
        await client.post(PREFS, data={"csrf": token, "action": "reset"}, headers=SAME_SITE)
        afresh = (await client.get(PREFS)).text
        kept = sent(afresh, leave="offers")  # its kind switched off too
        await client.post(PREFS, data=kept, headers=SAME_SITE)
        after = await look(client)
        last = (await client.get(PREFS)).text
    assert 'value="fan,fan-too"' in switch_for(page, "fan")  # listed as shown, unticked
    assert "Blocks you switched off" not in words(page)  # every one is listed above
    assert 'value="fan,fan-too"' in switch_for(afresh, "fan-too")
    assert "checked" not in switch_for(afresh, "offer")
    assert "Spring offer" not in after and "Tours fan" not in after and "More tours" not in after
    said = words(last)
    assert "Kind: Offers. Ticked, it still stays off while “Offers” is switched off below." in said


async def test_a_switched_off_rule_the_site_no_longer_has_is_listed_as_gone(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    settings = make_settings(RULES, respect={"disclosure": True})
    ident = Identity(
        vid=new_vid(), is_new=False, issued_at=time.time(), prefs={"r": ["old-1", "old-2", "fan"]}
    )
    cookie = CookieSigner(settings).sign(ident)
    async with client_for(site(make_settings)) as client:
        client.cookies.set("omo_vid", cookie, domain="shop.test")
        page = (await client.get(PREFS)).text
        saved = await client.post(PREFS, data=sent(page, tick="fan"), headers=SAME_SITE)
        again = (await client.get(PREFS)).text
    said = words(page)
    assert "You also switched off 2 blocks this site no longer shows." in said
    assert "checked" not in switch_for(page, "fan")
    assert saved.status_code == 303
    assert "switched off 2 blocks this site no longer shows" in words(again)  # kept as they are
    assert 'id="omo-switched-off"' not in again


class OnlyLookups(dict[str, CompiledRule]):
    """A rule index that answers lookups only: walking it fails the test."""

    def __iter__(self) -> Iterator[str]:
        raise AssertionError("walked every rule")

    def items(self) -> Any:
        raise AssertionError("walked every rule")

    def values(self) -> Any:
        raise AssertionError("walked every rule")

    def keys(self) -> Any:
        raise AssertionError("walked every rule")


@pytest.mark.parametrize(
    ("prefs", "listed", "expected", "gone"),
    [
        (Prefs(), [], [], 0),
        (Prefs(off_rules=frozenset({"fan-too"})), [], [("fan,fan-too", "You like tours.")], 0),
        (
            Prefs(off_rules=frozenset({"fan", "offer", "x"})),
            ["fan,fan-too"],
            [("offer", "Our offer.")],
            1,
        ),
        (
            Prefs(off_rules=frozenset({"back", "offer"})),
            [],
            [("offer", "Our offer."), ("back", "You have been here before.")],
            0,
        ),
    ],
)
def test_the_switched_off_entries_cost_what_the_cookie_holds(
    tmp_path: Path,
    prefs: Prefs,
    listed: list[str],
    expected: list[tuple[str, str]],
    gone: int,
) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "snippets").mkdir()
    (tmp_path / "rules" / "site.yaml").write_text(RULES)
    choices = Choices.of(load_ruleset(tmp_path / "rules", Renderer(tmp_path / "snippets")))
    guarded = replace(choices, by_id=OnlyLookups(choices.by_id))
    entries, left = guarded.switched_off(prefs, listed)
    assert [(e["key"], e["label"]) for e in entries] == expected and left == gone


async def test_personalise_nothing_says_so_on_every_card_and_in_the_opening_line(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    async with client_for(site(make_settings)) as client:
        page = (await client.get(PREFS)).text
        form = {"csrf": csrf(page), "action": "save", "nothing": "1", "category": ["interests"]}
        await client.post(PREFS, data=form, headers=SAME_SITE)
        nothing = (await client.get(PREFS)).text
        shown = await look(client)
        form = {"csrf": csrf(page), "action": "save", "category": ["interests", "offers"]}
        await client.post(PREFS, data=form, headers=SAME_SITE)
        back = (await client.get(PREFS)).text
    said = words(nothing)
    cards = re.findall(r'<li class="card">.*?</li>', nothing, re.S)
    kinds = [c for c in cards if 'name="category"' in c]
    assert "This site adapts some banners" in words(page)
    assert "This site adapts some banners" not in said
    assert "You chose to personalise nothing, so nothing on this site is adapted to you" in said
    assert "Spring offer" not in shown and "Default hero" in shown  # true: nothing is adapted
    assert len(kinds) == 3 and all(": you chose to personalise nothing." in c for c in kinds)
    on = [words(c) for c in kinds if "checked" in c]
    off = [words(c) for c in kinds if "checked" not in c]
    assert len(on) == 1 and "come back when you untick “Personalise nothing for me”" in on[0]
    assert "Off:" not in on[0]  # ticked: never beside "Off:"
    assert len(off) == 2 and all("You switched this kind off too." in c for c in off)
    described = [re.findall(r'aria-describedby="([^"]+)"', c) for c in kinds]
    assert all(d[0].endswith("-off") for d in described)  # read out with the switch
    assert "you chose to personalise nothing." not in words(back)
    assert "This site adapts some banners" in words(back)


@pytest.mark.parametrize(
    ("respect", "off", "history"),
    [
        ({}, "browsing-history", True),
        ({}, "offers", False),
        ({"history_category": "offers"}, "offers", True),
        ({"history_category": "offers"}, "browsing-history", False),
    ],
    ids=["default-history", "other-kind", "site-history", "not-the-sites-history"],
)
async def test_the_history_card_says_what_switching_it_off_means(
    make_settings: Make,
    omotenashi_redis: redis.Redis,
    respect: Mapping[str, str],
    off: str,
    history: bool,
) -> None:
    every = ["offers", "interests", "browsing-history"]
    async with client_for(site(make_settings, **respect)) as client:
        await client.get("/")  # (something kept: the card says it stays, unused)
        page = (await client.get(PREFS)).text
        on = [c for c in every if c != off]
        form = {"csrf": csrf(page), "action": "save", "category": on}
        await client.post(PREFS, data=form, headers=SAME_SITE)
        after = (await client.get(PREFS)).text
    cards = re.findall(r'<li class="card">.*?</li>', after, re.S)
    card = words(next(c for c in cards if f'name="category" value="{off}"' in c))
    said = HISTORY_OFF if off == "browsing-history" else HISTORY_OFF_ALL
    assert HISTORY_OFF not in words(page)  # only when it is off
    assert (said in card) is history
    assert ("Off: none of these are shown to you." in card) is not history
    assert words(after).count("Off: ") == 1


async def test_every_kind_switched_off_says_so_in_the_opening_line(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    # (privacy64: it still opened "This site adapts some banners and texts to what you do
    # here", while every block was held back and the pages showed none)
    async with client_for(site(make_settings)) as client:
        page = (await client.get(PREFS)).text
        kinds = re.findall(r'name="category" value="([^"]+)"', page)
        form = {"csrf": csrf(page), "action": "save", "category": []}
        await client.post(PREFS, data=form, headers=SAME_SITE)
        off = words((await client.get(PREFS)).text)
        shown = await look(client)
        form = {"csrf": csrf(page), "action": "save", "category": kinds[:1]}
        await client.post(PREFS, data=form, headers=SAME_SITE)
        one = words((await client.get(PREFS)).text)
    assert len(kinds) == 3 and "Spring offer" not in shown and "Default hero" in shown
    assert "You switched off every kind of suggestion, so nothing on this site is adapted" in off
    assert "This site adapts some banners" not in off
    assert "This site adapts some banners" in one and "every kind of suggestion" not in one


async def test_kinds_that_ended_are_not_said_to_be_switched_off(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    # (review64: a seasonal site between seasons told a visitor who switched nothing off
    # "You switched off every kind of suggestion")
    ended = """
rules:
  - {id: xmas, slot: hero, text: "Xmas", why: "It is Christmas.", category: seasonal,
     schedule: {start: "2025-12-01T00:00:00", end: "2025-12-26T00:00:00"}}
"""

    async def page(request: Request) -> HTMLResponse:
        return HTMLResponse(PAGE)

    app = Starlette(routes=[Route("/", page)])
    async with client_for(Omotenashi(app, settings=make_settings(ended))) as client:
        await client.get("/")
        said = words((await client.get(PREFS)).text)
    assert "every kind of suggestion" not in said and "This site adapts some banners" in said
