"""small47: on a page whose ``<base target>`` opens links and forms in another tab or window,
everything Omotenashi writes into it (the "i"'s Dismiss form and link, the panel's link, the
confirmation's Undo and link) carries ``target="_self"``; a page without one, or whose base
target names the page's own (``_self``, ""), gets none (real Redis)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from omotenashi import Omotenashi, Settings
from omotenashi.engine.html.base import base_target
from tests.conftest import client_for, page_app
from tests.test_base_href_middleware import RESPECT, RULES

pytestmark = pytest.mark.anyio


def page(base: str) -> str:
    return (
        f"<!doctype html><html><head>{base}<title>Inn</title></head>"
        '<body><h1 id="hero" data-omo-slot="hero">Hello</h1></body></html>'
    )


def ours(text: str) -> list[str]:
    """Each link and form tag of ours (to Omotenashi's own pages), whole."""
    return re.findall(r'<(?:a|form) [^>]*"[^"]*/_omotenashi/[^>]*>', text)


@pytest.mark.parametrize(
    ("base", "tab"),
    [
        ("", False),
        ('<base href="/rooms/">', False),
        ('<base target="_blank">', True),
        ('<base href="/rooms/" target="reviews">', True),  # a named window
        ("<base TARGET=_top>", True),
        ('<base target="_self">', False),
        ('<base target="">', False),
        ('<base href="/"><base target="_blank">', True),  # the first with a target counts
        ('<!-- <base target="_blank"> -->', True),  # (the scan errs this way: only bytes)
    ],
)
def test_base_target(base: str, tab: bool) -> None:
    assert base_target(page(base)) is tab


@pytest.mark.parametrize(
    ("base", "tab"),
    [
        ("", False),
        ('<base target="_blank">', True),
        ('<base href="https://cdn.example/" target="_blank">', True),
        ('<base target="_self">', False),
    ],
)
async def test_our_links_and_forms_stay_in_the_tab(
    make_settings: Callable[..., Settings], base: str, tab: bool
) -> None:
    settings = make_settings(RULES, respect=RESPECT)
    async with client_for(Omotenashi(page_app(page(base)), settings=settings)) as client:
        await client.get("/rooms/")
        shown = await client.get("/rooms/")  # the second view is personalised
        assert shown.headers["x-omotenashi-rules"] == "welcome-back"
        tags = ours(shown.text)
        assert len(tags) == 3  # the form, the "i"'s link, the panel's link
        assert all(('target="_self"' in t) is tab for t in tags), tags
        assert shown.text.count("target=") == base.count("target=") + 3 * tab
        action = re.search(r'action="([^"]*)"', shown.text)
        assert action is not None
        fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', shown.text))
        posted = await client.post(action[1], data=fields, headers={"origin": "http://shop.test"})
        assert posted.status_code == 303, posted.text
        again = await client.get(posted.headers["location"])
    assert "Done: you won't see" in again.text
    tags = ours(again.text)
    assert len(tags) == 2  # the Undo, the link
    assert all(('target="_self"' in t) is tab for t in tags), tags
