"""reco51: a page at a catalogue item's address (its ``url:``) is that item's page, where the
journey's path rules and the page's meta tags name none of the catalogue's ids: it is not
recommended on its own page, and a view of it is a view of the item. Before, the journey
took the path's last part ("product.php", "p3.html") for the item: "Product one" was
suggested on Product one's page, and no view of it was ever counted."""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
import redis

from omotenashi import Omotenashi, Settings

from ..conftest import client_for, page_app

pytestmark = pytest.mark.anyio
PAGE = (
    "<!doctype html><html><head><title>t</title></head><body>"
    '<section data-omo-slot="also">-</section></body></html>'
)
CATALOG = """
items:
  - {id: p1, url: "/product.php?id=1", title: Product one, tags: [a]}
  - {id: p2, url: "/product.php?id=2", title: Product two, tags: [a]}
  - {id: p3, url: /shop/p3.html, title: Product three, tags: [a]}
  - {id: p4, url: /shop/p4.html, title: Product four, tags: [a]}
"""
JOURNEY = """
topics:
  - {path: "/product.php", topics: [a], item: true}
  - {path: "/shop/*", topics: [a], item: true}
"""
RULES = """
rules:
  - id: also
    slot: also
    snippet: recs.html
    recommend: {items: 4}
    why: Picked for you.
"""
SNIPPETS = {"recs.html": "{% for i in items %}<i data-item='{{ i.id }}'></i>{% endfor %}"}


@pytest.mark.parametrize(
    ("path", "own"),
    [
        ("/product.php?id=1", "p1"),
        ("/product.php?utm_source=x&id=2", "p2"),
        ("/shop/p3.html", "p3"),
    ],
)
async def test_a_page_at_an_item_s_address_is_that_item_s_page(
    make_settings: Callable[..., Settings],
    omotenashi_redis: redis.Redis,
    path: str,
    own: str,
) -> None:
    settings = make_settings(RULES, SNIPPETS, journey=JOURNEY)
    (Path(settings.rules.dir) / "catalog.yaml").write_text(textwrap.dedent(CATALOG))
    mw = Omotenashi(page_app(PAGE), settings=settings)
    async with client_for(mw) as browser:
        page = await browser.get(path)
        await mw.drain()
        export = json.loads((await browser.get("/_omotenashi/preferences/export")).content)
    shown = re.findall(r"data-item='(\w+)'", page.text)
    assert shown and own not in shown, shown
    assert own in export["profile"]["viewed"], export["profile"]["viewed"]


async def test_a_page_about_several_items_suggests_none_of_them(
    make_settings: Callable[..., Settings], omotenashi_redis: redis.Redis
) -> None:
    """(reco51) A page whose meta tag names two items (a comparison) left out only the first."""
    settings = make_settings(RULES, SNIPPETS, journey=JOURNEY)
    (Path(settings.rules.dir) / "catalog.yaml").write_text(textwrap.dedent(CATALOG))
    meta = '<meta name="omotenashi:item" content="p1, p3">'
    mw = Omotenashi(
        page_app(PAGE.replace("<title>t</title>", "<title>t</title>" + meta)), settings=settings
    )
    async with client_for(mw) as browser:
        page = await browser.get("/compare")
    shown = re.findall(r"data-item='(\w+)'", page.text)
    assert shown and not {"p1", "p3"} & set(shown), shown


async def test_a_list_page_at_the_path_of_one_item_is_no_item_s_page(
    make_settings: Callable[..., Settings], omotenashi_redis: redis.Redis
) -> None:
    """(eye51) The only item whose url is at /deals.php (``/deals.php?id=5``) does not make
    /deals.php, or its page 2, that item's page: a link there names it, a page does not."""
    catalog = CATALOG + '  - {id: p5, url: "/deals.php?id=5", title: Product five, tags: [a]}\n'
    settings = make_settings(RULES, SNIPPETS, journey=JOURNEY)
    (Path(settings.rules.dir) / "catalog.yaml").write_text(textwrap.dedent(catalog))
    mw = Omotenashi(page_app(PAGE), settings=settings)
    async with client_for(mw) as browser:
        for path in ("/deals.php", "/deals.php?page=2"):
            await browser.get(path)
        await mw.drain()
        export = json.loads((await browser.get("/_omotenashi/preferences/export")).content)
    assert "p5" not in export["profile"]["viewed"], export["profile"]["viewed"]


@pytest.mark.parametrize("path", ["/shop/p6", "/shop/p6?utm_source=x"])
async def test_another_item_at_the_address_of_the_named_one_is_not_suggested_there(
    make_settings: Callable[..., Settings], omotenashi_redis: redis.Redis, path: str
) -> None:
    """(recs56) The journey names this page's item (p6, the path's last part); the catalogue
    has a second item at the same address (a variant): it was suggested on the page, a link to
    the page itself."""
    catalog = CATALOG + (
        "  - {id: p6, url: /shop/p6, title: Product six, tags: [a]}\n"
        "  - {id: p6x, url: /shop/p6, title: Product six XL, tags: [a]}\n"
    )
    every = RULES.replace("{items: 4}", "{items: 10}")  # (every candidate shown)
    settings = make_settings(every, SNIPPETS, journey=JOURNEY)
    (Path(settings.rules.dir) / "catalog.yaml").write_text(textwrap.dedent(catalog))
    mw = Omotenashi(page_app(PAGE), settings=settings)
    async with client_for(mw) as browser:
        page = await browser.get(path)
    shown = re.findall(r"data-item='(\w+)'", page.text)
    assert sorted(shown) == ["p1", "p2", "p3", "p4"], shown
