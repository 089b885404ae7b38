"""What a visitor reads about themselves is true of what the demo shows them (found driving
the demo as visitors in Chromium)."""

from __future__ import annotations

import re

import pytest
from demo_site.app import create_app, demo_settings

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
    # the editors' "For lovers of culture" block names the tour just booked ...
    block = re.search(r'data-omo-rule="culture-picks".*?</section>', home.text, re.S)
    assert block is not None and "Kyoto in autumn" in block.group()
    # ... so no sentence may promise the visitor it is never suggested again
    assert "Kyoto in autumn" in said
    assert "never suggested" not in said
