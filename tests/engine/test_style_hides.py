"""How engine/html/hides.py reads an inline ``style`` (CSS Syntax 3's declaration list; each
value of the table as Chromium computes it: e2e/test_style_hides_chromium.py), and that its
work grows linearly with any value, however hostile (Python lines executed, counted with a
trace hook: no clocks; every pattern it matches with is possessive)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omotenashi.engine.html import hides, scan_page
from omotenashi.engine.html.hides import declared, hidden_by, style_hides
from omotenashi.engine.html.tokens import Attr
from tests.engine.test_html_linear import lines_run

NONE = {"display": ("none",)}


@pytest.mark.parametrize(
    ("style", "said"),
    [
        ("display: none ! important", NONE),  # '!', whitespace, 'important'
        ("display: none /* c */", NONE),  # a comment is whitespace
        ("display:/*x*/none", NONE),
        ("display:NoNe !IMPORTANT; display:block", NONE),  # the important one holds
        ("display:none; display:block !important", {"display": ("block",)}),
        ("display:block; display:none", NONE),  # the last holds
        ("display:none; display:bogus", NONE),  # (a value display does not take is dropped)
        ("display:none; display:block block", NONE),
        ("display:none; display:inline flow-root", {"display": ("inline", "flow-root")}),
        ("display:none; display:flex grid", NONE),  # (two insides: not the grammar's)
        ("display:none; display:list-item table", NONE),  # (a list-item flows)
        ("display:none; display:run-in", NONE),  # (CSS Display 3's, not Chromium's)
        ("display:none; display:ruby-base", NONE),
        ("display:none; display:inline-list-item", NONE),
        (
            "display:none; display:flow-root list-item inline",
            {"display": ("flow-root", "list-item", "inline")},
        ),
        ("display:none; display:math block", {"display": ("math", "block")}),
        ("display:none; display:var(--x)", {"display": ("\0var",)}),  # (not known here)
        ("display:var(--x, none)", {"display": ("\0var",)}),
        ("display:none !important !important", {}),
        ("display:none}", {}),  # (a stray bracket: not a value display takes)
        ("di\\73play:none", NONE),  # escapes, decoded
        ("di\\73 play:n\\6f ne", NONE),
        ("--display:none", {}),  # a custom property
        ("content:'a;display:none'", {}),  # in a string
        ("x:'a\nb';display:none", {}),  # a string a newline breaks: the next quote runs on
        ("x:'a\r\nb';display:none", {}),
        ("x:'a\\\r\nb';display:none", NONE),  # an escaped newline, CR LF as one, goes on
        ("x:'a\\\r\rb';display:none", {}),  # (escaped, then a newline)
        ("background:url(a;display:none)", {}),  # in a URL
        ("background:url(a/*b);display:none", NONE),  # (no comment in a URL)
        ("x:f(;display:none)", {}),  # inside brackets: no ';' ends it
        ("@x{}display:none", NONE),  # an at-rule ends with its block
        ("  ;;display : none  ;", NONE),
        ("Visibility: Hidden /**/", {"visibility": ("hidden",)}),
        ("content-visibility: hidden ! important", {"content-visibility": ("hidden",)}),
        ("", {}),
    ],
)
def test_a_style_is_read_as_a_browser_reads_it(style: str, said: dict[str, Any]) -> None:
    assert declared(style) == said


@pytest.mark.parametrize(
    ("style", "hides"),
    [
        ("display: none ! important", True),
        ("visibility:hidden", True),
        ("visibility:collapse", True),
        ("content-visibility:hidden", True),
        ("visibility:hidden; visibility:visible", False),
        ("content-visibility:auto", False),
        ("display:var(--gone)", True),  # (not known: may hide, what is put goes elsewhere)
        ("display:var(--x, none)", True),
        ("visibility:var(--x, hidden)", True),
        ("content-visibility:var(--x, hidden)", True),
        ("display:none; display:block math", False),
        ("display:none; display:list-item ruby", True),
        ("opacity:0", False),  # (seen by the accessibility tree, clicked ...: not read)
    ],
)
def test_what_an_inline_style_hides_inside(style: str, hides: bool) -> None:
    assert style_hides(style) is hides


@pytest.mark.parametrize(
    ("style", "hidden"),
    [  # (with ``hidden``: a display that shows it undoes it, the others leave it hidden)
        ("display: none ! important", True),
        ("display: none /* c */", True),
        ("display:/*x*/none", True),
        ("display:block /* c */", False),
        ("display: flex ! important", False),
        ("di\\73play:block", False),
        ("content:'display:block'", True),
        ("display:block; display:bogus", False),
        ("display:var(--x, none)", False),  # (not known here: counted, as CSS is)
        ("display:var(--x)", False),
        ("display:revert-layer", True),  # (the user agent's display: none)
        ("display:run-in", True),  # (Chromium drops it: hidden's display: none holds)
        ("display:block inline", True),
        ("display:inline flow-root list-item", False),
    ],
)
def test_hidden_is_undone_only_by_a_display_that_shows(style: str, hidden: bool) -> None:
    found = scan_page(f'<div hidden style="{style}"><p data-omo-slot="x">-</p></div>')
    assert [(t.name, t.hidden) for t in found.slots] == [("x", hidden)]


@pytest.mark.parametrize(
    "later",
    [
        "flex grid",
        "block inline",
        "table flex",
        "run-in",
        "inline-list-item",
        "ruby-base",
        "ruby-base-container",
        "ruby-text-container",
        "list-item table",
        "math ruby",
    ],
)
def test_a_display_chromium_drops_leaves_the_none_before(later: str) -> None:
    style = f"display:none; display:{later}"  # (hunt47: Chromium 156 drops each)
    assert style_hides(style), style
    assert hidden_by((Attr("hidden", "", 0, 0), Attr("style", f"display:{later}", 0, 0))), later


def work(style: str) -> int:
    """Python lines reading ``style`` executes."""
    return lines_run(lambda: style_hides(style))


HOSTILE = [
    "\\",
    "\\\n",
    "/*",
    "*/",
    "url(",
    "url( '",
    "'",
    '"',
    "(",
    ")",
    "{",
    "[",
    ";",
    ":",
    "!",
    "-",
    "--",
    "1e",
    ".5",
    "\\0",
    "\\ffffff ",
    "display",
    "none",
    "important",
    " ",
    "@",
    "\n",
    "\r\n",
    "\\\r\n",
]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(HOSTILE), min_size=1, max_size=8))
def test_reading_a_style_costs_linear_work(unit: list[str]) -> None:
    piece = "".join(unit)
    small, big = work(piece * 200), work(piece * 2000)
    assert big <= 11 * small + 200  # 10x the bytes: at most ~10x the work
    assert big <= 40 * len(piece) * 2000 + 200  # and a few dozen lines per byte at most


PLAIN = (
    "display visibility content-visibility none block hidden inline flow-root : ; ! important "
    "IMPORTANT x - 1 \t \x00"
).split(" ") + [" "]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PLAIN), max_size=14))
def test_a_plain_style_is_read_the_same_split_or_token_by_token(words: list[str]) -> None:
    style = "".join(words)  # (no comment, string, bracket or escape: the split's fast path)
    assert hides.by_split(style) == hides.by_tokens(style), style
