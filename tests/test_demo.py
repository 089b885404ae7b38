"""The demo shop, through the whole ASGI stack against a real Redis."""

from __future__ import annotations

import pytest
from demo_site.app import create_app, demo_settings

from .conftest import ROOT, client_for

pytestmark = pytest.mark.anyio

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)


def demo(url: str):  # type: ignore[no-untyped-def]
    return create_app(
        ROOT,
        demo_settings(ROOT, redis={"url": url}, debug_header=True, respect={"fresh_share": 0}),
    )


@pytest.mark.parametrize(
    ("browse", "hero", "block"),
    [
        ([], "Find your next journey", "Popular this season"),
        (["/tours/hawaii-family"] * 2, "Aloha, families!", "Made for families"),
        (["/tours/hawaii-couples"] * 2, "Hawaii, just the two of you", "Popular this season"),
        (
            ["/tours/kyoto-autumn", "/tours", "/tours/kyoto-autumn"],
            "Autumn in Kyoto",
            "For lovers of culture",
        ),
    ],
    ids=["new", "family", "couple", "culture"],
)
async def test_browsing_changes_the_home_page(
    omotenashi_redis_url: str, browse: list[str], hero: str, block: str
) -> None:
    async with client_for(demo(omotenashi_redis_url)) as client:
        for path in browse:
            assert (await client.get(path)).status_code == 200
        home = await client.get("/")
    assert home.status_code == 200
    assert f"<h1>{hero}</h1>" in home.text
    assert f"<h2>{block}</h2>" in home.text


async def test_a_campaign_link_changes_the_copy(omotenashi_redis_url: str) -> None:
    async with client_for(demo(omotenashi_redis_url)) as client:
        page = await client.get("/tours?utm_campaign=winter-sale")
    assert "Winter sale: 15% off every tour booked this week." in page.text


async def test_a_new_phone_visitor_gets_mobile_copy(omotenashi_redis_url: str) -> None:
    async with client_for(demo(omotenashi_redis_url), headers={"user-agent": IPHONE}) as client:
        page = await client.get("/")
    assert "Book on the go" in page.text


async def test_cart_and_checkout_work_under_the_middleware(omotenashi_redis_url: str) -> None:
    async with client_for(demo(omotenashi_redis_url)) as client:
        added = await client.post("/cart", data={"tour": "kyoto-autumn"}, follow_redirects=True)
        assert "Kyoto in autumn" in added.text and "Cart (1)" in added.text
        done = await client.post("/checkout", data={"name": "Ann"})
    assert "Thank you!" in done.text
