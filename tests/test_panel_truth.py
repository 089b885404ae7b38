"""The page panel and a recommendation's "i" say "chosen for you" only of what is: suggestions
none of which comes from the visitor's own signals are general, and a fresh page view (shown
without what we guess, now and then) says that it is one. General suggestions that the
visitor's own filters took items out of (what they viewed, their cart, what they bought) say
so, and only then: "as everyone sees it" only of a page that is."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from demo_site.app import create_app, demo_settings

from omotenashi.engine.facts import Device, RequestInfo
from omotenashi.engine.page import EngineConfig, personalise_page
from omotenashi.engine.profile import Profile
from omotenashi.engine.recommending import Recommender
from omotenashi.engine.understand import Visit
from omotenashi.loader.reload import load_all
from omotenashi.recommend.signals import Pick, Signals, Source
from omotenashi.settings import RespectSettings

from .conftest import client_for

ROOT = Path(__file__).resolve().parent.parent
DEMO = load_all(demo_settings(ROOT).rules)
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC).timestamp()
DAY = 86400.0
PAGE = (
    "<!doctype html><html><head></head><body>"
    '<div data-omo-slot="hero">default</div><div data-omo-slot="also-like">default</div>'
    "</body></html>"
)
# what the visitor reads, word for word
GENERAL_PICKS = "None of these is picked for you: they are our general suggestions."
FRESH = (
    "Now and then we show a page as everyone sees it, so that what you see is not always "
    "chosen for you; this is one of those."
)
FRESH_SOME = (
    "Now and then nothing on a page is chosen from what you browsed, so that what you see "
    "does not always follow it; this is one of those."
)
NOTHING = "Nothing on this page is chosen for you. 1 part is general, not based on you:"
LESS = "1 part is our general suggestions, without {what}:"  # the panel
NOTE_LESS = "These are our general suggestions, without {what}."  # the "i"
VIEWED = "what you have viewed"
GPC = {"sec-gpc": "1"}


@pytest.mark.parametrize(
    ("source", "because", "personal"),
    [
        ("selection", None, False),
        ("popular", None, False),
        ("also_viewed", "kyoto-autumn", False),  # the page's own item: "Often viewed with"
        ("also_viewed", "hawaii-family", True),  # "Because you viewed"
        ("interests", "japan", True),
        ("recently_viewed", None, True),
        ("serendipity", None, True),  # outside the visitor's own top interests
    ],
)
def test_a_recommendation_is_personal_only_with_a_pick_from_the_visitors_signals(
    source: Source, because: str | None, personal: bool
) -> None:
    catalog = DEMO.catalog
    recommender = Recommender(catalog, lambda: Signals(now=NOW, current="kyoto-autumn"))
    general = Pick(catalog.items[0], "popular", "Popular this week", 1.0)
    recommender.picks["r"] = [general, Pick(catalog.items[1], source, "x", 0.5, because)]
    assert recommender.personal("r") is personal
    assert recommender.personal("nothing shown") is False


def _home(profile: Profile, *, fresh: float = 0.0, private: bool = False) -> str:
    visit = Visit(
        visitor_id="panel-truth",
        profile=profile,
        now=NOW,
        request=RequestInfo.from_parts("/", "", {}),
        device=Device("desktop", "Chrome", "Linux", False),
        is_new=profile.visits == 0,
        private=private,
    )
    config = EngineConfig(respect=RespectSettings(fresh_share=fresh, budget=6))
    out = personalise_page(PAGE, visit, DEMO.ruleset, DEMO.journey, config, DEMO.catalog)
    assert 'data-omo-rule="you-may-also-like"' in out.html
    return out.html


RETURNING = Profile(
    visits=3,
    views=12,
    first_seen=NOW - 9 * DAY,
    last_seen=NOW - DAY,
    visit_start=NOW,
    absent_days=1.0,
    interests={"kyoto": (4.0, NOW - DAY), "japan": (4.0, NOW - DAY), "culture": (3.0, NOW)},
    viewed={"kyoto-autumn": NOW - DAY},
)


def _panel_and_note(html: str) -> tuple[str, str]:
    panel = html.split('<details id="omo-why"', 1)[1]
    note = html.split('data-omo-why="you-may-also-like"', 1)[1].split("</details>", 1)[0]
    assert "Why each suggestion:" in note  # the "i" still says why each item is there
    return panel, note


LESS_VIEWED = LESS.format(what=VIEWED)
NOTE_LESS_VIEWED = NOTE_LESS.format(what=VIEWED)


@pytest.mark.parametrize(
    ("profile", "fresh", "private", "says", "note_says"),
    [
        (Profile(), 0.0, False, [NOTHING], GENERAL_PICKS),  # a first visit: our selection
        (Profile(), 0.0, True, [NOTHING], GENERAL_PICKS),  # Global Privacy Control
        (Profile(), 1.0, False, [FRESH, NOTHING], GENERAL_PICKS),  # nothing of theirs left out
        # strong interests, a fresh page view: the Kyoto tour they viewed is left out
        (RETURNING, 1.0, False, [FRESH_SOME, LESS_VIEWED], NOTE_LESS_VIEWED),
        # GPC: no page of theirs is guessed, none "fresh"; what they viewed is still left out
        (RETURNING, 1.0, True, [LESS_VIEWED], NOTE_LESS_VIEWED),
    ],
    ids=["first-visit", "gpc", "fresh-new", "fresh", "gpc-never-fresh"],
)
def test_the_panel_says_chosen_for_you_only_of_what_is(
    profile: Profile, fresh: float, private: bool, says: list[str], note_says: str
) -> None:
    panel, note = _panel_and_note(_home(profile, fresh=fresh, private=private))
    for text in says:
        assert text in panel, text
    for text in {FRESH, FRESH_SOME, NOTHING, LESS_VIEWED}.difference(says):
        assert text not in panel, text
    assert "chosen for you:" not in panel and "Because you" not in panel
    assert note_says in note  # the "i" says the same
    for text in {GENERAL_PICKS, NOTE_LESS_VIEWED}.difference([note_says]):
        assert text not in note, text
    # the same visitor with their own signals used: the suggestions are chosen for them
    panel, note = _panel_and_note(_home(RETURNING))
    assert "2 parts of this page are chosen for you:" in panel and "Because you" in panel
    assert NOTHING not in panel and FRESH not in panel and GENERAL_PICKS not in note


def test_a_fresh_view_with_a_block_chosen_for_the_visitor_says_so_too() -> None:
    """A block that facts other than browsing chose (here: the campaign link) stays on a fresh
    view: the panel then does not claim the page is as everyone sees it."""
    visit = Visit(
        visitor_id="panel-truth",
        profile=RETURNING,
        now=NOW,
        request=RequestInfo.from_parts("/", "utm_campaign=winter-sale", {}),
        device=Device("desktop", "Chrome", "Linux", False),
    )
    page = PAGE.replace("<body>", '<body><p data-omo-slot="tagline">t</p>')
    config = EngineConfig(respect=RespectSettings(fresh_share=1.0, budget=6))
    html = personalise_page(page, visit, DEMO.ruleset, DEMO.journey, config, DEMO.catalog).html
    panel = html.split('<details id="omo-why"', 1)[1]
    assert FRESH_SOME in panel and FRESH not in panel
    assert "1 part of this page is chosen for you:" in panel
    # the Kyoto tour they viewed is left out of the suggestions, so those say so too
    assert f"1 other part is our general suggestions, without {VIEWED}:" in panel
    assert "general, not based on you" not in panel


def _demo(url: str, fresh: float):  # type: ignore[no-untyped-def]
    return create_app(
        ROOT,
        demo_settings(ROOT, redis={"url": url}, respect={"fresh_share": fresh, "budget": 6}),
    )


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("fresh", "headers", "later"),
    [
        (0.0, {}, ["chosen for you:", "Because you"]),  # browsing then chose the suggestions
        (0.0, GPC, [NOTHING, GENERAL_PICKS]),  # nothing is kept: general again
        # every page view fresh: the Kyoto tour, now popular, is left out of their suggestions
        (1.0, {}, [FRESH_SOME, LESS_VIEWED, NOTE_LESS_VIEWED]),
    ],
    ids=["first-visit", "gpc", "fresh"],
)
@pytest.mark.usefixtures("omotenashi_redis")  # an empty database: no other test's popular items
async def test_the_demo_home_page_panel_is_true_of_the_visitor(
    omotenashi_redis_url: str, fresh: float, headers: dict[str, str], later: list[str]
) -> None:
    """The first home page view, then the home page after three views of the Kyoto tour."""
    async with client_for(_demo(omotenashi_redis_url, fresh), headers=headers) as client:
        first = (await client.get("/")).text
        for _ in range(3):
            await client.get("/tours/kyoto-autumn")
        home = (await client.get("/")).text
    for page in (first, home):
        assert 'data-omo-rule="you-may-also-like"' in page and 'id="omo-why"' in page
    assert NOTHING in first and GENERAL_PICKS in first and "chosen for you:" not in first
    assert (FRESH in first) is (fresh > 0)
    for text in later:
        assert text in home, text
    assert ("chosen for you:" in home) is not (NOTHING in home or LESS_VIEWED in home)
    assert (FRESH in home) is (FRESH in later)


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("posts", "gets", "left"),
    [
        ([], ["kyoto-autumn", "lapland-aurora"], "what you have viewed"),
        (["kyoto-autumn", "lapland-aurora"], [], "what is in your cart"),
        (
            ["kyoto-autumn"],
            ["lapland-aurora"],
            "what you have viewed and what is in your cart",
        ),
    ],
    ids=["viewed", "cart", "both"],
)
@pytest.mark.usefixtures("omotenashi_redis")  # an empty database: no other test's popular items
async def test_a_fresh_view_says_what_the_visitors_own_filters_left_out(
    omotenashi_redis_url: str, posts: list[str], gets: list[str], left: str
) -> None:
    """Every page view fresh: a visitor who viewed tours or put them in the cart gets general
    suggestions without those (a brand-new visitor gets them), and is told so, by name; the
    brand-new visitor's page is as everyone sees it and says nothing is left out."""
    async with client_for(_demo(omotenashi_redis_url, 1.0)) as client:
        for slug in posts:
            await client.post("/cart", data={"tour": slug})
        for slug in gets:
            await client.get(f"/tours/{slug}")
        theirs = (await client.get("/tours/hawaii-family")).text
        client.cookies.clear()  # a brand-new visitor, on the same site
        new = (await client.get("/tours/hawaii-family")).text
    own = {*posts, *gets}
    assert own & set(_listed(new)) and not own & set(_listed(theirs))  # the filter took some
    panel, note = _panel_and_note(theirs)
    assert LESS.format(what=left) in panel and NOTE_LESS.format(what=left) in note
    assert FRESH_SOME in panel and FRESH not in panel and NOTHING not in panel
    assert GENERAL_PICKS not in note
    panel, note = _panel_and_note(new)
    assert FRESH in panel and NOTHING in panel and GENERAL_PICKS in note
    assert "without what" not in panel + note


def _listed(page: str) -> list[str]:
    """The items "You may also like" lists."""
    return re.findall(r'<li data-omo-item="([^"]+)">', page)
