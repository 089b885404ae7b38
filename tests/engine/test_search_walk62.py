"""A <search> between a new <li> (<dd>, <dt>) and an open one: the spec's walk stops at the
<search> (a special element) while Chromium's goes on and closes the open one (html62). Where
that decides the tree, a selector's matches there are not trusted and a snippet that starts
such an element in a slot there is refused; where it does not, all is as before."""

from __future__ import annotations

from pathlib import Path

import pytest

from omotenashi.engine.html import parse_selector, scan_page
from tests.engine.test_snippet_context import holds, run


@pytest.mark.parametrize(
    ("doc", "differ"),
    [
        ("<ul><li class=a>a<search><li class=b>b</search></ul>", True),
        ("<ul><li class=a>a<div><search><search><li class=b>b</search></search></div></ul>", True),
        ("<dl><dd class=a>a<search><dt class=b>b</search></dl>", True),
        ("<ul><li class=a>a<section><search><li class=b>b</search></section></ul>", False),
        ("<ul><li class=a>a</li></ul><search><li class=b>b</search>", False),
        ("<ul><li class=a>a<search><ul><li class=b>b</ul></search></ul>", False),
        ("<search><ul><li class=a>a<li class=b>b</ul></search>", False),
    ],
)
def test_a_selector_is_not_trusted_where_browsers_build_differently(doc: str, differ: bool) -> None:
    found = scan_page(f"<!doctype html><body>{doc}", selectors=[parse_selector(".b")])
    assert (found.matches.get(".b", []) == []) is differ
    assert any("in a <search> in an open one" in s.reason for s in found.skipped) is differ
    assert all(s.reason.count(" at offset ") == 1 for s in found.skipped)  # (said it twice)


@pytest.mark.parametrize("doc", ["<p class=b><body class=x>", "<html><p class=b><html class=x>"])
def test_a_skipped_selector_says_its_offset_once(doc: str) -> None:
    found = scan_page(f"<!doctype html>{doc}", selectors=[parse_selector(".x p")])
    assert found.skipped and all(s.reason.count(" at offset ") == 1 for s in found.skipped)


@pytest.mark.parametrize(
    ("context", "snippet", "shown"),
    [
        ("<ul><li><search {S}>old</search><a href=/b>B</a></li></ul>", "<li>new</li>", False),
        ("<dl><dd><search {S}>old</search></dd></dl>", "<dt>new</dt>", False),
        ("<ul><li><search {S}>old</search></li></ul>", "<b>new</b>", True),
        ("<ul><li><section><search {S}>old</search></section></li></ul>", "<li>new</li>", True),
        ("<search {S}>old</search>", "<li>new</li>", True),
    ],
)
def test_a_snippet_starting_an_li_in_a_search_slot_in_an_li_is_refused(
    tmp_path: Path, context: str, snippet: str, shown: bool
) -> None:
    # (html62: Chromium closed the page's <li> there, and moved its link out of it)
    page, result = run(tmp_path, context, snippet)
    assert [d.id for d in result.shown] == (["r"] if shown else [])
    assert holds(page, result, snippet)
