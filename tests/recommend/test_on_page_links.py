"""``exclude: on_page`` reads a link as the page it goes to (recommend/links.py): an absolute
link to the page's own host and a site-relative one are one page, whichever form the
catalogue's ``url`` has (a link to another host names only an item on that host); the query's
parameters that name the catalogue's items at that path count in any order, and whatever else
a link adds (tracking or any other parameter) does not; ``/item.php?id=31`` is not
``/item.php?id=3``. Looked up in one or two dict reads per link, never a pass over the
catalogue."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis

from omotenashi import Omotenashi
from omotenashi.engine.onpage import items_shown
from omotenashi.recommend.catalog import catalog_from_items
from omotenashi.recommend.links import Addresses, own_host

from ..conftest import client_for, page_app
from .test_on_page import FEATURE, PAGE, RECS, SNIPPETS, Make, _site, _slot

pytestmark = pytest.mark.anyio
CATALOG = catalog_from_items(
    [
        {"id": "a", "url": "/tours/a", "title": "A"},
        {"id": "b", "url": "https://Shop.Test/tours/b/", "title": "B"},
        {"id": "far", "url": "https://trips.example/far", "title": "Far"},
        {"id": "p3", "url": "/item.php?id=3", "title": "P3 (the only item at its path)"},
        {"id": "x2", "url": "/list.php?cat=x&page=2", "title": "X2"},
        {"id": "y2", "url": "/list.php?page=2&cat=y", "title": "Y2"},
        {"id": "deal", "url": "/deal?utm_source=feed&gclid=1", "title": "Deal"},
    ]
)


@pytest.mark.parametrize(
    ("link", "here", "named"),
    [
        ("https://shop.test/tours/a", "shop.test", ["a"]),  # absolute, to a relative url
        ("//SHOP.test:443/tours/a/#top", "shop.test", ["a"]),
        ("http://shop.test./tours/a?x=1", "shop.test", ["a"]),  # any query: no item has one
        ("https://elsewhere.test/tours/a", "shop.test", []),  # another host never
        ("https://shop.test/tours/a", "", []),  # the page's host not known
        ("/tours/b", "shop.test", ["b"]),  # relative, to an absolute url on this host
        ("/tours/b", "elsewhere.test", []),
        ("https://shop.test/tours/b", "", ["b"]),  # as written in the catalogue
        ("https://trips.example/far/", "shop.test", ["far"]),
        ("/far", "trips.example", ["far"]),  # a page on that host: there too
        ("/item.php?id=3", "shop.test", ["p3"]),
        ("/item.php?utm_source=mail&id=3&fbclid=z", "shop.test", ["p3"]),  # tracking
        ("/item.php?id=3&lang=en", "shop.test", ["p3"]),  # any other extra
        ("/item.php?id=31", "shop.test", []),  # not item 3, though it is alone at its path
        ("/item.php?id=3&id=3", "shop.test", ["p3"]),  # a name twice: its first value
        ("/item.php?id=3&id=31", "shop.test", ["p3"]),
        ("/item.php", "shop.test", ["p3"]),  # no naming parameter: the one item there
        ("/list.php?page=2&cat=x", "shop.test", ["x2"]),  # another order
        ("https://shop.test/list.php?cat=y&sort=1&page=2", "shop.test", ["y2"]),
        ("/list.php?cat=x", "shop.test", []),  # page 2 names it too
        ("/list.php", "shop.test", []),  # two items there
        ("/deal?utm_source=mail", "shop.test", ["deal"]),  # the url's own tracking: none
        ("/deal", "shop.test", ["deal"]),
        ("mailto:a@shop.test", "shop.test", []),
        ("https://[::1/tours/a", "shop.test", []),  # no URL at all
        ("///tours/a", "shop.test", []),  # no host: a browser goes to the host "tours"
        ("https:///tours/a", "shop.test", []),
        ("https://@/tours/a", "shop.test", []),
        ("http://:80/tours/a", "shop.test", []),
        ("/item.php?i%64=%33", "shop.test", ["p3"]),  # escaped as a form writes them
        ("/item.php?" + "%41=%42&" * 1000 + "id=3", "shop.test", ["p3"]),  # 8 KB and less
        ("/item.php?" + "%41=%42&" * 1100 + "id=3", "shop.test", []),  # longer: names nothing
    ],
)
def test_a_link_names_the_item_whose_page_it_goes_to(
    link: str, here: str, named: list[str]
) -> None:
    assert list(items_shown(CATALOG, f"<a href='{link}'>", {}, own_host(here))) == named


@pytest.mark.parametrize(
    ("host", "own"),
    [
        ("Shop.Test", "shop.test"),
        ("shop.test:443", "shop.test"),
        ("shop.test:8080", "shop.test:8080"),
    ],
)
def test_the_page_s_host_is_compared_as_links_are(host: str, own: str) -> None:
    assert own_host(host) == own


def test_a_link_is_found_without_a_pass_over_the_catalogue() -> None:
    """Ten thousand items at one path: a link is one dict read whatever the catalogue's size
    (a lookup that scanned the items at its path would touch every one of them)."""
    urls = [(f"p{n}", f"/p.php?id={n}") for n in range(10_000)]
    addresses = Addresses(urls)
    reads: list[object] = []

    class Counting(dict[object, object]):
        def get(self, key: object, default: object = None) -> object:
            reads.append(key)
            return super().get(key, default)

    for name in ("_ids", "_naming", "_alone"):
        object.__setattr__(addresses, name, Counting(getattr(addresses, name)))
    assert list(addresses.named("/p.php?utm_source=x&id=9999", "shop.test")) == ["p9999"]
    assert len(reads) <= 6, reads  # (a site-relative link: at most three places, twice)


@pytest.mark.parametrize(
    ("feature", "left_out"),
    [
        ('<a href="http://shop.test/tours/kyoto-autumn">Kyoto</a>', {"kyoto-autumn"}),
        ('<a href="https://elsewhere.test/tours/kyoto-autumn">Kyoto</a>', set()),
        ('<a href="/tours/bali-retreat?utm_campaign=x&amp;gclid=y">Bali</a>', {"bali-retreat"}),
    ],
    ids=["own-host", "other-host", "tracking"],
)
async def test_a_recommendation_leaves_out_what_a_same_site_link_shows(
    feature: str, left_out: set[str], make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    async with client_for(_site(make_settings, feature, {"id": "recs", "slot": "also-like"})) as c:
        html = (await c.get("/")).text  # (the client's host: shop.test)
    picks = _slot(html, "also-like")
    assert len(picks) == 4 and not left_out & set(picks), picks
    assert left_out or "kyoto-autumn" in picks, picks


@pytest.mark.parametrize(
    ("path", "feature", "left_out"),
    [
        ("/", '<a href="tours/kyoto-autumn">Kyoto</a>', {"kyoto-autumn"}),
        ("/club/join", '<a href="../tours/kyoto-autumn">Kyoto</a>', {"kyoto-autumn"}),
        ("/tours/", '<a href="kyoto-autumn">Kyoto</a>', {"kyoto-autumn"}),
        # (a page at an item's address is that item's, left out too: test_page_item_by_address51)
        ("/tours/index.html", '<a href="./kyoto-autumn">Kyoto</a>', {"kyoto-autumn"}),
        ("/x%2Fy/z", '<a href="../tours/kyoto-autumn">K</a>', {"kyoto-autumn"}),  # as written
        ("/", '<a href="kyoto-autumn">Kyoto</a>', set()),  # /kyoto-autumn: no item's page
    ],
)
async def test_a_relative_link_names_the_item_of_the_page_it_goes_to(
    path: str, feature: str, left_out: set[str], make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    async with client_for(_site(make_settings, feature, {"id": "recs", "slot": "also-like"})) as c:
        html = (await c.get(path)).text
    picks = _slot(html, "also-like")
    assert len(picks) == 4 and not left_out & set(picks), picks
    assert left_out or "kyoto-autumn" in picks, picks


@pytest.mark.parametrize(
    ("link", "page", "named"),
    [
        ("a", "/tours/", ["a"]),  # relative: against the page's directory
        ("a", "/tours/kyoto", ["a"]),
        ("./a/", "/tours/kyoto", ["a"]),
        ("../tours/a", "/club/join", ["a"]),
        ("../../../tours/a", "/club/join", ["a"]),  # no ".." above the root
        ("tours/a", "/", ["a"]),
        ("a", "/", []),  # /a is no item
        ("?id=3", "/item.php", ["p3"]),  # a query alone: this page's path
        ("?id=3", "/other.php", []),
        ("", "/tours/a", ["a"]),  # this very page
        ("", "/item.php?id=3", ["p3"]),  # with its query
        ("#top", "/item.php?id=3", ["p3"]),
        ("#top", "/item.php?id=31", []),
        ("?id=3", "/item.php?id=31", ["p3"]),  # a query of its own: the page's goes
        ("a", "/tours/?x=/y/", ["a"]),  # (a "/" in the page's query is no directory)
        ("/tours/./x/../a", "/", ["a"]),  # dot segments, in any link
        ("/tours/%2E%2e/tours/a", "/", ["a"]),  # escaped as well
        ("https://shop.test/x/../tours/b", "/", ["b"]),
        ("a", "", []),  # the page's path not known: as written
    ],
)
def test_a_relative_link_is_read_against_the_page_s_path(
    link: str, page: str, named: list[str]
) -> None:
    assert list(CATALOG.by_address.named(link, "shop.test", page)) == named


@pytest.mark.parametrize(
    ("link", "page", "named"),
    [
        ("..\\..\\tours\\a", "/x/y/z", ["a"]),  # a browser reads "\" as "/" in a path
        ("\\tours\\a", "/x/y", ["a"]),  # from the site's root
        ("a?k=\\v", "/tours/", ["a"]),  # (in the query it stays)
        ("a", "/%E3%83%84/", []),  # the page's path as written: not /ツ/a
        ("tours/s", "/", ["s"]),  # a catalogue url without its first "/": from the root
        ("/tours/s", "/x", ["s"]),
        ("/tours\\a", "/", ["a"]),  # a backslash in any link's path
        ("https://shop.test/tours\\a", "/", ["a"]),
        ("kyoto", "/%E3%83%84%E3%82%A2%E3%83%BC/", ["jp"]),  # written either way, one path
        ("kyoto", "/%e3%83%84%e3%82%a2%e3%83%bc/", ["jp"]),
        ("/ツアー/kyoto", "/", ["jp"]),
        ("x", "/a%7Cb/", ["pipe"]),
        ("x", "/new%20york/", ["sp"]),
        ("/new york/x", "/", ["sp"]),
        ("/a%2Fb/x", "/", []),  # an escaped "/" is no "/"
    ],
)
def test_links_and_urls_are_read_as_a_browser_reads_them(
    link: str, page: str, named: list[str]
) -> None:
    catalog = catalog_from_items(
        [
            {"id": "a", "url": "/tours/a", "title": "A"},
            {"id": "s", "url": "tours/s", "title": "S"},
            {"id": "jp", "url": "/ツアー/kyoto", "title": "JP"},
            {"id": "pipe", "url": "/a|b/x", "title": "Pipe"},
            {"id": "sp", "url": "/new york/x", "title": "Space"},
        ]
    )
    assert list(catalog.by_address.named(link, "shop.test", page)) == named


QUERY_ITEMS = """
items:
""" + "".join(f"  - {{id: p{n}, url: /item.php?id={n}, title: P{n}}}\n" for n in range(1, 7))


@pytest.mark.parametrize(
    ("path", "feature", "left_out"),
    [
        ("/item.php?id=3", '<a href="#reviews">Reviews</a>', {"p3"}),  # this page, its query
        ("/item.php?id=3", '<a href="">This page</a>', {"p3"}),
        ("/item.php?id=3", '<a href="?id=4">Next</a>', {"p4"}),
        ("/item.php", '<a href="#reviews">Reviews</a>', set()),  # no id: six items there
    ],
)
async def test_a_link_to_the_page_itself_keeps_the_page_s_query(
    path: str, feature: str, left_out: set[str], make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    exclude = "\n      exclude: [on_page]"  # (not the current item: the link alone leaves it out)
    recs = RECS.format(id="recs", slot="also-like", items=4, exclude=exclude)
    settings = make_settings("rules:\n" + FEATURE + recs, {**SNIPPETS, "feature.html": feature})
    (Path(settings.rules.dir) / "catalog.yaml").write_text(QUERY_ITEMS)
    async with client_for(Omotenashi(page_app(PAGE), settings=settings)) as c:
        html = (await c.get(path)).text
    picks = _slot(html, "also-like")
    assert len(picks) == 4 and not left_out & set(picks), picks
    assert left_out or "p1" in picks, picks
