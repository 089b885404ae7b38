"""A target inside (or itself) an element whose inline ``style`` declares ``display: none`` or
``content-visibility: hidden`` (however written: comments, ``! important``, case, escapes) is
hidden by the page, as inside one with ``hidden`` (hides47): its block is put in but not
counted as shown, and its "i" (and the way back after "Don't show me this") goes on the target
the visitor sees. ``visibility: hidden`` is not read for this (an element inside may show
itself again), nor is a stylesheet. The scan's work stays linear on pages full of styles."""

from __future__ import annotations

from pathlib import Path

import pytest

from omotenashi.engine.disclosure import Disclosure
from omotenashi.engine.html import parse_selector, scan_page
from omotenashi.engine.personalise import personalise

from .test_html_linear import page as repeated
from .test_html_linear import work
from .test_page_hidden import FACTS, _rules

SLOT = '<p data-omo-slot="x">-</p>'


@pytest.mark.parametrize(
    ("page", "hidden"),
    [
        (f'<div style="display:none">{SLOT}</div>', True),
        (f'<div style="display: none ! important">{SLOT}</div>', True),
        (f'<div style="DISPLAY:/*x*/NONE"><section>{SLOT}</section></div>', True),
        (f'<div style="di\\73play:none">{SLOT}</div>', True),
        (f"<div style='content-visibility: hidden'>{SLOT}</div>", True),
        ('<p data-omo-slot="x" style="display:none">-</p>', True),
        (f'<div style="border:none; display:flex">{SLOT}</div>', False),
        (f'<div style="display:none; display:block">{SLOT}</div>', False),
        (f'<div style="visibility:hidden">{SLOT}</div>', False),  # (one inside may show)
        (f"<div style=\"content:'display:none'\">{SLOT}</div>", False),
        (f'<div style="display:none"></div>{SLOT}', False),
        (f'<div data-style="display:none">{SLOT}</div>', False),
        (f'<svg style="display:none"><foreignObject>{SLOT}</foreignObject></svg>', False),
        (f'<p>İ</p><div STYLE="Display: None">{SLOT}</div>', True),  # (lowering is longer)
    ],
)
def test_a_target_an_inline_style_hides_is_hidden(page: str, hidden: bool) -> None:
    found = scan_page(page)
    assert [(t.name, t.hidden) for t in found.slots] == [("x", hidden)]
    matched = scan_page(page, selectors=[parse_selector("p")]).matches["p"]  # (attrs all read)
    assert [t.hidden for t in matched if t.attrs][-1:] == [hidden]


def test_the_i_and_the_way_back_go_on_the_target_that_is_seen(tmp_path: Path) -> None:
    rules = "rules:\n  - {id: rx, slot: x, text: NEW, why: Everyone.}\n"
    page = (
        '<main><nav style="display: none ! important"><div id="menu" data-omo-slot="x">-</div>'
        '</nav><div id="seen" data-omo-slot="x">-</div></main>'
    )
    shown = Disclosure(enabled=True, csrf="t", path="/p")
    out = personalise(page, _rules(tmp_path, rules), FACTS, {}, disclosure=shown)
    assert [d.id for d in out.applied] == ["rx"]
    assert 'value="/p#seen"' in out.html and "/p#menu" not in out.html
    assert out.html.index('data-omo-why="rx"') > out.html.index('id="seen"')


def test_a_block_only_an_inline_style_hides_is_not_counted_as_shown(tmp_path: Path) -> None:
    rules = "rules:\n  - {id: rx, slot: x, text: NEW, why: Everyone.}\n"
    page = f'<main><div style="display:none">{SLOT}</div></main>'
    out = personalise(page, _rules(tmp_path, rules), FACTS, {}, disclosure=Disclosure(True))
    assert out.applied == [] and "NEW" in out.html  # put in, byte for byte; not shown
    assert "data-omo-why" not in out.html


SHAPES = {
    "hiding-styles": '<div style="display:none">',
    "showing-styles": '<i style="display:block; border:none">x</i>',
    "many-styles-in-a-tag": "<i style style=display style=none style ",
    "escaped-styles": '<i style="di\\73play:\\6eone">x</i>',
    "a-style-left-open": '<i style="display:none',
}


@pytest.mark.parametrize("shape", list(SHAPES), ids=list(SHAPES))
def test_styles_cost_linear_work(shape: str) -> None:
    small, big = work(repeated(SHAPES[shape], 4_000)), work(repeated(SHAPES[shape], 40_000))
    assert big <= 11 * small  # 10x the bytes: at most ~10x the work (never quadratic)
