"""A page with an element of its own whose id is ``omo-done`` (a site's, a stale copy of a
confirmation) before where the word after "Don't show me this" goes: the browser, sent to
``#omo-done``, would take the visitor to the first, the page's. The word then goes right before
that element (or the outermost element around it that hides it or would take the word in),
where it is seen and the page's elements stay as they were; else where it went. "@" marks where
it goes; the page is otherwise the bytes it was, and parses to the same elements."""

from __future__ import annotations

import pytest
from selectolax.lexbor import LexborHTMLParser

from omotenashi.engine.disclosure import Disclosure
from omotenashi.engine.flash import Flash, confirm
from omotenashi.engine.ruleset import RuleSet
from tests.engine.test_flash_places import DOC, HERO, NOW, OFF, RULE

END = "<footer>f</footer></body></html>"
CACHED = '<div class="omo-done" id="omo-done" tabindex="-1">Done: an old one.</div>'


@pytest.mark.parametrize(
    ("marked", "undo"),
    [
        (f"{DOC}<main>@{CACHED}<p>x</p>{HERO}</main>{END}", True),
        (f'{DOC}@<div id="omo-done"><p>x</p>{HERO}</div>{END}', True),  # the block inside it
        (f'{DOC}@<p>Hi <span id="omo-done">y</span></p>{HERO}{END}', True),  # (not in the <p>)
        (f'{DOC}@<div hidden><div id="omo-done">y</div></div>{HERO}{END}', True),
        (f'{DOC}@<table><tr><td id="omo-done">y</td></tr></table>{HERO}{END}', True),
        (f'{DOC}<ul>@<li id="omo-done">y</li></ul>{HERO}{END}', True),
        (f'{DOC}<form action="/s">@<div id="omo-done">y</div></form>{HERO}{END}', False),
        # after ours, or not an element of the page with that id: where it went
        (f'{DOC}{HERO}@<div id="omo-done">later</div>{END}', True),
        (f'{DOC}<div id="OMO-DONE">y</div>{HERO}@{END}', True),  # (ids match case-sensitively)
        (f'{DOC}<template><div id="omo-done"></div></template>{HERO}@{END}', True),
        (f'{DOC}<div data-id="omo-done">y</div>{HERO}@{END}', True),
        # not safely before theirs: where it went (their element first, a rare page)
        (f'<!doctype html><html><head><meta id="omo-done"></head><body>{HERO}@{END}', True),
        (f'{DOC}<svg><g id="omo-done"></g></svg>{HERO}@{END}', True),
        (f'{DOC}<p><b>x</p><div id="omo-done">y</div>{HERO}<i>f</i>@</body>', True),  # a <b>
        # eye47: before the page's own <head>, <body> or <html> (the head's contents, a CSP
        # <meta>, would move into the body), or inside a heading the parser ends only there
        (
            f'<!doctype html><html><head id="omo-done"><title>t</title></head><body>{HERO}@{END}',
            True,
        ),
        (
            f'<!doctype html><html><head><title>t</title></head><body id="omo-done">{HERO}@{END}',
            True,
        ),
        (f'<!doctype html><html id="omo-done"><head></head><body>{HERO}@{END}', True),
        (f'{DOC}<h1>Title<h2 id="omo-done">y</h2>{HERO}@{END}', True),
        (f'{DOC}<h1>Title</h1>@<h2 id="omo-done">y</h2>{HERO}{END}', True),  # (closed: before)
        # eye48b: another element's end tag right before theirs does not close the heading
        (f'{DOC}<h1>Shop <small>x</small><h2 id="omo-done">y</h2>{HERO}@{END}', True),
        (f'{DOC}<h1>Title</b><h2 id="omo-done">y</h2>{HERO}@{END}', True),
    ],
)
def test_the_fragment_reaches_our_word_first(marked: str, undo: bool) -> None:
    page = marked.replace("@", "")
    flash = Flash("seen-hero", NOW, anchor="hero")
    got, said = confirm(
        page, flash, RuleSet(rules=[RULE]), OFF, NOW, Disclosure(True), "data-omo-slot"
    )
    assert said
    at = marked.index("@")
    assert got.index('<div class="omo-done"') == at and got[:at] == page[:at]
    end = len(got) - len(page) + at
    assert got[end:] == page[at:]
    assert ('class="omo-undo"' in got[at:end]) is undo
    assert _dom(got) == _dom(page)  # nothing of the page's closed, moved or re-parented


def _dom(text: str) -> str:
    tree = LexborHTMLParser(text)
    for node in tree.css('div.omo-done[role="region"]'):  # (ours: the page's has no role)
        node.decompose()
    return tree.html or ""
