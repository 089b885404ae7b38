"""Reasons a visitor reads in words, and true (helper wording40): a ``path:`` condition names a
catalogue item's page by its title ("you are not looking at “Kyoto in autumn”"), the home page
as such, any other page by its address; a segment by the journey file's ``segment_words:``
(else its id in words), in reasons and on the preferences and data pages; the demo's tour
lists mark the sold-out tour as its own page does. Against a real Redis for the demo."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from demo_site.app import create_app, demo_settings

from omotenashi.engine.conditions import all_hold, compile_when, deny, explain
from omotenashi.engine.facts import Facts
from omotenashi.engine.profile import Profile
from omotenashi.errors import RuleSetError
from omotenashi.loader.journey import load_journey
from omotenashi.recommend.catalog import Catalog, Item
from omotenashi.respect import yourdata
from omotenashi.rules.model import When

from .conftest import ROOT, client_for

PAGES = {
    "/tours/kyoto-autumn": "Kyoto in autumn",
    "/tours/lapland-aurora": "Lapland aurora nights",
}


def said(when: dict[str, object], **facts: object) -> list[str]:
    """What the condition says of the visitor: its reasons when it holds, else its denials."""
    conditions = compile_when(When.model_validate(when), "UTC")
    f = Facts(**facts)  # type: ignore[arg-type]
    return explain(conditions, f) if all_hold(conditions, f) else deny(conditions, f)


NOT_SALE = {"not": {"path": ["/tours/kyoto-autumn", "/tours/lapland-aurora"]}}


@pytest.mark.parametrize(
    ("when", "path", "pages", "expected"),
    [
        (  # the demo's sale notice, as a helper driving the demo read it
            NOT_SALE,
            "/",
            PAGES,
            ["you are not looking at “Kyoto in autumn” or “Lapland aurora nights”"],
        ),
        (NOT_SALE, "/tours/kyoto-autumn", PAGES, ["you are looking at “Kyoto in autumn”"]),
        (
            {"path": "/tours/kyoto-autumn"},
            "/tours/kyoto-autumn",
            PAGES,
            ["you are looking at “Kyoto in autumn”"],
        ),
        (  # a pattern that also matches: the page's title, the more telling
            {"path": ["/tours/*", "/tours/lapland-aurora"]},
            "/tours/lapland-aurora",
            PAGES,
            ["you are looking at “Lapland aurora nights”"],
        ),
        (
            {"path": ["/tours/kyoto-autumn", "/stays/*"]},
            "/",
            PAGES,
            ["you are not looking at “Kyoto in autumn”", "you are not on a page under /stays/"],
        ),
        ({"path": "/"}, "/", {}, ["you are on our home page"]),
        (
            {"path": ["/", "/about"]},
            "/cart",
            {},
            ["you are not on our home page or the page /about"],
        ),
        (  # the item's page may be here, written otherwise: its title is not denied
            {"path": "/tours/kyoto-autumn"},
            "/tours/kyoto-autumn/",
            PAGES,
            ["you are not on the page /tours/kyoto-autumn"],
        ),
        (  # a page no item has: its address, as before
            {"path": "/about"},
            "/",
            PAGES,
            ["you are not on the page /about"],
        ),
    ],
)
def test_a_path_reason_names_the_page_as_visitors_know_it(
    when: dict[str, object], path: str, pages: dict[str, str], expected: list[str]
) -> None:
    assert said(when, path=path, pages=pages) == expected


WORDS = {"member": "members of our travel club"}


@pytest.mark.parametrize(
    ("segment", "segments", "words", "expected"),
    [
        ("member", {"member"}, WORDS, "you are in our group “members of our travel club”"),
        ("member", set(), WORDS, "you are not in our group “members of our travel club”"),
        (
            ["member", "vip_club"],
            set(),
            WORDS,
            "you are not in our group “members of our travel club” or “vip club”",
        ),
        ("vip_club", {"vip_club"}, WORDS, "you are in our group “vip club”"),
    ],
)
def test_a_segment_reason_names_the_group_in_the_sites_words(
    segment: object, segments: set[str], words: dict[str, str], expected: str
) -> None:
    assert said({"segment": segment}, segments=frozenset(segments), segment_words=words) == [
        expected
    ]


@pytest.mark.parametrize(
    ("segments", "words", "sentence", "listed"),
    [
        (
            {"member"},
            WORDS,
            "Groups you are in: members of our travel club.",
            ["members of our travel club"],
        ),
        (
            {"member", "vip_club"},
            WORDS,
            "Groups you are in: members of our travel club, vip club.",
            ["members of our travel club", "vip club"],
        ),
    ],
)
def test_the_data_pages_name_groups_in_the_sites_words(
    segments: set[str], words: dict[str, str], sentence: str, listed: list[str]
) -> None:
    assert yourdata.groups_sentence(frozenset(segments), words) == [sentence]
    rows = dict(
        yourdata.more_sections(Profile(segments=frozenset(segments)), str, {}, groups=words)
    )
    assert rows["Groups the site put you in"] == listed


@pytest.mark.parametrize(
    ("words", "problem"),
    [
        ('"members of our\\n   travel club."', None),
        ('""', "the words for this segment are empty"),
        ('"' + "x" * 101 + '"', "101 characters long"),
        ("[a, b]", "string"),
    ],
)
def test_segment_words_are_checked_as_stage_words_are(
    words: str, problem: str | None, tmp_path: Path
) -> None:
    (tmp_path / "journey.yaml").write_text(
        f"segments:\n  member: {{event: {{join_club: {{at_least: 1}}}}}}\n"
        f"segment_words:\n  member: {words}\n"
    )
    if problem is None:
        assert load_journey(tmp_path).segment_words == {"member": "members of our travel club"}
        return
    with pytest.raises(RuleSetError, match=problem) as refused:
        load_journey(tmp_path)
    assert "segment_words.member" in str(refused.value)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/tours/kyoto", {"/tours/kyoto": "Kyoto"}),
        ("/tours/kyoto#dates", {"/tours/kyoto": "Kyoto"}),
        ("/tour?id=kyoto", {}),  # the path is every tour's
        ("https://elsewhere.example/kyoto", {}),
        ("//elsewhere.example/kyoto", {}),
    ],
)
def test_the_catalogue_names_an_items_page_by_its_path(url: str, expected: dict[str, str]) -> None:
    catalog = Catalog((Item(id="kyoto", url=url, title="Kyoto"),))
    assert dict(catalog.page_titles) == expected


def test_a_path_two_items_share_is_named_by_neither() -> None:
    items = (Item(id="a", url="/tour", title="A"), Item(id="b", url="/tour", title="B"))
    assert dict(Catalog(items).page_titles) == {}


# -- the demo, through the whole stack ----------------------------------------------------------


def demo(url: str):  # type: ignore[no-untyped-def]
    return create_app(
        ROOT,
        demo_settings(ROOT, redis={"url": url}, debug_header=True, respect={"fresh_share": 0}),
    )


def text_of(page: str) -> str:
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", page).split()))


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("steps", "where", "expected", "untrue"),
    [
        (
            [("get", "/tours/kyoto-autumn"), ("get", "/tours/lapland-aurora")],
            "/",
            # (words48: the demo's notice guards no page, so its "i" names no tour not seen)
            "You looked at “Kyoto in autumn” and “Lapland aurora nights”, which are in our sale",
            "You are not looking at",
        ),
        (
            [("post", "/club")],
            "/",
            "You are in our group “members of our travel club”.",
            "“member”",
        ),
        (
            [("post", "/club")],
            "/_omotenashi/preferences",
            "Groups you are in: members of our travel club.",
            "Groups you are in: member.",
        ),
        (  # the whole list is at /tours (on the home it repeated "You may also like")
            [],
            "/",
            "12 small-group tours to book, from Hawaii to Patagonia, 2 of them on sale this week. "
            "See all our tours and prices",
            "Norwegian fjords",
        ),
        ([], "/tours", "(sold out this season)", None),
    ],
    ids=["sale-notice", "member-reason", "preferences", "home-list", "tours-list"],
)
async def test_the_demo_says_it_in_words(
    omotenashi_redis_url: str,
    steps: list[tuple[str, str]],
    where: str,
    expected: str,
    untrue: str | None,
) -> None:
    async with client_for(demo(omotenashi_redis_url)) as client:
        for method, path in steps:
            await client.request(method.upper(), path)
        page = await client.get(where)
    assert page.status_code == 200
    shown = text_of(page.text)
    assert expected in shown
    if untrue is not None:
        assert untrue not in shown
