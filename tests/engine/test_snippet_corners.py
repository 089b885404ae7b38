"""Snippets a differential run over html5lib-tests' documents (used as snippets, in 19 kinds of
slot and 7 surroundings) found accepted though a browser builds them otherwise, each kept here
as the smallest case: content ending in ``</`` (the slot's own end tag becomes a comment), table
parts in a slot that is no table part (the page's cell ends there), and option elements in a
select slot that end the snippet's own ``<p>``/``<li>``/``<dd>``. lexbor is the oracle, as in
test_snippet_context.py; Chromium agreed on each."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from omotenashi.engine.html.fragment import fragment_problem
from omotenashi.errors import RuleSetError

from .test_snippet_context import holds, run

CASES = [  # (the page around the slot, the snippet, shown, what the log says)
    (
        "<table><tr><td><div {S}>old</div><span id=sib>s</span>tail</td></tr></table>",
        "<td>x</td>",
        False,
        "<td> outside a <table> of its own",
    ),
    ("<div {S}>old</div><span id=sib>s</span>", "<tr><td>x</td></tr>", False, "<tr> outside"),
    ("<pre {S}>old</pre>", "<tbody><tr><td>x</td></tr></tbody>", False, "<tbody> outside"),
    ("<div {S}>old</div>", "<table><tr><td>x</td></tr></table>", True, ""),  # a whole table
    ("<select {S}><option>old</option></select>", "<p><option>x</option></p>", False, "<p>"),
    ("<select {S}><option>old</option></select>", "<li><option>x</option></li>", False, "<li>"),
    ("<select {S}><option>old</option></select>", "<dd><optgroup></optgroup></dd>", False, "dd"),
    ("<select><option {S}>old</option></select>", "a<hr>b", False, "ends the <option>"),
    # an <hr> between options of a select slot ends nothing (it was refused before)
    (
        "<select {S}><option>old</option></select>",
        "<option>a</option><hr><option>b</option>",
        True,
        "",
    ),
    ("<select {S}><option>old</option></select>", "<div><option>x</option></div>", True, ""),
]


@pytest.mark.parametrize(("context", "snippet", "shown", "said"), CASES)
def test_content_a_browser_would_build_otherwise_keeps_the_default(
    context: str, snippet: str, shown: bool, said: str
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        page, result = run(Path(folder), context, snippet)
    assert [d.id for d in result.shown] == (["r"] if shown else [])
    assert holds(page, result, snippet)
    if not shown:
        assert any(said in why and "rule 'r'" in why for why in result.skipped), result.skipped


@pytest.mark.parametrize("snippet", ["</", "Price </", "<b>x</b></"])
def test_content_ending_in_an_unfinished_end_tag_is_refused_at_load(snippet: str) -> None:
    assert fragment_problem(snippet) is not None
    with tempfile.TemporaryDirectory() as folder, pytest.raises(RuleSetError, match="ends in '</'"):
        run(Path(folder), "<div {S}>old</div>", snippet)


@pytest.mark.parametrize("snippet", ["a &lt;/", "<", "x <", "</b", "a </ b"])
def test_other_ends_are_text_or_refused_as_before(snippet: str) -> None:
    problem = fragment_problem(snippet)
    assert problem is None or "ends in '</'" not in problem
