"""What a visitor reads about themselves is true of what the demo shows them (found driving
the demo as visitors in Chromium)."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from demo_site.app import create_app, demo_settings

from omotenashi.engine.profile import Profile
from omotenashi.loader.journey import load_journey
from omotenashi.respect.yourdata import groups_now, times_shown
from omotenashi.rules.model import Rule

from .conftest import ROOT, client_for

pytestmark = pytest.mark.anyio


def demo(url: str):  # type: ignore[no-untyped-def]
    return create_app(ROOT, demo_settings(ROOT, redis={"url": url}, respect={"fresh_share": 0}))


@pytest.mark.parametrize(
    "page", ["/_omotenashi/preferences", "/_omotenashi/preferences/data"], ids=["prefs", "data"]
)
async def test_a_booked_tour_the_home_page_suggests_is_not_called_never_suggested(
    omotenashi_redis_url: str, page: str
) -> None:
    async with client_for(demo(omotenashi_redis_url)) as client:
        for path in ["/tours/kyoto-autumn", "/tours", "/tours/kyoto-autumn"]:
            assert (await client.get(path)).status_code == 200
        await client.post("/cart", data={"tour": "kyoto-autumn"})
        booked = await client.post("/checkout", data={"name": "Ann"}, follow_redirects=True)
        assert "Kyoto in autumn" in booked.text
        home = await client.get("/")
        said = (await client.get(page)).text
    # no block on the home page names the tour just booked (rules/home.yaml: not: {bought:
    # [...]} on its heroes and picks), and an editors' block may still name a booked tour on
    # another site ...
    blocks = re.findall(r"<section [^>]*data-omo-rule=[^>]*>(.*?)</section>", home.text, re.S)
    assert blocks and not any('href="/tours/kyoto-autumn"' in block for block in blocks)
    # ... so no sentence may promise the visitor it is never suggested again
    assert "Kyoto in autumn" in said
    assert "never suggested" not in said


CART = ("consideration-hero", "consideration-tagline")  # one reason, one intent, two slots


async def test_an_entry_of_two_blocks_one_intent_counts_every_page_that_showed_either(
    omotenashi_redis_url: str,
) -> None:
    async with client_for(demo(omotenashi_redis_url)) as client:
        await client.get("/tours/kyoto-autumn")
        await client.post("/cart", data={"tour": "kyoto-autumn"})
        pages = [(await client.get(path)).text for path in ["/", "/cart", "/", "/tours", "/cart"]]
        said = (await client.get("/_omotenashi/preferences")).text
    showed = [[r for r in CART if f'data-omo-rule="{r}"' in page] for page in pages]
    assert all(len(rules) <= 1 for rules in showed)  # one intent: one block a page
    assert {r for rules in showed for r in rules} == set(CART)  # both blocks were shown
    card = re.search(r"You added a tour to your cart\..*?(\d+) times?\.", said, re.S)
    assert card is not None
    assert int(card.group(1)) == sum(map(len, showed))  # was the most of either: fewer


def _rule(n: int, slot: str, intent: str | None) -> Rule:
    return Rule(id=f"r{n}", slot=slot, text="x", why="Why.", intent=intent)


@pytest.mark.parametrize(
    ("blocks", "budget", "said"),
    [
        ([("hero", None, 3), ("hero", None, 2)], 1, (5, False)),  # one slot: one a page
        ([("hero", "cart", 3), ("tagline", "cart", 2)], 1, (5, False)),  # one intent a page
        ([("hero", "cart", 3), ("tagline", "cart", 2)], 2, (3, True)),  # both could show
        ([("hero", None, 3), ("tagline", None, 2)], 1, (3, True)),  # on one page or not
        ([("hero", "a", 3), ("tagline", "b", 3)], 1, (3, True)),  # two intents: 3 to 6
    ],
)
def test_times_shown_sums_blocks_that_never_share_a_page(
    blocks: list[tuple[str, str | None, int]], budget: int, said: tuple[int, bool]
) -> None:
    group = [(_rule(n, slot, intent), times) for n, (slot, intent, times) in enumerate(blocks)]
    assert times_shown(group, budget) == said


async def test_the_data_page_lists_the_groups_the_pages_reasons_name(
    omotenashi_redis_url: str,
) -> None:
    """A group the journey derives from what is kept (family: from the interests) is named by
    the home page's reasons and the preferences page: the data page lists it too."""
    async with client_for(demo(omotenashi_redis_url)) as client:
        for path in ["/tours/hawaii-family", "/tours/hawaii-family"]:
            assert (await client.get(path)).status_code == 200
        prefs = (await client.get("/_omotenashi/preferences")).text
        data = (await client.get("/_omotenashi/preferences/data")).text
        export = (await client.get("/_omotenashi/preferences/export")).json()
    family = "visitors who have looked at our family holidays"
    assert f"Groups you are in: {family}." in prefs
    section = re.search(r"Groups the site put you in.*?</ul>", data, re.S)
    assert section is not None and family in section.group()
    # ... and the download, which the data page says holds all of it (visitor70: it held the
    # kept segments only, none here)
    assert export["profile"]["segments"] == [] and export["profile"]["groups_now"] == ["family"]


def test_groups_now_derives_only_what_the_kept_profile_decides(tmp_path: Path) -> None:
    """A segment reading the request or the time (new, path, referrer, absent_days) cannot be
    worked out from the profile alone: left out, not made up from defaults."""
    (tmp_path / "journey.yaml").write_text(
        "segments:\n"
        "  fans: {interest: {kyoto: {at_least: 1}}}\n"
        "  regulars: {all: [{visits: {at_least: 3}}, {not: {stage: loyalty}}]}\n"
        "  first: {new: true}\n"
        '  home: {path: ["/"]}\n'
        '  direct: {not: {referrer: ["*"]}}\n'
        "  away: {absent_days: {at_least: 0}}\n"
        "  travellers: {bought: [kyoto-autumn]}\n"
        "  browsers: {not: {bought: [kyoto-autumn]}}\n"
    )
    profile = Profile(visits=12, views=30, interests={"kyoto": (5.0, 0.0)}, segments={"kept"})
    got = groups_now(profile, load_journey(tmp_path), 0.0)
    assert got == {"kept", "fans", "regulars", "browsers"}
    bought = replace(profile, purchased=frozenset({"kyoto-autumn"}))  # what is kept: bought
    got = groups_now(bought, load_journey(tmp_path), 0.0)
    assert got == {"kept", "fans", "regulars", "travellers"}
