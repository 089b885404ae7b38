"""The scan costs a constant per byte on any input: adversarial shapes at 10x the size cost
~10x the work (Python lines executed, counted with a trace hook: no clocks)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import FrameType
from typing import Any

import pytest

from omotenashi.engine.html import parse_selector, scan_page

SELECTORS = (parse_selector("div p.x"), parse_selector("li:nth-child(2) > a"))
SHAPES = {
    "unclosed-slots": "<div data-omo-slot=a>x",
    "nested-divs": "<div>",
    "unclosed-p": "<p>x",
    "many-lt": "< <",
    "unclosed-formatting": "<b class={i}>x",
    "misnested-formatting": "<b><div></b>x</div>",
    "a-around-blocks": "<a href=x><div>y",
    "p-reopens-formatting": "<p>x</p>",
    "unclosed-cells": "<table><tr><td>x",
    "li-under-spans": "<span><li>x",
    "svg-nesting": "<svg><g>",
    "unterminated-comment": "<!-- x",
    "huge-attribute": '<div title="',
    "markup-in-select": "<select><div>x",
    "form-misnested": "<form><div></form>",
    "stray-end-tags": "<span>x</i>",
    "headings-mismatched": "<h1>x</h2>",
    # html70: each left its marker in the formatting list, and each target closing at the
    # page's end walked back over all the newer ones (quadratic)
    "nested-marquee-slots": "<marquee data-omo-slot=m{i}>",
    "nested-cell-slots": "<table><tr><td data-omo-slot=c{i}>",
}
ORDINARY = (
    '<div class="card"><h2><a href="/t/{i}">Tour {i}</a></h2><p>Days of <b>sun</b> and '
    '<em>sea</em>.</p><ul><li>One</li><li>Two</li></ul><img src="/i/{i}.jpg" alt=""></div>\n'
)


def page(unit: str, size: int) -> str:
    out: list[str] = ['<!doctype html><div data-omo-slot="s">']
    total = i = 0
    while total < size:
        piece = unit.replace("{i}", str(i))
        out.append(piece)
        total += len(piece)
        i += 1
    return "".join(out)


def work(doc: str) -> int:
    """Python lines the scan executes."""
    return lines_run(lambda: scan_page(doc, selectors=SELECTORS))


def lines_run(call: Callable[[], object]) -> int:
    """Python lines ``call`` executes (a measure of work that does not depend on the machine)."""
    lines = 0

    def trace(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal lines
        lines += 1
        return trace

    sys.settrace(trace)
    try:
        call()
    finally:
        sys.settrace(None)
    return lines


@pytest.mark.parametrize("shape", list(SHAPES), ids=list(SHAPES))
def test_adversarial_markup_costs_linear_work(shape: str) -> None:
    small, big = work(page(SHAPES[shape], 4_000)), work(page(SHAPES[shape], 40_000))
    assert big <= 11 * small  # 10x the bytes: at most ~10x the work (never quadratic)
    ordinary = work(page(ORDINARY, 40_000))
    assert big <= 8 * ordinary  # and at most a small constant times ordinary HTML
