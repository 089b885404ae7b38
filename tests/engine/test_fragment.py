"""What a snippet's output may be: a whole piece of HTML, which cannot change the page around
the slot (engine/html/fragment.py). Every snippet of the demo passes; each kind of broken
markup is refused with its reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from omotenashi.engine.html.fragment import broken, fragment_problem

REPO = Path(__file__).resolve().parents[2]
DEMO_SNIPPETS = sorted((REPO / "snippets").rglob("*.html"))

GOOD = [
    "",
    "plain text, a < b & c > d",
    '<div class="x">Hi</div>',
    "<br><img src=x><hr/><input type=checkbox checked><wbr>",
    "<p>one</p>\n<p>two <b>bold</b> <a href=#>link</a></p>",
    "<ul><li>a</li><li><ul><li>b</li></ul></li></ul>",
    "<li>a</li><li>b</li>",  # for a <ul> slot
    "<dl><dt>a</dt><dd>b</dd></dl>",
    "<td>1</td> <th>2</th>",  # for a <tr> slot
    "<tr><td>1</td></tr>\n<tr><td>2</td></tr>",  # for a <tbody> or <table> slot
    "<thead><tr><th>h</th></tr></thead><tbody><tr><td>1</td></tr></tbody>",
    "<table>\n <caption>c</caption>\n <tbody>\n  <tr><td>x</td></tr>\n </tbody>\n</table>",
    "<table><tr><td><table><tr><td>in</td></tr></table></td></tr></table>",
    "<table><input type=hidden name=x><tr><td>1</td></tr></table>",
    "<script>if (a < b && c) { x('</div>') }</script>",
    "<script><!-- x --></script>",
    "<style>a > b { color: red }</style>",
    "<textarea><div></textarea>",
    "<title>t</title>",
    "<!-- a --><!----><!--><!--->",
    "<?php ok ?><!x>",
    "<svg viewBox='0 0 1 1'><path d='M0 0'/><circle r='1'></circle></svg>",
    "<svg><foreignObject><div>x</div></foreignObject><style>a{}</style></svg>",
    "<svg><![CDATA[ x < y ]]></svg>",
    "<math><mi>x</mi><mo>+</mo></math>",
    "<a href=/x><span>go</span></a><a href=/y>again</a>",
    "<button><span>x</span></button>",
    "<form action=/s><input name=q><button>Go</button></form>",
    "<select><option>a</option><optgroup label=g><option>b</option></optgroup></select>",
    "<template><tr><td>1</td></tr></template>",
    "<DIV>x</div>",
    "<div><p>a</p><div>b</div></div>",
    "<p><svg><path/></svg></p>",
    "<div data-x='a>b' title=\"</div>\">x</div>",
    "<img alt='</div>'>",
    "<h2>t</h2><h3>u</h3>",
    "<ruby>漢<rt>kan</rt></ruby>",
    "<details><summary>s</summary><p>p</p></details>",
]


@pytest.mark.parametrize("html", GOOD)
def test_a_whole_piece_of_html_passes(html: str) -> None:
    assert fragment_problem(html) is None


@pytest.mark.parametrize("path", DEMO_SNIPPETS, ids=lambda p: p.name)
def test_every_snippet_of_the_demo_passes(path: Path) -> None:
    assert DEMO_SNIPPETS  # the folder is there
    assert fragment_problem(path.read_text()) is None


COMMENT = "leaves a comment open: everything after it on the page would disappear"

BAD = [
    ('<div class="x">AUDIT</div><!-- note to self', COMMENT, "<!-- note to self"),
    ("<!-- never", COMMENT, "<!-- never"),
    ("<div>x</div></div></div></main></body>", "has </div> with no <div> before it", "</div>"),
    ("</section></main><textarea>", "has </section> with no <section> before it", "</section>"),
    ("</form>", "has </form> with no <form> before it", "</form>"),
    ("</p>", "has </p> with no <p> before it", "</p>"),
    ("<textarea>", "leaves <textarea> open: the rest of the page", "<textarea>"),
    ("<script>x", "leaves <script> open", "<script>"),
    ("<script>a</scrip>", "leaves <script> open", "<script>"),
    ("<style>x", "leaves <style> open", "<style>"),
    ("<title>x", "leaves <title> open", "<title>"),
    ("<xmp>x", "leaves <xmp> open", "<xmp>"),
    ("<iframe>x", "leaves <iframe> open", "<iframe>"),
    ("<noembed>x", "leaves <noembed> open", "<noembed>"),
    ("<noframes>x", "leaves <noframes> open", "<noframes>"),
    ("<noscript>x", "leaves <noscript> open", "<noscript>"),
    ("<plaintext>x</plaintext>", "has <plaintext>, which never ends", "<plaintext>"),
    ("<a href='x>link</a>", "leaves the tag <a> unfinished", "<a href='x>"),
    ("<p>x</p><div", "leaves the tag <div> unfinished", "<div"),
    ("<!x", "leaves a '<!' or '<?' open", "<!x"),
    ("<?php echo 1", "leaves a '<!' or '<?' open", "<?php echo 1"),
    ("<!doctype html><p>x</p>", "has a doctype", "<!doctype html>"),
    ("<html lang=ja>", "has <html>, which belongs to the page", "<html lang=ja>"),
    ("<head>", "has <head>, which belongs to the page", "<head>"),
    ("<body class=x>", "has <body>, which belongs to the page", "<body class=x>"),
    ("<frameset>", "has <frameset>, which belongs to the page", "<frameset>"),
    ("</body>", "has </body>, which belongs to the page", "</body>"),
    ("<base href=/x>", "has <base>, which would change where every link", "<base href=/x>"),
    ("<div>x", "leaves <div> open: the rest of the page", "<div>"),
    ("<div/>", "leaves <div> open", "<div/>"),
    ("<section><p>x</section>", "closes <section> while <p> inside it is still open", "</section>"),
    ("<b><i>x</b></i>", "closes <b> while <i> inside it is still open", "</b>"),
    ("<br></br>", "has </br>, but <br> never has an end tag", "</br>"),
    ("<img src=x></img>", "has </img>, but <img> never has an end tag", "</img>"),
    ("<p>a<div>b</div></p>", "has <div> inside <p>: a browser ends the <p>", "<div>"),
    ("<p>a<ul><li>x</li></ul></p>", "has <ul> inside <p>", "<ul>"),
    ("<p>a<p>b</p></p>", "has <p> inside <p>", "<p>"),
    ("<p><span><h2>t</h2></span></p>", "has <h2> inside <p>", "<h2>"),
    ("<a href=1><div><a href=2>x</a></div></a>", "has a link inside a link", "<a href=2>"),
    ("<button><button>x</button></button>", "has a button inside a button", "<button>"),
    ("<form><div><form></form></div></form>", "has a form inside a form", "<form>"),
    ("<ul><li><div><li>b</li></div></li></ul>", "has an <li> inside an <li>", "<li>"),
    ("<dl><dt><dd>b</dd></dt></dl>", "has a <dd> inside a <dd> or <dt>", "<dd>"),
    ("<h2><h3>x</h3></h2>", "has <h3> directly inside <h2>", "<h3>"),
    ("<select><option><option>b</option></option></select>", "has <option> directly", "<option>"),
    ("<select><input></select>", "has <input> inside a <select>", "<input>"),
    ("<td>x</td><div>y</div>", "mixes <div> with table cells at its top level", "<div>"),
    ("<tr><td>1</td></tr><td>2</td>", "mixes <td> with table rows", "<td>"),
    ("x<td>1</td>", "mixes <td> with text or other elements", "<td>"),
    ("<td>1</td> and more", "mixes text with table cells", "and more"),
    ("<div><td>1</td></div>", "has <td> outside a <table>", "<td>"),
    ("<table><tr><td><tr></tr></td></tr></table>", "has <tr> inside <td>", "<tr>"),
    ("<table><div>x</div></table>", "has <div> directly inside <table>", "<div>"),
    ("<table><tr>text</tr></table>", "has text directly inside <tr>", "text"),
    ("<tr><td>1</td><input></tr>", "has <input> directly inside <tr>", "<input>"),
    ("<svg><div>x</div></svg>", "has <div> inside <svg>: a browser ends the <svg>", "<div>"),
    ("<math><p>x</p></math>", "has <p> inside <math>", "<p>"),
    ("<![CDATA[x]]>", "has a <![CDATA[ outside <svg> or <math>", "<![CDATA["),
    ("<svg><![CDATA[x</svg>", "leaves a <![CDATA[ open", "<![CDATA[x</svg>"),
    ("<svg><g></svg>", "closes <svg> while <g> inside it is still open", "</svg>"),
    ("<template><div></template>", "closes <template> while <div>", "</template>"),
]


@pytest.mark.parametrize(("html", "reason", "piece"), BAD, ids=[b[0][:40] for b in BAD])
def test_broken_markup_is_refused_with_its_reason(html: str, reason: str, piece: str) -> None:
    said = fragment_problem(html)
    assert said is not None and said.startswith(reason), said
    found = broken(html)
    assert found is not None and found.piece == piece
    assert html[found.at :].startswith(piece)


def test_every_reason_says_what_would_be_right() -> None:
    for html, _, _ in BAD:
        said = fragment_problem(html)
        assert said is not None and said.endswith(")") and " (" in said, said


def test_a_reason_names_tags_never_the_text_around_them() -> None:
    """The same problem for every visitor: logged once, whatever the visitor's name."""
    said = {fragment_problem(f"<div><p>Hello {name}</div>") for name in ("Aiko", "Ben")}
    assert len(said) == 1 and "Aiko" not in str(said)


def test_the_check_is_linear_on_deep_and_long_markup() -> None:
    """One pass, no walk up the stack per tag: deep nesting of what <li> and <p> look through
    answers at once (counted in tokens, not timed)."""
    deep = "<div>" * 20000 + "<li>x</li>" * 20000 + "</div>" * 20000
    assert fragment_problem(deep) is None
    assert fragment_problem("<p>" + "<span>" * 20000 + "<div>") is not None
