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
ITEM = re.compile(r"<li data-item='([a-z0-9-]+)'>")


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
    assert list(items_shown(catalog, "<p>write href=/a or data-omo-item=b in a tag</p>", {})) == []
    assert list(items_shown(catalog, "<p>x</p>\n<A\nclass=c HREF=/b>b</A>", {})) == ["b"]
    # read as the page scanner reads tags: a ">" in a quoted value, an attribute's own words,
    # a script's text
    assert list(items_shown(catalog, '<a title="a>b" href="/b/">b</a>', {})) == ["b"]
    assert list(items_shown(catalog, '<i data-note="see href=/b">', {})) == []
    assert list(items_shown(catalog, "<script>'<a href=/b>'</script>", {})) == []
    assert "by_address" in vars(catalog)  # made with the catalogue, never in a request


QUERY_CATALOG = [{"id": f"p{n}", "url": f"/product.php?id={n}", "title": f"P{n}"} for n in range(5)]


def test_a_link_with_a_query_names_only_the_item_at_that_address() -> None:
    """Items told apart by their query (/product.php?id=N): a link to one leaves the others."""
    catalog = catalog_from_items(QUERY_CATALOG)
    assert list(items_shown(catalog, "<a href='/product.php?id=3'>", {})) == ["p3"]
    assert list(items_shown(catalog, "<a href='/product.php?id=9'>", {})) == []
    assert list(items_shown(catalog, "<a href='/product.php'>", {})) == []
    assert list(items_shown(catalog, "<!-- <a href='/product.php?id=1'> -->", {})) == []


def _engine(tmp_path: Path, rules: str, snippets: dict[str, str]) -> Any:
    from omotenashi.loader.reload import load_all
    from omotenashi.settings import RulesSettings

    (tmp_path / "rules").mkdir()
    (tmp_path / "snippets").mkdir()
    (tmp_path / "rules" / "site.yaml").write_text(textwrap.dedent(rules))
    (tmp_path / "rules" / "catalog.yaml").write_text(textwrap.dedent(CATALOG))
    for name, text in snippets.items():
        (tmp_path / "snippets" / name).write_text(text)
    return load_all(RulesSettings(dir=tmp_path / "rules", snippets_dir=tmp_path / "snippets"))


BROKEN = "{% for i in items %}{{ i.nope.x }}{% endfor %}"  # (fails for every visitor)


def _picks_of(tmp_path: Path, page: str, rules: str, runs: int = 1) -> list[Any]:
    from omotenashi.engine.facts import Facts
    from omotenashi.engine.personalise import personalise
    from omotenashi.engine.recommending import Recommender
    from omotenashi.recommend.signals import Signals

    loaded = _engine(
        tmp_path, rules, {**SNIPPETS, "feature.html": FEATURE_LINK, "bad.html": BROKEN}
    )
    recommender = Recommender(loaded.catalog, lambda: Signals(now=1.8e9))
    return [
        personalise(page, loaded.ruleset, Facts(), {}, recommender=recommender) for _ in range(runs)
    ]


FEATURE_LINK = '<a href="/tours/kyoto-autumn">Kyoto</a>'


def test_a_page_personalised_again_with_the_same_recommender_is_the_same(
    tmp_path: Path,
) -> None:
    """A measurement personalises a page again (its control) with the same recommender: what
    the first run's blocks showed leaves nothing out of the second's."""
    rules = "rules:\n" + FEATURE + RECS.format(id="recs", slot="also-like", items=4, exclude="")
    first, second = _picks_of(tmp_path, PAGE, rules, runs=2)
    assert first.html == second.html
    assert _slot(first.html, "also-like") == [
        "tokyo-lights",
        "bali-retreat",
        "paris-art",
        "lapland",
    ]


def test_a_block_inside_content_another_replaces_leaves_nothing_out(tmp_path: Path) -> None:
    """The editors' block sits inside the recommendation's slot: the recommendation replaces
    it, so its link is not on the page and Kyoto may be suggested."""
    page = PAGE.replace('<section data-omo-slot="feature"><p>Our pick</p></section>', "")
    page = page.replace("<h2>More tours</h2>", '<h2>More tours</h2><p data-omo-slot="feature"></p>')
    rules = "rules:\n" + FEATURE + RECS.format(id="recs", slot="also-like", items=5, exclude="")
    (out,) = _picks_of(tmp_path, page, rules)
    assert "kyoto-autumn" in _slot(out.html, "also-like")
    assert [d.id for d in out.applied] == ["recs"]


def test_two_blocks_aimed_at_one_element_keep_the_first_decided(tmp_path: Path) -> None:
    """A slot's recommendation and a selector rule on the same element: the slot's rule wins
    it, as without on_page (the editors' block is decided first but does not take it)."""
    page = PAGE.replace('data-omo-slot="also-like"', 'data-omo-slot="also-like" id="al"')
    rules = (
        "rules:\n"
        + RECS.format(id="recs", slot="also-like", items=4, exclude="")
        + "  - id: banner\n    selector: '#al'\n    text: Sale\n    why: A sale.\n"
    )
    (out,) = _picks_of(tmp_path, page, rules)
    assert [d.id for d in out.applied] == ["recs"], out.html


def test_a_recommendation_that_makes_no_edit_covers_nothing(tmp_path: Path) -> None:
    """The editors' block sits inside the first recommendation's slot, and that one's snippet
    fails (the slot keeps its default, the editors' block with it): its Kyoto link is on the
    page, so the next recommendation leaves Kyoto out."""
    page = PAGE.replace('<section data-omo-slot="feature"><p>Our pick</p></section>', "")
    page = page.replace("<h2>More tours</h2>", '<h2>More tours</h2><p data-omo-slot="feature"></p>')
    failing = RECS.format(id="r1", slot="also-like", items=4, exclude="").replace(
        "recs.html", "bad.html"
    )
    rules = "rules:\n" + FEATURE + failing + RECS.format(id="r2", slot="more", items=5, exclude="")
    (out,) = _picks_of(tmp_path, page, rules)
    assert [d.id for d in out.applied] == ["feature", "r2"], out.problems
    assert 'href="/tours/kyoto-autumn"' in out.html
    assert "kyoto-autumn" not in _slot(out.html, "more")
