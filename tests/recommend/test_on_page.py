"""A recommendation does not repeat what another block on the page shows (``exclude:
on_page``, the default): an item an editors' block links to or names, or one an earlier
recommendation block lists. Through the whole stack, against a real Redis."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import redis

from omotenashi import Omotenashi, Settings
from omotenashi.engine.onpage import items_shown
from omotenashi.recommend.catalog import catalog_from_items

from ..conftest import client_for, page_app

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]

PAGE = (
    "<!doctype html><html><head><title>t</title></head><body>"
    '<section data-omo-slot="also-like"><h2>More tours</h2></section>'
    '<section data-omo-slot="feature"><p>Our pick</p></section>'
    '<section data-omo-slot="more"><h2>Still more</h2></section></body></html>'
)
CATALOG = """
items:
  - {id: kyoto-autumn, url: /tours/kyoto-autumn, title: Kyoto in autumn, tags: [japan]}
  - {id: tokyo-lights, url: /tours/tokyo-lights, title: Tokyo lights, tags: [japan]}
  - {id: bali-retreat, url: /tours/bali-retreat, title: Bali retreat, tags: [beach]}
  - {id: paris-art, url: /tours/paris-art, title: Paris and its art, tags: [city]}
  - {id: lapland, url: "https://trips.example/lapland", title: Lapland, tags: [snow]}
"""
FEATURE = """
  - id: feature
    slot: feature
    snippet: feature.html
    why: Our pick this week.
"""
RECS = """
  - id: {id}
    slot: {slot}
    snippet: recs.html
    recommend:
      items: {items}{exclude}
    why: Tours we suggest.
"""
SNIPPETS = {
    "recs.html": "<ul>{% for i in items %}<li data-item='{{ i.id }}'></li>{% endfor %}</ul>"
}
ITEM = re.compile(r"<li data-item='([a-z-]+)'>")


def _site(make_settings: Make, feature: str, *recs: dict[str, Any], **overrides: Any) -> Omotenashi:
    rules = "rules:\n" + FEATURE
    for rec in recs:
        rules += RECS.format(**{"exclude": "", "items": 4, **rec})
    settings = make_settings(rules, {**SNIPPETS, "feature.html": feature}, **overrides)
    (Path(settings.rules.dir) / "catalog.yaml").write_text(textwrap.dedent(CATALOG))
    return Omotenashi(page_app(PAGE), settings=settings)


def _slot(html: str, name: str) -> list[str]:
    start = html.index(f'data-omo-slot="{name}"')
    return ITEM.findall(html[start : html.index("</section>", start)])


@pytest.mark.parametrize(
    ("feature", "left_out"),
    [
        ('<a href="/tours/kyoto-autumn">Kyoto</a>', {"kyoto-autumn"}),
        ("<a class=x HREF=/tours/kyoto-autumn/?utm=1#top>Kyoto</a>", {"kyoto-autumn"}),
        (
            '<a href="/tours/kyoto&#45;autumn">K</a> <a href="/tours/bali-retreat">B</a>',
            {"kyoto-autumn", "bali-retreat"},
        ),
        ("<p data-omo-item='tokyo-lights'>Tokyo</p>", {"tokyo-lights"}),
        ('<a href="https://trips.example/lapland/">Lapland</a>', {"lapland"}),
        ('<a href="/tours/kyoto-autumn-extra">Not an item</a>', set()),
        ('<p data-href="/tours/kyoto-autumn">only a data attribute</p>', set()),
    ],
    ids=["link", "bare-upper-query", "escaped-and-two", "named", "absolute", "other", "data"],
)
async def test_items_an_editors_block_shows_are_not_recommended_with_it(
    feature: str, left_out: set[str], make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    async with client_for(_site(make_settings, feature, {"id": "recs", "slot": "also-like"})) as c:
        html = (await c.get("/")).text
    assert feature in html  # the editors' block is on the page
    picks = _slot(html, "also-like")
    assert len(picks) == 4 - max(0, len(left_out) - 1)  # five items; what is left, up to four
    assert not left_out & set(picks), picks


async def test_a_rule_that_does_not_exclude_on_page_may_repeat_the_block(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    exclude = "\n      exclude: [current, purchased, cart, unavailable]"
    site = _site(
        make_settings,
        '<a href="/tours/kyoto-autumn">Kyoto</a>',
        {"id": "recs", "slot": "also-like", "exclude": exclude},
    )
    async with client_for(site) as client:
        html = (await client.get("/")).text
    assert "kyoto-autumn" in _slot(html, "also-like")


async def test_two_recommendation_blocks_list_no_item_twice(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    site = _site(
        make_settings,
        '<a href="/tours/paris-art">Paris</a>',
        {"id": "recs", "slot": "also-like", "items": 2},
        {"id": "more", "slot": "more", "items": 2},
        respect={"page_panel": True},
    )
    async with client_for(site) as client:
        html = (await client.get("/")).text
    first, second = _slot(html, "also-like"), _slot(html, "more")
    assert len(first) == 2 and len(second) == 2, html
    assert not set(first) & set(second) and "paris-art" not in first + second
    # the editors' block is decided first, and the panel still lists the blocks in page order
    panel = html[html.index('data-omo-rule="more"') :]
    assert panel.index("Tours we suggest") < panel.index("Our pick this week"), panel


def test_what_a_block_shows_is_read_from_links_names_and_an_href_it_sets() -> None:
    catalog = catalog_from_items(
        [
            {"id": "a", "url": "/a", "title": "A"},
            {"id": "b", "url": "/b/", "title": "B"},
            {"id": "c", "url": "/a", "title": "C (the same page as A)"},
        ]
    )
    assert sorted(items_shown(catalog, "<a href='/a?x=1'>", {})) == ["a", "c"]
    assert list(items_shown(catalog, None, {"HREF": "/b"})) == ["b"]
    assert list(items_shown(catalog, '<i data-omo-item="b"></i><i data-omo-item="z">', {})) == ["b"]
    assert list(items_shown(catalog, "<a href=/elsewhere>", {})) == []
