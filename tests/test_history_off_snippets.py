"""The visitor's browsing history switched off holds for the snippets of the rules still shown
too: a rule with no condition on their behaviour (a plain banner) is shown, but what its
snippet reads of ``visitor`` is as a brand-new visitor's for every field the rule filter counts
as history (engine/profile.py ``HISTORY_FIELDS``); switched back on, the snippet reads them
again. A tiny app, the real preferences endpoint, a real Redis."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
import redis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from omotenashi import Omotenashi, Settings
from omotenashi.engine.profile import (
    HISTORY_FIELDS,
    PAGE_FIELDS,
    VISITOR_READS,
    Profile,
    visitor_view,
)
from omotenashi.engine.render import VISITOR_FIELDS
from omotenashi.rules.model import CONTEXTUAL, When
from omotenashi.testing import SeededVisitor

from .conftest import client_for, switch_history

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]
PREFS = "/_omotenashi/preferences"
SAME_SITE = {"origin": "http://shop.test"}
HISTORY = "browsing-history"
JOURNEY = """
    topics:
      - {path: "/tours/kyoto-*", topics: [kyoto], item: true}
    segments:
      kyoto-fan: {interest: {kyoto: {at_least: 1}}}
"""
# the banner (no condition: shown whatever the history) and a rule of the history's own
# category (so that the preferences page offers the switch)
RULES = """
    rules:
      - id: banner
        slot: banner
        snippet: banner.html
        priority: 90
        category: banners
        why: "A note for every visitor."
      - id: kyoto-note
        slot: note
        text: "You looked at Kyoto."
        when: {interest: {kyoto: {at_least: 1}}}
        category: browsing-history
        why: "You have been looking at Kyoto."
"""
# what was kept about the visitor before this test's pages (the site's own and older visits)
SEEDED = {
    "visits": 3,
    "stage": "consideration",
    "purchases": 1,
    "segments": ["vip"],
    "attrs": {"first_name": "Aiko"},
    "cart": {"kyoto-autumn": 1},
}
BROWSED = ["/tours/kyoto-autumn", "/tours/kyoto-autumn"]


def site(tmp_path: Path, make_settings: Make, snippet: str) -> Omotenashi:
    async def home(request: Request) -> HTMLResponse:
        return HTMLResponse(
            '<!doctype html><html><body><div id="banner" data-omo-slot="banner">-</div>'
            '<p data-omo-slot="note"></p></body></html>'
        )

    async def tour(request: Request) -> HTMLResponse:  # no slot: the name is not used up here
        return HTMLResponse("<!doctype html><html><body><h1>A tour</h1></body></html>")

    app = Starlette(routes=[Route("/", home), Route("/tours/{slug}", tour)])
    settings = make_settings(
        rules=RULES,
        journey=JOURNEY,
        lists={"sale": ["kyoto-autumn"]},
        snippets={"banner.html": f"[{snippet}]"},
        respect={"name_per_day": 10},  # the name is printed on every page of the test
    )
    return Omotenashi(app, settings=settings)


def banner(page: httpx.Response) -> str:
    found = re.search(r'data-omo-rule="banner"[^>]*>\[(.*?)\]', page.text, re.S)
    assert found, page.text  # the banner is shown, history on or off
    return found.group(1)


@pytest.mark.parametrize(
    ("field", "snippet", "with_history", "history_off"),
    [
        ("stage", "{{ visitor.stage }}", "consideration", "awareness"),
        ("segments", "{{ visitor.segments|join(',') }}", "kyoto-fan,vip", ""),
        ("visits", "{{ visitor.visits }}", "3", "1"),
        ("returning", "{{ visitor.returning }}", "True", "False"),
        ("interests", "{{ visitor.interests|join(',') }}", "kyoto", ""),
        ("name", "{{ visitor.name }}", "Aiko", ""),
        ("cart", "{{ visitor.cart|join(',') }}", "kyoto-autumn", ""),
        ("purchases", "{{ visitor.purchases }}", "1", "0"),
        ("viewed_in", "{{ visitor.viewed_in.sale|join(',') }}", "kyoto-autumn", ""),
        ("titles", "{{ visitor.titles.values()|join(',') }}", "kyoto autumn", ""),
        ("device", "{{ visitor.device }}", "other", "other"),  # the page's own: it stays
    ],
)
async def test_a_banner_reads_nothing_of_the_history_while_it_is_off(
    tmp_path: Path,
    make_settings: Make,
    omotenashi_redis: redis.Redis,
    omotenashi_visitor: Callable[..., SeededVisitor],
    field: str,
    snippet: str,
    with_history: str,
    history_off: str,
) -> None:
    visitor = omotenashi_visitor(**SEEDED)
    async with client_for(site(tmp_path, make_settings, snippet)) as client:
        visitor.apply(client)
        for path in BROWSED:
            await client.get(path)
        before = await client.get("/")
        await switch_history(client, on=False)
        off = [await client.get("/"), await client.get("/")]  # the second: from any cache
        await switch_history(client, on=True)
        again = await client.get("/")
    assert (field in HISTORY_FIELDS) is (with_history != history_off)
    assert banner(before) == with_history
    assert [banner(page) for page in off] == [history_off, history_off]
    assert 'data-omo-rule="kyoto-note"' not in off[0].text  # the filter: the same decision
    assert banner(again) == with_history  # what was kept before is read again


def test_the_history_fields_are_those_the_rule_filter_counts_as_history() -> None:
    assert tuple(VISITOR_READS) == VISITOR_FIELDS  # every field says what it tells
    reads = {read for fields in VISITOR_READS.values() for read in fields}
    assert reads <= When.model_fields.keys()  # conditions the filter classifies
    assert PAGE_FIELDS == {"device"} and HISTORY_FIELDS == set(VISITOR_FIELDS) - PAGE_FIELDS
    assert "device" in CONTEXTUAL


def view(profile: Profile, *, new: bool, history_off: bool = False) -> dict[str, object]:
    """The snippet's view of a returning visitor's facts (``new``: of a brand-new one's)."""
    return visitor_view(
        profile,
        is_new=new,
        device="mobile",
        interests={} if new else {"kyoto": 3.0},
        segments=frozenset() if new else frozenset({"vip"}),
        viewed_in={"sale": [] if new else ["kyoto-autumn"]},
        history_off=history_off,
    )


def test_history_off_gives_a_new_visitor_s_view_but_the_page_s_own() -> None:
    kept = Profile(visits=4, stage="loyalty", purchases=2, cart={"a": 1})
    kept.attrs = {"first_name": "Aiko"}
    new = view(Profile(), new=True)
    assert view(kept, new=False, history_off=True) == new
    assert view(kept, new=False) != new
    assert new["device"] == "mobile" and new["stage"] == "awareness" and new["visits"] == 1


RECOMMEND = """
    rules:
      - id: picks
        slot: banner
        snippet: picks.html
        recommend: {items: 2, strategies: {popular: 1}}
        category: recommendations
        why: "Tours we suggest."
      - id: kyoto-note
        slot: note
        text: "You looked at Kyoto."
        when: {interest: {kyoto: {at_least: 1}}}
        category: browsing-history
        why: "You have been looking at Kyoto."
"""
CATALOG = """
items:
  - {id: kyoto-autumn, url: /tours/kyoto-autumn, title: Kyoto in autumn, tags: [kyoto]}
  - {id: bali-retreat, url: /tours/bali-retreat, title: Bali retreat, tags: [bali]}
"""


async def test_a_recommendation_snippet_reads_nothing_of_the_history_while_it_is_off(
    tmp_path: Path,
    make_settings: Make,
    omotenashi_redis: redis.Redis,
    omotenashi_visitor: Callable[..., SeededVisitor],
) -> None:
    """Its output is kept when it does not read the visitor (engine/render.py
    ``render_items``): the same items for history on and off must not share one that does."""
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "catalog.yaml").write_text(CATALOG)
    snippet = "[{{ visitor.stage }}:{{ items|map(attribute='id')|join(',') }}]"
    settings = make_settings(rules=RECOMMEND, snippets={"picks.html": snippet})

    async def home(request: Request) -> HTMLResponse:
        return HTMLResponse(
            '<!doctype html><html><body><div data-omo-slot="banner">-</div>'
            '<p data-omo-slot="note"></p></body></html>'
        )

    visitor = omotenashi_visitor(stage="consideration", interests={"kyoto": 3})
    app = Starlette(routes=[Route("/", home)])
    async with client_for(Omotenashi(app, settings=settings)) as client:
        visitor.apply(client)
        pages = [await client.get("/")]
        for on in (False, True):
            await switch_history(client, on=on)
            pages += [await client.get("/"), await client.get("/")]
    said = [re.findall(r'data-omo-rule="picks"[^>]*>\[([a-z]+):', p.text) for p in pages]
    assert said == [["consideration"], ["awareness"], ["awareness"], *[["consideration"]] * 2]
