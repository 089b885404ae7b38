"""The demo home page lists no tour twice: its own "Our tours" (the ``featured`` slot's
content, where no rule replaces it) counts for ``exclude: on_page`` like an editors' block.
Through the whole ASGI stack against a real Redis."""

from __future__ import annotations

import re

import pytest

from .conftest import client_for
from .test_demo import demo

pytestmark = pytest.mark.anyio


def _section(page: str, slot: str) -> str:
    """The element ``data-omo-slot=slot`` of the page, to its ``</section>``."""
    start = page.index(f'data-omo-slot="{slot}"')
    return page[start : page.index("</section>", start)]


@pytest.mark.parametrize(
    ("browse", "featured", "suggested"),
    [  # the home's own "Our tours" links every tour: no suggestion is left to add to it
        ([], "Our tours", False),
        (["/tours/hawaii-couples"] * 2, "Our tours", False),  # (no rule replaces the list)
        (["/tours/paris-art", "/tours/amalfi-coast"], "For lovers of culture", True),
    ],
    ids=["new", "couple", "culture"],
)
async def test_the_home_page_never_suggests_a_tour_its_featured_list_shows(
    omotenashi_redis_url: str, browse: list[str], featured: str, suggested: bool
) -> None:
    """``exclude: on_page`` counts the featured slot's own list when no rule replaces it."""
    async with client_for(demo(omotenashi_redis_url)) as client:
        for path in browse:
            await client.get(path)
        home = await client.get("/")
    shown = set(re.findall(r'href="/tours/([a-z-]+)"', _section(home.text, "featured")))
    also = _section(home.text, "also-like")
    listed = set(re.findall(r'data-omo-item="([a-z-]+)"', also))
    assert f"<h2>{featured}</h2>" in home.text and shown
    assert not shown & listed, shown & listed
    if suggested:
        assert "You may also like" in also and len(listed) == 4, also
    else:  # every tour is on the page already: the slot keeps its own default
        assert "More tours" in also and "you-may-also-like" not in also and not listed, also
