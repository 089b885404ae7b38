"""The demo's "Booked!" tagline thanks a visitor for a booking; over a cart holding tours not
booked yet it read as if they were (qa46): it is shown only while the cart is empty."""

from __future__ import annotations

import pytest
from demo_site.app import create_app, demo_settings

from .conftest import ROOT, client_for

pytestmark = pytest.mark.anyio
BOOKED = "Booked! Your travel documents arrive two weeks before departure."


@pytest.mark.parametrize(
    ("added", "path", "said"),
    [
        ([], "/tours", True),  # booked, nothing in the cart: thanks
        (["paris-art"], "/cart", False),  # a new tour in the cart: not "Booked!" above it
        (["paris-art"], "/tours", False),
    ],
)
async def test_booked_is_said_only_over_an_empty_cart(
    omotenashi_redis_url: str, added: list[str], path: str, said: bool
) -> None:
    settings = demo_settings(ROOT, redis={"url": omotenashi_redis_url}, respect={"fresh_share": 0})
    async with client_for(create_app(ROOT, settings)) as client:
        await client.get("/tours/kyoto-autumn")
        await client.post("/cart", data={"tour": "kyoto-autumn"})
        booked = await client.post("/checkout", data={"name": "Taro"})
        assert booked.status_code in (200, 303)
        for tour in added:
            await client.post("/cart", data={"tour": tour})
        page = await client.get(path)
    assert page.status_code == 200
    assert (BOOKED in page.text) == said
