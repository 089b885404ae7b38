"""The demo's home page as a visitor reads it: nothing suggests a tour they booked, no tour is
suggested twice, and the hero's words and picture are about the same thing (demo45's QA)."""

from __future__ import annotations

import re

import pytest
from demo_site.app import create_app, demo_settings

from .conftest import ROOT, client_for

pytestmark = pytest.mark.anyio

Step = tuple[str, str, dict[str, str]]  # (method, path, form)


def demo(url: str):  # type: ignore[no-untyped-def]
    return create_app(
        ROOT,
        demo_settings(ROOT, redis={"url": url}, debug_header=True, respect={"fresh_share": 0}),
    )


def view(*tours: str) -> list[Step]:
    return [("GET", f"/tours/{tour}", {}) for tour in tours]


def book(tour: str) -> list[Step]:
    return [("POST", "/cart", {"tour": tour}), ("POST", "/checkout", {"name": "Ann"})]


async def home_after(url: str, steps: list[Step], dismiss: str = "") -> str:
    """The home page after ``steps`` (and "Don't show me this" on the block ``dismiss``)."""
    async with client_for(demo(url)) as client:
        for method, path, form in steps:
            await client.request(method, path, data=form or None)
        page = await client.get("/")
        if dismiss:
            csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
            assert csrf is not None and f'data-omo-rule="{dismiss}"' in page.text
            form = {"action": "dismiss", "rule": dismiss, "csrf": csrf[1], "next": "/"}
            await client.post("/_omotenashi/preferences", data=form)
            page = await client.get("/")
    assert page.status_code == 200
    return page.text


def blocks_of(page: str) -> str:
    """What Omotenashi's blocks put into the page's sections (not the page's own content)."""
    found = re.findall(r"<section [^>]*data-omo-rule=[^>]*>(.*?)</section>", page, flags=re.S)
    return "".join(found)


def hero_of(page: str) -> tuple[str, list[str]]:
    """The hero's headline and the src of every hero picture on the page."""
    headline = re.search(r'<section class="hero"[^>]*>.*?<h1>([^<]*)</h1>', page, flags=re.S)
    assert headline is not None
    return headline[1], re.findall(r'<img class="hero-image"[^>]*?\ssrc="([^"]+)"', page)


@pytest.mark.parametrize(
    ("steps", "dismiss", "booked"),
    [
        (view("hawaii-family", "hawaii-family") + book("hawaii-family"), "", "hawaii-family"),
        (view("lapland-aurora") + book("lapland-aurora"), "", "lapland-aurora"),
        (view("kyoto-autumn", "kyoto-autumn") + book("kyoto-autumn"), "", "kyoto-autumn"),
        # without the thank-you hero, the tour's own hero must not come back
        (
            view("hawaii-family", "hawaii-family") + book("hawaii-family"),
            "purchase-hero",
            "hawaii-family",
        ),
        (
            view("hawaii-couples", "hawaii-couples") + book("hawaii-couples"),
            "purchase-hero",
            "hawaii-couples",
        ),
        (
            view("kyoto-autumn", "kyoto-autumn") + book("kyoto-autumn"),
            "purchase-hero",
            "kyoto-autumn",
        ),
    ],
    ids=[
        "family-pick",
        "lapland-pick",
        "culture-pick",
        "family-hero",
        "couples-hero",
        "kyoto-hero",
    ],
)
async def test_no_block_suggests_a_tour_the_visitor_booked(
    omotenashi_redis_url: str, steps: list[Step], dismiss: str, booked: str
) -> None:
    page = await home_after(omotenashi_redis_url, steps, dismiss)
    blocks = blocks_of(page)
    assert blocks and f'href="/tours/{booked}"' not in blocks


@pytest.mark.parametrize(
    "steps",
    [[], view("hawaii-family", "hawaii-family"), view("kyoto-autumn", "tokyo-lights")],
    ids=["new", "family", "culture"],
)
async def test_the_home_page_names_each_suggested_tour_once(
    omotenashi_redis_url: str, steps: list[Step]
) -> None:
    page = await home_after(omotenashi_redis_url, steps)
    suggested = re.findall(r'<li data-omo-item="([^"]+)">', page)
    assert len(suggested) == 4
    for item in suggested:
        assert page.count(f'href="/tours/{item}"') == 1, item


@pytest.mark.parametrize(
    ("steps", "picks", "tour"),
    [
        (view("kyoto-autumn", "kyoto-autumn"), "For lovers of culture", "kyoto-autumn"),
        (view("hawaii-family", "hawaii-family"), "Made for families", "hawaii-family"),
    ],
    ids=["kyoto", "family"],
)
async def test_the_picks_under_a_hero_are_other_tours(
    omotenashi_redis_url: str, steps: list[Step], picks: str, tour: str
) -> None:
    """The hero features ``tour``: the picks right under it suggest others."""
    blocks = blocks_of(await home_after(omotenashi_redis_url, steps))
    assert f"<h2>{picks}</h2>" in blocks and blocks.count(f'href="/tours/{tour}"') == 1, blocks


async def test_with_nothing_personalised_the_home_page_links_the_tours_twice(
    omotenashi_redis_url: str,
) -> None:
    """The hero's button and "Our tours" link the list: no third "see all" link under them."""
    page = await home_after(omotenashi_redis_url, [], dismiss="you-may-also-like")
    main = page[page.index("<main>") : page.index("</main>")]
    assert "data-omo-rule=" not in main and main.count('href="/tours"') == 2, main


@pytest.mark.parametrize(
    ("steps", "dismiss", "headline", "picture"),
    [
        ([], "", "Find your next journey", "default"),
        (view("hawaii-family", "hawaii-family"), "", "Aloha, families!", "hawaii"),
        (view("hawaii-couples", "hawaii-couples"), "", "Hawaii, just the two of you", "hawaii"),
        (view("kyoto-autumn", "kyoto-autumn"), "", "Autumn in Kyoto", "kyoto"),
        # the cart holds Kyoto: the cart's hero, never over the Hawaii picture
        (
            view("hawaii-family", "hawaii-family", "kyoto-autumn", "kyoto-autumn")
            + [("POST", "/cart", {"tour": "kyoto-autumn"})],
            "",
            "Your trip is in your cart",
            "default",
        ),
        (
            view("hawaii-family", "hawaii-family") + book("hawaii-family"),
            "",
            "Thank you for travelling with us",
            "default",
        ),
        # without the thank-you hero: the default one, never over a picture of the tour booked
        (
            view("hawaii-family", "hawaii-family") + book("hawaii-family"),
            "purchase-hero",
            "Find your next journey",
            "default",
        ),
        (
            view("hawaii-couples", "hawaii-couples") + book("hawaii-couples"),
            "purchase-hero",
            "Find your next journey",
            "default",
        ),
    ],
    ids=[
        "new",
        "family",
        "couple",
        "kyoto",
        "cart-kyoto",
        "booked",
        "booked-thanks-dismissed",
        "booked-couples-thanks-dismissed",
    ],
)
async def test_the_hero_and_its_picture_agree(
    omotenashi_redis_url: str, steps: list[Step], dismiss: str, headline: str, picture: str
) -> None:
    page = await home_after(omotenashi_redis_url, steps, dismiss)
    assert hero_of(page) == (headline, [f"/static/img/{picture}.svg"])
