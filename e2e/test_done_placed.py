"""After "Don't show me this" the browser is sent to ``#omo-done``: in Chromium, that element
exists, has focus, is in sight and is next to where the block was, on a page without a
``</body>`` of its own and where the block is in a closed ``<details>``, a ``hidden`` element,
one an inline ``style`` hides, or a paragraph (it was put before ``</body>``, or nowhere: the
visitor landed at the end of the page, or at its top). The pages are what the engine makes
of them (engine/flash.py), served to the browser as they are."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Route, expect

from omotenashi.engine.disclosure import Disclosure
from omotenashi.engine.flash import Flash, confirm
from omotenashi.engine.profile import Profile
from omotenashi.engine.restraint import Prefs, Restraint
from omotenashi.engine.ruleset import CompiledRule, RuleSet
from omotenashi.rules.model import Rule
from omotenashi.settings import RespectSettings

NOW = 1_000_000.0
RULE = CompiledRule(
    Rule(id="seen-hero", slot="hero", text="x", why="You were here."), "f", 1, 0, [], None
)
OFF = Restraint(RespectSettings(), Prefs(off_rules=frozenset({"seen-hero"})), Profile(), NOW, True)
HERO = '<div id="hero" data-omo-slot="hero">H</div>'
TALL = '<div style="height: 3000px">more of the page</div>'
TOP = f"<!doctype html><html><head><title>t</title></head><body>{TALL}"
SITE = "http://shop.test/"
HERO_NEAR = ("hero", "#near")

CASES = [  # (the page, the block's id, what the word follows and must be seen with it)
    (f"<!doctype html><title>t</title>{TALL}{HERO}{TALL}", "hero", "#hero"),  # no </body>
    (f"{TOP}<p id=near>tail</p></html><!-- a cache plugin -->", "gone", "#near"),  # none
    (
        f"{TOP}<details id=near><summary>More</summary>{HERO}</details>{TALL}</body>",
        "hero",
        "#near",
    ),
    (f"{TOP}<h2 id=near>Offers</h2><div hidden>{HERO}</div>{TALL}</body>", "hero", "#near"),
    (
        f'{TOP}<p id=near>Hi <span id="hero" data-omo-slot="hero">H</span></p>{TALL}</body>',
        "hero",
        "#near",
    ),  # fmt: skip
    (
        f"{TOP}<table id=near><tr><td>{HERO}</td></tr></table>{TALL}</body>",
        "hero",
        "#near",
    ),  # fmt: skip  (in a table cell: after the table)
    # an inline style that hides what is in it, however written (hides47): after that element
    *(
        (f'{TOP}<h2 id=near>Offers</h2><div style="{style}">{HERO}</div>{TALL}</body>', *HERO_NEAR)
        for style in ("display: none ! important", "display:/*x*/none")
    ),
    *(  # (a box that keeps its place: the word right below it)
        (f'{TOP}<h2>Offers</h2><div id=near style="{style}">{HERO}</div>{TALL}</body>', *HERO_NEAR)
        for style in ("visibility: hidden", "content-visibility: hidden")
    ),
    (
        f'{TOP}<h2 id=near>Offers</h2><div style="display:none"><section><p>x</p>{HERO}</section>'
        f"</div>{TALL}</body>",
        "hero",
        "#near",
    ),  # fmt: skip
    # the page has an element of its own with the id (a stale copy of a confirmation): the
    # word goes right before it, so that the fragment reaches ours (hides47)
    (
        f'{TOP}<h2 id=near>Offers</h2><div id="omo-done">Done: an old one.</div>{TALL}{HERO}'
        f"{TALL}</body>",
        *HERO_NEAR,
    ),
]


@pytest.mark.parametrize(("page", "anchor", "near"), CASES)
def test_the_visitor_lands_on_the_word_next_to_the_block(
    browser: Browser, page: str, anchor: str, near: str
) -> None:
    flash = Flash("seen-hero", NOW, anchor=anchor)
    made, said = confirm(
        page, flash, RuleSet(rules=[RULE]), OFF, NOW, Disclosure(True), "data-omo-slot"
    )
    assert said

    def serve(route: Route) -> None:
        route.fulfill(status=200, content_type="text/html; charset=utf-8", body=made)

    context = browser.new_context()
    try:
        tab = context.new_page()
        tab.route(SITE + "**", serve)
        tab.goto(SITE + "#omo-done")
        done = tab.locator("#omo-done").first  # (the one the fragment goes to)
        assert done.get_attribute("role") == "region"  # ours
        expect(done).to_be_focused()  # (a screen reader says it)
        expect(done).to_be_visible()
        expect(done).to_be_in_viewport()
        # right below what the visitor saw of the block (the browser scrolls the word to the
        # window's top): a line's margin from it, not a screen away
        word, seen = done.bounding_box(), tab.locator(near).bounding_box()
        assert word is not None and seen is not None
        assert 0 <= word["y"] - (seen["y"] + seen["height"]) <= 40, (word, seen)
        assert done.evaluate("e => e.parentElement === document.body || !!e.closest('body')")
        assert tab.evaluate("window.scrollY") > 2000  # taken down to it, not left at the top
        if anchor == "gone":  # after the page's last byte: the body's last element
            assert done.evaluate("e => e === document.body.lastElementChild")
    finally:
        context.close()
