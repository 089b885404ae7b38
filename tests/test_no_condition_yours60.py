"""streams60: a block no condition chose, whose snippet or copy prints what is known of the
visitor, said "Nothing about you chose this: it may be shown to anyone." beside the visitor's
own interests; its "i" and the page's panel now say that what it says is made from what we
know of them. A block that prints nothing of the visitor says what it said. Through the
middleware, against a real Redis."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route

from omotenashi import Omotenashi, Settings
from omotenashi.engine import disclosure

from .conftest import client_for, page_app, page_words

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]
PAGE = (
    '<!doctype html><html><head><meta name="omotenashi:topics" content="kyoto"></head><body>'
    '<div data-omo-slot="hero">Default</div><p data-omo-slot="note">Default</p></body></html>'
)
RULES = """
rules:
  - {id: yours, slot: hero, snippet: yours.html, why: "Our picks."}
  - {id: hello, slot: note, text: "Hello {{ visitor.device }} reader", why: "A greeting."}
  - {id: plain, slot: note, snippet: sale.html, priority: 10, why: "Our sale."}
"""
SNIPPETS = {
    "yours.html": "<p>{% for t in visitor.interests %}{{ t }} {% endfor %}</p>",
    "sale.html": '<span>{% include "link.html" %}</span>',  # (last60: an include is not the
    "link.html": "<a href='/sale'>Sale</a>",  # visitor, unless what it includes reads them)
    "wrap.html": '<p>{% include "list.html" %}</p>',
    "list.html": "{% for t in visitor.interests %}{{ t }} {% endfor %}",
}
ANYONE = "Nothing about you chose this: it may be shown to anyone"
YOURS = f"{ANYONE}, but what it says here is made from what we know of you."


@pytest.mark.parametrize(("off", "said"), [((), YOURS), (("hello",), f"{ANYONE}.")])
async def test_a_block_for_anyone_says_when_it_is_made_from_what_we_know(
    off: tuple[str, ...], said: str, make_settings: Make
) -> None:
    rules = "\n".join(r for r in RULES.splitlines() if not any(f"id: {o}," in r for o in off))
    app = Starlette(routes=[Route("/", lambda request: HTMLResponse(PAGE))])
    settings = make_settings(rules, SNIPPETS, respect={"disclosure": True, "page_panel": True})
    async with client_for(Omotenashi(app, settings=settings)) as client:
        for _ in range(3):
            page = await client.get("/")
    words = " ".join(page_words(page.text).split())
    assert "kyoto" in words  # the visitor's own interest, in the block
    assert words.count(YOURS) == (4 if not off else 2), words  # each "i", and the panel
    assert words.count(said) >= 2
    # the panel heads them so too (visitor60: under "general, not based on you" it said the
    # opposite of their "i")
    made = "shown to anyone, made from what we know of you:"
    if off:
        assert "Nothing on this page is chosen for you. 1 part is general, not based" in words
        assert f"1 other part is {made}" in words
    else:
        assert f"Nothing on this page is chosen for you. 2 parts are {made}" in words
        assert "not based on you" not in words


def test_what_a_snippet_brings_in_is_read_for_the_visitor_too(make_settings: Make) -> None:
    rules = RULES + '  - {id: wrapped, slot: hero, snippet: wrap.html, why: "Ours."}\n'
    loaded = Omotenashi(page_app(PAGE), settings=make_settings(rules, SNIPPETS)).rules.current
    reads = {r.id: r.reads_visitor for r in loaded.ruleset.rules}
    assert reads == {"yours": True, "hello": True, "plain": False, "wrapped": True}


async def test_blocks_that_include_snippets_naming_no_one_are_not_held_by_the_name_cap(
    make_settings: Make,
) -> None:
    # (an include counted as printing the visitor's name: the second such block on a page
    # was held back by OMOTENASHI_RESPECT_NAME_PER_PAGE, though neither names anyone)
    rules = """
rules:
  - {id: sale-hero, slot: hero, snippet: sale.html, why: "Our sale."}
  - {id: sale-note, slot: note, snippet: sale.html, why: "Our sale, again."}
"""
    app = Starlette(routes=[Route("/", lambda request: HTMLResponse(PAGE))])
    async with client_for(Omotenashi(app, settings=make_settings(rules, SNIPPETS))) as client:
        page = await client.get("/")
    assert page.text.count("<a href='/sale'>Sale</a>") == 2
    assert page.headers["x-omotenashi-rules"] == "sale-hero,sale-note"


@pytest.mark.parametrize("made", [True, False])
def test_a_fresh_page_with_a_part_made_from_what_we_know_is_not_as_everyone_sees_it(
    made: bool,
) -> None:
    # (last60c: "we show a page as everyone sees it" sat above "1 part is shown to anyone,
    # made from what we know of you")
    reasons = (disclosure.EVERYONE_YOURS if made else disclosure.EVERYONE,)
    panel = disclosure._panel((("greet", "Hello", reasons, (), False, ()),), "/o", True, False)
    words = " ".join(page_words(panel).split())
    assert ("we show a page as everyone sees it" in words) is not made
    assert ("nothing on a page is chosen from what you browsed" in words) is made
