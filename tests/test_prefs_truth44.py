"""The preferences page says only what is true for this site's settings and this visitor's
choices (hunt44): no "pages may still adapt" where pages pass untouched, no "Don't show me this"
where no block has an "i", a save changes only the kinds its page listed, the pages seen are
said as counted, and the history card promises no block every kind of which is off."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from omotenashi import Omotenashi, Settings

from .conftest import client_for, form_token, origin, page_app, page_words, switch_history
from .test_preferences_truth import PAGE

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]
PREFS = "/_omotenashi/preferences"
RULES = """
rules:
  - {id: sale, slot: tag, text: "Winter sale", category: campaigns, why: "You came from our sale.",
     when: {query: {utm_campaign: winter-sale}}}
  - {id: desk, slot: side, text: "On a desk", category: device, why: "A big screen.",
     when: {device: [desktop]}}
  - {id: fan, slot: hero, text: "Tours fan", category: interests, why: "You like tours.",
     when: {interest: {tours: {at_least: 1}}}}
"""
NEW_KIND = """
  - {id: snow, slot: hero, text: "Snow this week", category: weather, why: "News for everyone."}
"""
BROWSER = {
    "user-agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0 Safari/537.36",
    "accept": "text/html",
}
GPC = {**BROWSER, "sec-gpc": "1"}
MOMENT = "Pages may still adapt to the moment"
DISMISS = "Don't show me this"
MAY_SHOW = "Blocks about the page, the time or your device may still show"
NOT_SHOWN = "Campaigns 1 kind of suggestion. None of these is shown to you now."


def words(page: str) -> str:
    return page_words(page).replace("“", "").replace("”", "").replace("&#39;", "'")


def form_of(page: str, drop: frozenset[str] = frozenset(), **extra: Any) -> dict[str, Any]:
    """The switches form as a browser sends it: hidden fields, ticked boxes (but ``drop``)."""
    form = re.search(r'<form[^>]*id="omo-switches".*?</form>', page, re.S)
    assert form is not None
    sent: dict[str, Any] = {}
    for field in re.findall(r"<input[^>]*>", form.group(0)):
        name = re.search(r'name="([^"]+)"', field)
        value = re.search(r'value="([^"]*)"', field)
        box = 'type="checkbox"' in field
        if name and value and (not box or ("checked" in field and value.group(1) not in drop)):
            sent.setdefault(name.group(1), []).append(value.group(1))
    return sent | extra


async def save(client: httpx.AsyncClient, form: dict[str, Any]) -> None:
    saved = await client.post(PREFS, data=form, headers={"origin": origin(client)})
    assert saved.status_code == 303


# settings, headers, what the page must say, what it must not say (each row was said untrue)
SWITCH_TEXTS = [
    ({"private_contextual": False}, GPC, ["No page is adapted to you", NOT_SHOWN], [MOMENT]),
    ({"private_contextual": False}, GPC, [], [DISMISS, "switch those blocks off"]),
    ({"disclosure": False}, GPC, [MOMENT, "You can switch those blocks off below:"], [DISMISS]),
    ({"disclosure": True}, GPC, [MOMENT, DISMISS], ["No page is adapted to you"]),
    (
        {"private_contextual": False, "consent_required": True},
        BROWSER,
        ["No page is adapted to you"],
        [MOMENT, "These blocks use nothing we keep"],
    ),
]


@pytest.mark.parametrize(("respect", "headers", "said", "unsaid"), SWITCH_TEXTS)
async def test_the_page_offers_only_what_the_pages_do(
    make_settings: Make,
    respect: dict[str, Any],
    headers: dict[str, str],
    said: list[str],
    unsaid: list[str],
) -> None:
    settings = make_settings(RULES, respect={"page_panel": False, **respect})
    async with client_for(Omotenashi(page_app(PAGE), settings=settings), headers=headers) as c:
        page = await c.get("/?utm_campaign=winter-sale")
        text = words((await c.get(PREFS)).text)
    shown = "Winter sale" in page.text
    assert shown is respect.get("private_contextual", True)
    assert [s for s in said if s not in text] == []
    assert [s for s in unsaid if s in text] == []


@pytest.mark.parametrize(
    ("private_contextual", "said"),
    [(False, "No page is adapted to you meanwhile"), (True, MOMENT)],
)
async def test_the_data_page_says_whether_pages_adapt(
    make_settings: Make, private_contextual: bool, said: str
) -> None:
    settings = make_settings(RULES, respect={"private_contextual": private_contextual})
    async with client_for(Omotenashi(page_app(PAGE), settings=settings), headers=GPC) as c:
        text = words((await c.get(PREFS + "/data")).text)
    assert said in text
    assert (MOMENT in text) is private_contextual


# which kinds the form sends ticked, and whether it carries the page's list of its kinds:
# the kinds off after the save, the rules having a new kind ("weather") since the page was made
KINDS_SAVED = [
    ("page", frozenset({"device"}), {"device"}),  # the new kind stays on
    ("page", frozenset({"device", "campaigns"}), {"device", "campaigns"}),
    ("page", frozenset(), set()),
    ("old page", frozenset({"device"}), {"device", "weather"}),  # no marker: as before
    ("some kinds", frozenset({"device"}), {"device"}),  # a site's page listing one kind
]


@pytest.mark.parametrize(("sent", "unticked", "off"), KINDS_SAVED)
async def test_a_save_changes_only_the_kinds_its_page_listed(
    make_settings: Make, tmp_path: Path, sent: str, unticked: frozenset[str], off: set[str]
) -> None:
    before = make_settings(RULES)
    (tmp_path / "later").mkdir()
    (tmp_path / "later" / "site.yaml").write_text(textwrap.dedent(RULES) + NEW_KIND)
    after = make_settings()
    after.rules.dir = tmp_path / "later"  # the site's rules since the page was made
    old = Omotenashi(page_app(PAGE), settings=before)
    new = Omotenashi(page_app(PAGE), settings=after)
    async with client_for(old, headers=BROWSER) as a, client_for(new, headers=BROWSER) as b:
        await a.get("/")
        page = (await a.get(PREFS)).text
        assert 'value="weather"' not in page
        form = form_of(page, drop=unticked)
        if sent == "old page":
            form.pop("listed_kind", None)
        if sent == "some kinds":
            form = {"csrf": form_token(page), "action": "save", "listed_kind": sorted(unticked)}
        b.cookies = a.cookies
        await save(b, form)
        choices = (await b.get(PREFS + "/export")).json()["choices"]
    assert set(choices.get("c", [])) == off


async def test_switch_history_switches_it_without_a_history_rule(make_settings: Make) -> None:
    settings = make_settings(RULES)  # no rule of the kind "browsing-history"
    async with client_for(Omotenashi(page_app(PAGE), settings=settings), headers=BROWSER) as c:
        await c.get("/")
        await switch_history(c, on=False)
        off = (await c.get(PREFS + "/export")).json()["choices"]
        await switch_history(c, on=True)
        on = (await c.get(PREFS + "/export")).json()["choices"]
    assert off.get("c") == ["browsing-history"]  # (the cookie's kinds switched off)
    assert "c" not in on


# the history on or off while five pages are seen: what the page says of the count
SEEN = [
    (True, "You have visited once and seen 6 pages."),
    (
        False,
        "You have visited once. We have a record of 1 page you saw: pages you see while "
        "your browsing history is off are not counted.",
    ),
]


@pytest.mark.parametrize(("history", "said"), SEEN)
async def test_the_pages_seen_are_said_as_counted(
    make_settings: Make, history: bool, said: str
) -> None:
    settings = make_settings(RULES)
    async with client_for(Omotenashi(page_app(PAGE), settings=settings), headers=BROWSER) as c:
        await c.get("/")
        await switch_history(c, on=history)
        for path in ("/a", "/b", "/c", "/d", "/e"):
            await c.get(path)
        text = words((await c.get(PREFS)).text)
        data = words((await c.get(PREFS + "/data")).text)
    assert said in text
    assert ("Pages seen: 1 (pages you see while" in data) is not history


# kinds left on besides the history (off), headers, settings: whether a block may still show
ALL_OFF = [
    (["campaigns", "device", "interests"], BROWSER, {}, True),
    (["campaigns"], BROWSER, {}, True),
    (["interests"], BROWSER, {}, False),  # its only rule uses what was browsed
    ([], BROWSER, {}, False),
    (["campaigns", "device", "interests"], GPC, {"private_contextual": False}, False),
]


@pytest.mark.parametrize(("on", "headers", "respect", "may_show"), ALL_OFF)
async def test_the_history_card_promises_blocks_only_when_some_are_on(
    make_settings: Make,
    on: list[str],
    headers: dict[str, str],
    respect: dict[str, Any],
    may_show: bool,
) -> None:
    settings = make_settings(RULES, respect=respect)
    async with client_for(Omotenashi(page_app(PAGE), settings=settings), headers=headers) as c:
        await c.get("/")
        page = (await c.get(PREFS)).text
        off = frozenset({"campaigns", "device", "interests", "browsing-history"}) - set(on)
        await save(c, form_of(page, drop=off))
        text = words((await c.get(PREFS)).text)
    assert "Off: from now on, what you browse here is not kept" in text
    assert (MAY_SHOW in text) is may_show
    assert ("No other block is shown to you now either" in text) is not may_show
