"""Review of 3f94caa: the word after "Don't show me this" follows the block's element (its id)
only where it is then seen, and leaves the page's other elements as they were; a block in a
<details> (its content or summary), a <dialog> or an element with hidden, inert or aria-hidden
has it right after that element (html46: it was before </body>, a screen away), a block in a
table right after the table."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
import redis
from selectolax.lexbor import LexborHTMLParser

from omotenashi import Omotenashi, Settings

from .conftest import client_for, page_app
from .test_dismiss_flash import OFF, RULES, signed

Make = Callable[..., Settings]

HERO = '<div id="hero" data-omo-slot="hero">H</div>'
CASES = [  # (the page's body, where the word goes: near the block, or at the end)
    (HERO + "<p>next</p>", "after"),
    (f"<details><summary>More</summary>{HERO}</details>", "after"),  # closed: content unseen
    ('<details><summary id="hero" data-omo-slot="hero">H</summary>x</details>', "after"),
    (f"<dialog>{HERO}</dialog>", "after"),  # a closed dialog renders nothing
    (f"<details><summary>More</summary><dialog>{HERO}</dialog></details>", "after"),
    (f"<ul><li>{HERO}<li>two</ul>", "after"),
    (f'<form action="/s">{HERO}<input name="q"></form>', "after"),
    # in a table: after the table (the </body> check is ignored inside a cell)
    (f"<table><tr><td><details><summary>S</summary>{HERO}</details></td></tr></table>", "after"),
    (f"<table><tr><td>{HERO}</td></tr></table><p>next</p>", "after"),
    (f"<div hidden>{HERO}</div>", "after"),  # a tab panel shown by script: hidden on arrival
    (f'<div role="tabpanel" hidden><p>Offers</p><div><b>x</b>{HERO}</div></div>', "after"),
    (f'<div aria-hidden="TRUE">{HERO}</div>', "after"),  # not heard: role=status never said
    (f"<section inert>{HERO}</section>", "after"),  # its Undo cannot be pressed
    ('<ul><li hidden id="hero" data-omo-slot="hero">H<li>two</ul>', "end"),  # lands inside
    ('<div hidden>x</div><div hidden id="hero" data-omo-slot="hero">H</div>', "after"),
    (f'<p id="hero">the first</p>{HERO}', "after"),  # (the visitor goes to #omo-done)
    (f'<p id="Hero">not it</p>{HERO}', "after"),
]
UNSEEN = {"hidden", "inert"}


def _page_dom(text: str) -> str:
    tree = LexborHTMLParser(text)
    for css in ("#omo-done", "#omo-why"):
        for node in tree.css(css):
            node.decompose()
    return tree.body.html if tree.body else ""


@pytest.mark.anyio
@pytest.mark.parametrize(("inner", "where"), CASES)
async def test_the_word_follows_the_block_only_where_it_is_seen(
    make_settings: Make, omotenashi_redis: redis.Redis, inner: str, where: str
) -> None:
    page = f"<!doctype html><html><head></head><body>{inner}<footer>f</footer></body></html>"
    settings = make_settings(RULES, respect={"disclosure": True, "page_panel": True})
    mw = Omotenashi(page_app(page), settings=settings)
    async with client_for(mw) as client:
        flash = {"r": "seen-hero", "t": int(time.time()), "a": "hero"}
        client.cookies.set("omo_vid", signed(mw, OFF, flash), domain="shop.test")
        got = (await client.get("/")).text
    word = LexborHTMLParser(got).css_first("#omo-done")
    assert word is not None
    parents, node = [], word
    while node.parent is not None:
        node = node.parent
        parents.append(node.tag)
        seen = node.attributes.get("aria-hidden", "").lower() != "true"
        assert seen and not UNSEEN & set(node.attributes), (node.tag, node.attributes)
    assert not {"details", "dialog"} & set(parents), parents
    after_footer = got.index("<footer>") < got.index('id="omo-done"')
    assert after_footer == (where == "end")
    assert _page_dom(got) == _page_dom(page)  # nothing else closed, moved or re-parented
