"""The visitor's browsing history switched off (``OMOTENASHI_RESPECT_HISTORY_CATEGORY``) holds
on every path: no rule on their behaviour is shown, whatever its category (contextual ones
still are); page views, their topics and viewed items, the beacon's and ``track``'s
``view_item`` are not recorded, while their cart and the blocks shown (counts, caps) are;
switched back on, the blocks come back. The demo's rules, a tiny app, a real Redis."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
import redis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse
from starlette.routing import Route

from omotenashi import Omotenashi, Settings
from omotenashi.asgi.api import track
from omotenashi.engine.disclosure import FRESH, FRESH_SOME
from omotenashi.engine.journey import Journey
from omotenashi.engine.periods import period_key
from omotenashi.engine.profile import Profile
from omotenashi.engine.restraint import Prefs, Restraint
from omotenashi.engine.understand import Visit, build_change, understand
from omotenashi.settings import RespectSettings

from .conftest import client_for, switch_history
from .conftest import page_words as words

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]
ROOT = Path(__file__).resolve().parent.parent
PREFS = "/_omotenashi/preferences"
SAME_SITE = {"origin": "http://shop.test"}
HISTORY = "browsing-history"
BROWSED = ["/", "/tours/hawaii-family", "/tours/kyoto-autumn", "/tours/kyoto-autumn", "/"]
# rules on the visitor's behaviour a returning visitor at stage interest with this history
# sees on the home page (of the journey's own category, and of the history's)
BEHAVIOURAL = {"interest-tagline", "kyoto-hero"}
HISTORY_OFF = "Your browsing history is off: nothing here is chosen from what you viewed."
CAMPAIGN = "winter-campaign-tagline"  # contextual: the query alone chooses it
SLOTS = (
    '<p id="tagline" data-omo-slot="tagline">Journeys planned with care.</p>'
    '<section id="hero" data-omo-slot="hero">Default hero</section>'
    '<div><img id="hero-image" data-omo-slot="hero-image" src="/d.svg" alt="d"></div>'
    '<section id="featured" data-omo-slot="featured">Default featured</section>'
    '<div id="notice" data-omo-slot="notice"></div>'
)


def tracking_shop(slots: str) -> Starlette:
    """Pages of ``slots`` at ``/`` and ``/tours/<slug>``; ``/app/track?name=&item=`` tracks
    that event (add_to_cart, purchase ...) for the visitor, as a shop's own code would."""

    async def page(request: Request) -> HTMLResponse:
        return HTMLResponse(f"<!doctype html><html><body>{slots}</body></html>")

    async def do_track(request: Request) -> PlainTextResponse:
        query = request.query_params
        await track(request, query["name"], {"item": query["item"]})
        return PlainTextResponse("ok")

    return Starlette(
        routes=[Route("/", page), Route("/tours/{slug}", page), Route("/app/track", do_track)]
    )


def site(tmp_path: Path, make_settings: Make) -> Omotenashi:
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    shutil.copytree(ROOT / "snippets", tmp_path / "snippets")
    respect = {"disclosure": True, "page_panel": True}
    return Omotenashi(tracking_shop(SLOTS), settings=make_settings(respect=respect))


def shown(page: httpx.Response) -> set[str]:
    return set(re.findall(r'data-omo-rule="([^"]+)"', page.text))


def panel(page: httpx.Response) -> str:
    found = re.search(r'<aside class="omo-why-page".*?</aside>', page.text, re.S)
    return words(found.group(0)) if found else ""


def profile(store: redis.Redis) -> dict[str, str]:
    (key,) = store.keys("*:p2")
    return {str(k): str(v) for k, v in store.hgetall(key).items()}


def browsing(fields: dict[str, str]) -> dict[str, str]:
    """The profile's browsing history: views, visits, stage, interests, viewed items."""
    return {k: v for k, v in fields.items() if k in ("V", "N", "G") or k[0] in "iw"}


async def test_history_off_shows_no_behavioural_block_of_any_kind_then_on_again(
    tmp_path: Path, make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    async with client_for(site(tmp_path, make_settings)) as client:
        for path in BROWSED:
            await client.get(path)
        before = await client.get("/")
        await switch_history(client, on=False)
        off = [await client.get("/"), await client.get("/tours/kyoto-autumn")]
        await switch_history(client, on=True)
        again = await client.get("/")
    assert BEHAVIOURAL <= shown(before), shown(before)  # stage interest: the journey's too
    assert [shown(page) for page in off] == [set(), set()]  # no journey hero in their place
    assert "You have been browsing our tours" not in off[0].text
    assert shown(again) == shown(before)  # nothing browsed meanwhile was kept: as it was


async def test_history_off_records_no_browsing_but_the_cart_and_the_blocks_shown(
    tmp_path: Path, make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    async with client_for(site(tmp_path, make_settings)) as client:
        for path in BROWSED:
            await client.get(path)
        await switch_history(client, on=False)
        kept = profile(omotenashi_redis)
        for path in ["/tours/lapland-aurora", "/tours/hawaii-couples", "/", "/"]:
            await client.get(path)
        campaign = await client.get("/?utm_campaign=winter-sale")
        beacon = await client.post(
            "/_omotenashi/events",
            json={"name": "view_item", "data": {"item": "bali-retreat"}},
            headers=SAME_SITE,
        )
        await client.get("/app/track?name=view_item&item=tokyo-lights")
        browsed = profile(omotenashi_redis)
        await client.get("/app/track?name=add_to_cart&item=kyoto-autumn")
    now = profile(omotenashi_redis)
    assert shown(campaign) == {CAMPAIGN}  # a contextual rule still applies, alone
    said = panel(campaign)
    assert HISTORY_OFF in said and FRESH not in said and FRESH_SOME not in said
    assert "history-off" in campaign.headers["x-omotenashi-why"]
    assert beacon.status_code == 202 and "browsing history is off" in beacon.json()["reason"]
    assert browsing(browsed) == browsing(kept)  # V, visits, stage, interests, viewed
    assert "eview_item" not in now and "ckyoto-autumn" in now and "eadd_to_cart" in now
    assert now["G"] != kept["G"]  # the cart moves the stage: not browsing
    assert f"s{CAMPAIGN}" in now and f"s{CAMPAIGN}" not in kept  # shown: counted
    sale = "k~intent:sale:day"  # its intent counted (a block on sales was before), per day:
    (was_day, was), (day, count) = kept[sale].split(":"), now[sale].split(":")  # its cap's
    assert int(count) == (int(was) + 1 if day == was_day else 1)


async def test_a_beacon_batch_keeps_all_but_its_viewed_items_with_history_off(
    tmp_path: Path, make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    events = [
        {"name": "view_item", "data": {"item": "bali-retreat"}},
        {"name": "brochure_download", "data": {"item": "bali-retreat"}},
    ]
    async with client_for(site(tmp_path, make_settings)) as client:
        await client.get("/")
        await switch_history(client, on=False)
        sent = await client.post("/_omotenashi/events", json={"events": events}, headers=SAME_SITE)
    now = profile(omotenashi_redis)
    assert sent.status_code == 204
    assert "wbali-retreat" not in now and "eview_item" not in now
    assert now.get("ebrochure_download") == "1"  # another event of the batch: kept


@pytest.mark.parametrize(
    ("category", "off", "view", "views_kept"),
    [
        ("browsing-history", ["browsing-history"], True, False),
        ("browsing-history", ["browsing-history"], False, False),
        ("browsing-history", ["journey"], True, True),
        ("my-history", ["my-history"], True, False),  # the site names its own category
        ("my-history", ["browsing-history"], True, True),
        ("browsing-history", [], True, True),
    ],
)
def test_one_decision_builds_every_change(
    category: str, off: list[str], view: bool, views_kept: bool
) -> None:
    visit = Visit(
        "v",
        Profile(views=4, last_seen=1.0, visit_start=1.0),
        100_000.0,
        choices=Prefs(off_categories=frozenset(off)),
        events=[("view_item", {"item": "kyoto-autumn"}), ("purchase", {"item": "bali"})],
    )
    change = build_change(
        visit,
        view=view,
        session_gap=1800,
        topics=["kyoto"],
        items=["kyoto-autumn"],
        respect=RespectSettings(history_category=category),
    )
    assert change.view is (view and views_kept)
    assert change.new_visit  # visits still begin: with the page, or the event kept (purchase)
    assert (change.topics == ["kyoto"]) is views_kept
    assert (change.items == ["kyoto-autumn"]) is views_kept  # the page's, or the event's
    assert ("view_item" in change.events) is views_kept
    assert change.purchases == 1 and change.bought == ["bali"]  # not browsing: always kept


@pytest.mark.parametrize("off", [False, True], ids=["history-on", "history-off"])
def test_a_per_visit_cap_starts_afresh_on_a_new_visit_with_history_off(off: bool) -> None:
    day, t0 = 86400, 1_800_000_000.0
    prefs = Prefs(off_categories=frozenset({"browsing-history"}) if off else frozenset())
    profile = Profile(visits=3, views=10, first_seen=t0 - 30 * day, last_seen=t0, visit_start=t0)
    profile.caps = {"promo": (period_key("visit", t0, t0), 3)}  # "3 per visit", used up at t0
    later = t0 + 3 * day  # back three days later: a new visit
    visit = Visit(visitor_id="v" * 32, profile=profile, now=later, choices=prefs)
    respect = RespectSettings()
    change = build_change(visit, view=True, session_gap=1800, respect=respect)
    after, _ = understand(visit, change, Journey())
    restraint = Restraint(respect, prefs, after, later, behavioural=True)
    key = period_key("visit", later, restraint._visit_start)
    assert change.new_visit and after.visits == 4
    assert restraint._count("promo", key) == 0  # the cap of the last visit is not this one's


def test_a_history_off_page_that_shows_nothing_still_records_the_visit_it_begins() -> None:
    profile = Profile(visits=2, views=5, last_seen=1_000.0, visit_start=900.0)
    visit = Visit(
        "v", profile, 1_000.0 + 7_200, choices=Prefs(off_categories=frozenset({"browsing-history"}))
    )
    change = build_change(visit, view=True, session_gap=1800, respect=RespectSettings())
    assert not change.view and change.new_visit and not change.empty  # written: visits, start


async def test_a_beacon_of_viewed_items_alone_with_history_off_spends_no_allowance(
    tmp_path: Path, make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    """Answered 202 "nothing is stored": so nothing is, the per-minute counter under their id
    neither (hunt44: it was written and spent before the events were read)."""
    one = {"name": "view_item", "data": {"item": "bali-retreat"}}
    async with client_for(site(tmp_path, make_settings)) as client:
        await client.get("/")
        await switch_history(client, on=False)
        answers = [
            await client.post("/_omotenashi/events", json=one, headers=SAME_SITE) for _ in range(3)
        ]
    assert [a.status_code for a in answers] == [202] * 3
    assert all("nothing is stored" in a.json()["reason"] for a in answers)
    (kept,) = omotenashi_redis.keys("*:p2")  # (this visitor's profile: their id's keys)
    assert not omotenashi_redis.exists(kept.removesuffix(":p2") + ":rate")
