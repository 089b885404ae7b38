"""After "Don't show me this" (and its Undo) the browser is taken to the confirmation itself,
right after the block's element: the URL's fragment names it and it can take focus there
(``tabindex="-1"``), so a keyboard lands on it and a screen reader says it. A block without an
element id returns to the page's top, where nothing names it. Through the whole stack."""

from __future__ import annotations

import html
from collections.abc import Callable

import pytest
import redis
from selectolax.lexbor import LexborHTMLParser, LexborNode

from omotenashi import Settings
from omotenashi.engine.flash import to_notice

from ..conftest import client_for, page_words
from ..test_dismiss_flash import DONE, HERO, form, site, submit

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]


@pytest.mark.parametrize(
    ("back", "taken_to"),
    [
        ("/#hero", "/#omo-done"),  # the block's id: the confirmation that follows it
        ("/?utm_campaign=spring#promo", "/?utm_campaign=spring#omo-done"),  # query kept
        ("/tours/kyoto#also-like", "/tours/kyoto#omo-done"),
        ("/", "/"),  # no id: the top of the page, nothing named
        ("/elsewhere", "/elsewhere"),
        ("/#", "/#"),  # an empty fragment names nothing we keep
        ("/#a%20b", "/#a%20b"),
    ],
)
def test_a_choice_on_a_block_returns_to_its_confirmation(back: str, taken_to: str) -> None:
    assert to_notice(back) == taken_to


def target(page: str, url: str) -> LexborNode | None:
    """The element a browser goes to (and focuses, if it may) for ``url``'s fragment."""
    fragment = url.partition("#")[2]
    return LexborHTMLParser(page).css_first(f'[id="{fragment}"]') if fragment else None


@pytest.mark.parametrize(
    ("action", "said"),
    [
        ("dismiss", DONE),
        ("undo", f"Undone: “{HERO}” is switched back on."),
    ],
)
async def test_the_browser_lands_on_the_confirmation_right_after_the_block(
    make_settings: Make, omotenashi_redis: redis.Redis, action: str, said: str
) -> None:
    async with client_for(site(make_settings)) as client:
        await client.get("/")
        done = await submit(client, form((await client.get("/")).text, "omo-dismiss"))
        if action == "undo":
            page = await client.get(done.headers["location"])
            done = await submit(client, form(page.text, "omo-undo"))
        url = done.headers["location"]
        page = await client.get(url)
    node = target(page.text, url)
    assert node is not None, url
    assert node.attributes.get("tabindex") == "-1"  # focused as the browser arrives
    assert node.attributes.get("role") == "region" and "omo-done" in (
        node.attributes.get("class") or ""
    )
    status = node.css_first('[role="status"]')  # its name: the sentence, said on focus
    assert status is not None and status.attributes.get("id") == node.attributes.get(
        "aria-labelledby"
    )
    assert status.text() == said
    before = node.prev  # where the block was: the visitor's place on the page
    assert before is not None and before.attributes.get("id") == "hero"


async def test_a_block_without_an_id_returns_to_the_top_and_moves_no_focus(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    async with client_for(site(make_settings)) as client:
        await client.get("/")
        fields = {**form((await client.get("/")).text, "omo-dismiss"), "next": "/"}
        url = (await submit(client, fields)).headers["location"]
        page = await client.get(url)
    assert url == "/"  # no fragment: the browser stays at the top, focus on the page
    assert html.unescape(page_words(page.text)).count(DONE) == 1  # said, near the page's end
