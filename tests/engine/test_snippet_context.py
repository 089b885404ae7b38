"""A snippet is whole on its own (checked as it renders), yet the page around its slot can make
a browser build it otherwise: a ``<div>`` in a ``<span>`` inside the page's ``<p>`` ends that
``<p>``, a link in a slot inside the page's link ends that link, HTML in an ``<svg>`` element
breaks out of the ``<svg>``. The scanner notes what the page has open around each slot
(``engine/html/context.py``); content that would end or move something there is left out, the
slot keeps its default and the reason is logged.

lexbor (the HTML5 parsing algorithm) is the oracle: a page with the rule shown parses to the
original page's tree with only the slot's content replaced (as lexbor's own fragment parsing
in the slot's context builds it), and a page without it is byte for byte the original."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser

from omotenashi.engine import EngineConfig, Journey, Profile, Visit, personalise_response
from omotenashi.engine.page import Result
from omotenashi.errors import RuleSetError, SnippetError
from omotenashi.loader.ruleset import load_ruleset
from omotenashi.loader.snippets import Renderer
from omotenashi.settings import RespectSettings

SLOT = 'data-omo-slot="x"'
PAGE = (
    "<!doctype html><html><body><main><p id=before>intro</p>{context}<p id=after>after</p>"
    "</main></body></html>"
)


def run(folder: Path, context: str, snippet: str) -> tuple[str, Result]:
    (folder / "rules").mkdir(exist_ok=True)
    (folder / "snippets").mkdir(exist_ok=True)
    (folder / "rules" / "site.yaml").write_text(
        "rules:\n  - {id: r, slot: x, snippet: s.html, why: Always here.}\n"
    )
    (folder / "snippets" / "s.html").write_text(snippet)
    ruleset = load_ruleset(folder / "rules", Renderer(folder / "snippets"), base=folder)
    config = EngineConfig(respect=RespectSettings(disclosure=False, page_panel=False))
    page = PAGE.format(context=context.replace("{S}", SLOT))
    visit = Visit(visitor_id="v1", profile=Profile(), now=1_700_000_000.0)
    headers = [(b"content-type", b"text/html; charset=utf-8")]
    return page, personalise_response(page.encode(), headers, visit, ruleset, Journey(), config)


def as_lexbor_builds(page: str, snippet: str) -> str:
    """The original page's tree with the slot's content parsed in the slot's context."""
    tree = LexborHTMLParser(page)
    node = tree.css_first("[data-omo-slot]")
    assert node is not None
    node.inner_html = snippet
    node.attrs["data-omo-rule"] = "r"
    return tree.html or ""


def holds(page: str, result: Result, snippet: str) -> bool:
    snippet = snippet.removesuffix("\n")  # (Jinja drops a template's last newline)
    if [d.id for d in result.shown] == ["r"]:
        return LexborHTMLParser(result.body.decode()).html == as_lexbor_builds(page, snippet)
    return result.body == page.encode()


CASES = [  # (the page around the slot, the snippet, shown, what the log says)
    ("<p><span {S}>old</span></p>", "<div>hi</div>", False, "<span> inside a <p> of the page"),
    ("<p><span {S}>old</span></p>", "<ul><li>a</li></ul>", False, "has <ul> inside <p>"),
    ("<p><span {S}>old</span></p>", "<table><tr><td>c</td></tr></table>", False, "<table>"),
    ("<p><span {S}>old</span></p>", "<span>ok</span>", True, ""),
    ("<p><b><span {S}>old</span></b></p>", "<div>x</div>", False, "inside a <p>"),
    ("<p {S}>old</p>", "<div>hi</div>", False, "its target is a <p>, and"),
    ("<p {S}>old</p>", "<p>x</p>", False, "has <p> inside <p>"),
    ("<p {S}>old</p>", "<b>ok</b>", True, ""),
    ('<a href="/"><span {S}>old</span></a>', '<a href="/x">x</a>', False, "inside a link"),
    ('<a href="/"><span {S}>old</span></a>', "<div>ok</div>", True, ""),
    ('<a href="/"><b {S}>old</b></a>', '<a href="/y">y</a>', False, "a link inside a link"),
    ('<a {S} href="/">old</a>', '<a href="/x">x</a>', False, "a link inside a link"),
    ("<ul><li {S}>old</li></ul>", "<li>x</li>", False, "an <li> inside an <li>"),
    ("<ul><li {S}>old</li></ul>", "<ul><li>ok</li></ul>", True, ""),
    ("<ul><li><div {S}>old</div></li></ul>", "<li>x</li>", False, "inside an <li> of"),
    ("<ul><li><p {S}>old</p></li></ul>", "<li>x</li>", False, "<p> inside an <li>"),
    ("<ul><li><div {S}>old</div></li></ul>", "<ol><li>ok</li></ol>", True, ""),
    ("<ul><li><section {S}>old</section></li></ul>", "<li>ok</li>", True, ""),
    ("<button><span {S}>old</span></button>", "<button>x</button>", False, "a button"),
    ("<p><button><span {S}>old</span></button></p>", "<div>ok</div>", True, ""),
    ("<form><div {S}>old</div></form>", "<form>x</form>", False, "inside a form of"),
    ("<form><div {S}>old</div></form>", "<input name=q>", True, ""),
    ("<h2 {S}>old</h2>", "<h3>x</h3>", False, "<h3> directly inside <h2>"),
    ("<h2 {S}>old</h2>", "<b>ok</b>", True, ""),
    ("<dl><dt {S}>old</dt></dl>", "<dd>x</dd>", False, "a <dd> inside"),
    ("<nobr><span {S}>old</span></nobr>", "<nobr>x</nobr>", False, "inside a <nobr>"),
    ("<svg><g {S}>old</g></svg>", "<div>x</div>", False, "<g> inside an <svg> of the page"),
    ("<svg><g {S}>old</g></svg>", "<b>x</b>", False, "a browser ends the <svg>"),
    ("<svg><g {S}>old</g></svg>", "<circle r='1'></circle>", True, ""),
    ("<svg {S}>old</svg>", "<p>x</p>", False, "its target is a <svg>, and"),
    ("<svg><foreignObject {S}>old</foreignObject></svg>", "<div>ok</div>", True, ""),
    ("<math><mi {S}>old</mi></math>", "<div>ok</div>", True, ""),
    ("<table><tr><td {S}>old</td></tr></table>", "<tr><td>x</td></tr>", False, "inside <td>"),
    ("<table><tr><td {S}>old</td></tr></table>", "<td>x</td>", False, "<td> inside <td>"),
    ("<table><tr><td {S}>old</td></tr></table>", "<div>ok</div>", True, ""),
    ("<table><caption {S}>old</caption></table>", "<tr><td>x</td></tr>", False, "<caption>"),
    ("<select><option {S}>old</option></select>", "<option>x</option>", False, "<option>"),
    ("<select><option {S}>old</option></select>", "just text", True, ""),
    ("<object><span {S}>old</span></object>", "<div>ok</div>", True, ""),
    ("<p><object><span {S}>old</span></object></p>", "<div>ok</div>", True, ""),
    ("<div {S}>old</div>", "<li>ok</li>", True, ""),
    ("<textarea {S}>old</textarea>", "<!-- </textarea> -->", False, "ends the page's"),
    ("<textarea {S}>old</textarea>", '<b title="</TEXTAREA >">x</b>', False, "</textarea>"),
    ("<textarea {S}>old</textarea>", "<b>shown as text</b>", True, ""),
    ("<pre {S}>old</pre>", "\nfirst line kept", True, ""),
    # a formatting element the page leaves open re-opens around the next content: the new text
    # would become a link, or bold
    ('<p><a href="/">x<div {S}></div>', "plain text", False, "would be wrapped"),
    ("<p><b>x<div {S}></div>", "<i>t</i>", False, "re-opens it there"),
    ("<p><b>x</p><div {S}></div>", "plain text", False, "re-opens it there"),
    ("<p><b>x</b></p><div {S}></div>", "plain text", True, ""),
    ("<textarea {S}>old</textarea>", "\nfirst line kept", True, ""),
]


@pytest.mark.parametrize(("context", "snippet", "shown", "said"), CASES)
def test_the_page_around_a_slot_is_left_as_it_was(
    tmp_path: Path, context: str, snippet: str, shown: bool, said: str
) -> None:
    page, result = run(tmp_path, context, snippet)
    assert [d.id for d in result.shown] == (["r"] if shown else [])
    assert holds(page, result, snippet)
    if not shown:
        assert result.change.shown == []  # caps and exposures count only what is shown
        assert any(said in why and "rule 'r'" in why for why in result.skipped), result.skipped


# Random pages around a slot and random snippets: whatever is shown, lexbor builds as it would
# in the slot; whatever is not, the page is byte for byte the original.
WRAPPERS = [
    ("<p>", "</p>"),
    ("<span>", "</span>"),
    ('<a href="/">', "</a>"),
    ("<ul><li>", "</li></ul>"),
    ("<div>", "</div>"),
    ("<button>", "</button>"),
    ("<form>", "</form>"),
    ("<h2>", "</h2>"),
    ("<dl><dt>", "</dt></dl>"),
    ("<table><tr><td>", "</td></tr></table>"),
    ("<b>", "</b>"),
    ("<svg><foreignObject>", "</foreignObject></svg>"),
    ("<nobr>", "</nobr>"),
    ("<object>", "</object>"),
    ("<section>", "</section>"),
    ("<em>", "</em>"),
    ("<p><b>x", ""),
    ('<ul><li><a href="/">x</li>', "</ul>"),  # a menu's unclosed link, waiting
]
SLOTS = ["span", "div", "p", "a", "li", "b", "h3", "td", "section", "button", "dd", "pre"]
TAGS = [
    "div",
    "p",
    "span",
    "a",
    "li",
    "ul",
    "h3",
    "button",
    "form",
    "table",
    "b",
    "dd",
    "nobr",
    "i",
]


@st.composite
def snippets(draw: st.DrawFn, depth: int = 0) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 3))):
        if depth < 2 and draw(st.booleans()):
            tag = draw(st.sampled_from(TAGS))
            inner = draw(snippets(depth + 1))
            if tag == "table":
                parts.append(f"<table><tr><td>{inner}</td></tr></table>")
            else:
                parts.append(f"<{tag}>{inner}</{tag}>")
        else:
            parts.append(draw(st.sampled_from(["x", " ", "\n", "<br>", "<img alt=i>"])))
    return "".join(parts)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(WRAPPERS), max_size=3), st.sampled_from(SLOTS), snippets())
def test_random_slots_in_random_pages(
    around: list[tuple[str, str]], slot: str, snippet: str
) -> None:
    inside = f"<{slot} {{S}}>old</{slot}>"
    if slot in ("li", "dd"):
        inside = f"<{'ul' if slot == 'li' else 'dl'}>{inside}</{'ul' if slot == 'li' else 'dl'}>"
    if slot == "td":
        inside = f"<table><tr>{inside}</tr></table>"
    for start, end in reversed(around):
        inside = start + inside + end
    with tempfile.TemporaryDirectory() as folder:
        try:
            page, result = run(Path(folder), inside, snippet)
        except (RuleSetError, SnippetError):
            return  # not whole on its own: refused as it loads (tests/engine/test_fragment*)
    assert holds(page, result, snippet), (page, snippet, result.skipped)
