"""The scanner's prefilter (engine/html/tokens.py ``_may_hide``) passes every ``style`` whose
value may hide to hides.py: it looks in the value as far as the tokenizer reads it (a ``>`` in
a quoted value is in it), and a character reference may spell the words (``display:&#110;one``:
read). Its work stays linear on pages of styles whose values run on, however quoted (hunt47)."""

from __future__ import annotations

import pytest

from omotenashi.engine.html import scan_page

from .test_html_linear import page as repeated
from .test_html_linear import work

SLOT = '<p data-omo-slot="x">-</p>'


@pytest.mark.parametrize(
    ("page", "hidden"),
    [
        (f"<div style=\"--a:'>';display:none\">{SLOT}</div>", True),
        (
            f"<div style=\"background:url('data:image/svg+xml,<svg></svg>');display:none\">"
            f"{SLOT}</div>",
            True,
        ),
        (f"<div style='--a:\">\";display:none'>{SLOT}</div>", True),
        (f'<div style="display:&#110;one">{SLOT}</div>', True),
        (f'<div style="dis&#x70;lay:none">{SLOT}</div>', True),
        (f'<div style="content-visibility:hidd&#x65;n">{SLOT}</div>', True),
        (f"<div style=display:&#110;one>{SLOT}</div>", True),
        (f"<div style = 'display:none' >{SLOT}</div>", True),
        (f"<div style=display:none>{SLOT}</div>", True),
        (f'<div style="color:red" title="display:none">{SLOT}</div>', False),  # (not its value)
        (f'<div style title="display:none">{SLOT}</div>', False),  # (a bare name: no value)
        (f"<div style=color:red title=display:none>{SLOT}</div>", False),
        (f'<div style="x:&amp;">{SLOT}</div>', False),  # (read: says nothing that hides)
        (f'<div style="display:none">{SLOT}</div><i style', True),  # (a name at the end)
        (f"{SLOT}<i style=", False),
        (f"{SLOT}<i style='display:none", False),  # (a value left open: the tag is dropped)
    ],
)
def test_a_style_the_prefilter_reads_as_the_tokenizer_does(page: str, hidden: bool) -> None:
    assert [(t.name, t.hidden) for t in scan_page(page).slots] == [("x", hidden)]


SHAPES = {
    "unquoted-values-running-on": "/style=/style=",
    "quotes-alternating": "<i style=\"'style='\" ",
    "references": '<i style="&#100;isplay:&#110;one">x</i>',
    "a-quote-left-open": "<i style='display:none>",
}


@pytest.mark.parametrize("shape", list(SHAPES), ids=list(SHAPES))
def test_the_prefilter_costs_linear_work(shape: str) -> None:
    small, big = work(repeated(SHAPES[shape], 4_000)), work(repeated(SHAPES[shape], 40_000))
    assert big <= 11 * small  # 10x the bytes: at most ~10x the work (never quadratic)
