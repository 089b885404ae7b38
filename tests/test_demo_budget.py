"""The demo's page budget (4 blocks) keeps "You may also like" for a visitor who browses:
the suggestions rank above the editors' picks (also suggestions) and the sale notice, below the
heroes and the taglines a stage, a campaign or the club chose (rules/recommend.yaml). Before,
at priority 20, it was the first block a page over budget left out: after a few tour views,
exactly the visitor it is for lost it (editors46)."""

from __future__ import annotations

import pytest
from demo_site.app import create_app, demo_settings

from .conftest import ROOT, client_for

pytestmark = pytest.mark.anyio
RULES = "x-omotenashi-rules"


def demo(url: str):  # type: ignore[no-untyped-def]
    settings = demo_settings(
        ROOT, redis={"url": url}, debug_header=True, respect={"fresh_share": 0}
    )
    return create_app(ROOT, settings)


@pytest.mark.parametrize(
    ("browse", "shown"),
    [
        (
            ["/tours/hawaii-family", "/tours/hawaii-family"],
            "interest-tagline,hawaii-family-hero,family-picks,you-may-also-like",
        ),
        (
            ["/tours/kyoto-autumn", "/tours/lapland-aurora", "/tours/tokyo-lights"],
            "interest-tagline,viewed-on-sale-notice,interest-hero,you-may-also-like",
        ),
        (
            [
                "/tours/hawaii-family",
                "/tours/hawaii-couples",
                "/tours/kyoto-autumn",
                "/tours/paris-art",
            ],
            "interest-tagline,viewed-on-sale-notice,hawaii-couples-hero,you-may-also-like",
        ),
        (
            ["/tours/hawaii-family", "/tours/kenya-safari", "/tours/lapland-aurora", "/"],
            "interest-tagline,viewed-on-sale-notice,interest-hero,you-may-also-like",
        ),
    ],
    ids=["two-views", "three-tours", "four-tours", "home-between"],
)
async def test_a_visitor_who_browses_tours_sees_suggestions_on_the_home_page(
    omotenashi_redis_url: str, browse: list[str], shown: str
) -> None:
    async with client_for(demo(omotenashi_redis_url)) as client:
        for path in browse:
            assert (await client.get(path)).status_code == 200
        home = await client.get("/")
    assert home.headers[RULES] == shown  # (over budget: the editors' picks give way)
    assert 'data-omo-rule="you-may-also-like"' in home.text
    assert "You may also like" in home.text
