"""How engine/html/hides.py reads an inline ``style`` (CSS Syntax 3's declaration list; each
value of the table as Chromium computes it: e2e/test_style_hides_chromium.py), and that its
work grows linearly with any value, however hostile (Python lines executed, counted with a
trace hook: no clocks; every pattern it matches with is possessive)."""

from __future__ import annotations

import sys
from types import FrameType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omotenashi.engine.html import hides, scan_page
from omotenashi.engine.html.hides import declared, style_hides

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
        ("display:none; display:var(--x)", {"display": ("\0var",)}),  # (not known here)
        ("display:none !important !important", {}),
        ("display:none}", {}),  # (a stray bracket: not a value display takes)
        ("di\\73play:none", NONE),  # escapes, decoded
        ("di\\73 play:n\\6f ne", NONE),
        ("--display:none", {}),  # a custom property
        ("content:'a;display:none'", {}),  # in a string
        ("x:'a\nb';display:none", {}),  # a string a newline breaks: the next quote runs on
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
        ("display:var(--gone)", False),  # (not known: as shown)
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
    ],
)
def test_hidden_is_undone_only_by_a_display_that_shows(style: str, hidden: bool) -> None:
    found = scan_page(f'<div hidden style="{style}"><p data-omo-slot="x">-</p></div>')
    assert [(t.name, t.hidden) for t in found.slots] == [("x", hidden)]


def work(style: str) -> int:
    """Python lines reading ``style`` executes."""
    lines = 0

    def trace(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal lines
        lines += 1
        return trace

    sys.settrace(trace)
    try:
        style_hides(style)
    finally:
        sys.settrace(None)
    return lines


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
