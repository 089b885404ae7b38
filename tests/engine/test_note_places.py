"""The why note never changes the page outside it: it goes only where its markup parses as it
does alone (lexbor is the oracle), with or without its form; elsewhere the block has no "i" and
the page's panel says why. Content that leaves the parser's form pointer changed is unsure."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from selectolax.lexbor import LexborHTMLParser

from omotenashi.engine.disclosure import Disclosure, placement
from omotenashi.engine.facts import Device, Facts
from omotenashi.engine.html import Edit, apply_edits, scan_page
from omotenashi.engine.html.core import NOTE_BARE, NOTE_FULL, NOTE_NONE
from omotenashi.engine.personalise import personalise
from omotenashi.engine.ruleset import RuleSet
from omotenashi.loader.ruleset import load_ruleset
from omotenashi.loader.snippets import Renderer

from .test_html_extents import documents

FACTS = Facts(
    device=Device("desktop", "Chrome", "Linux", False), now=datetime(2026, 12, 1, tzinfo=UTC)
)
ON = Disclosure(enabled=True, csrf="tok", path="/p")
NEW = "New"
NOTE = (  # a note with everything the real one has: a form, inputs, a button, a link
    '<details class="omo-i"><summary>i</summary><div class="omo-i-pop"><p><strong>W</strong>'
    '</p><ul><li>R.</li></ul><form method="post" action="/_o/preferences" class="omo-dismiss">'
    '<input type="hidden" name="csrf" value="t"><button type="submit">No</button></form>'
    '<p><a href="/_o/preferences">Your choices</a></p></div></details>'
)
TABLE_PARTS = frozenset("table tbody thead tfoot tr colgroup".split())
BARE = NOTE.replace(NOTE[NOTE.index("<form") : NOTE.index("</form>") + 7], "")


def _rules(tmp_path: Path, action: str = f"text: {NEW!r}") -> RuleSet:
    (tmp_path / "rules").mkdir(exist_ok=True)
    (tmp_path / "snippets").mkdir(exist_ok=True)
    (tmp_path / "rules" / "site.yaml").write_text(
        textwrap.dedent(f"""
        rules:
          - id: r
            slot: x
            {action}
            why: Always.
        """)
    )
    return load_ruleset(tmp_path / "rules", Renderer(tmp_path / "snippets"), base=tmp_path)


def _expected(page: str, inner: str | None) -> str:
    """The page as lexbor builds it with the slot rewritten and no note (``inner`` None: the
    attribute rule ATTRS)."""
    tree = LexborHTMLParser(page)
    node = tree.css_first('[data-omo-slot="x"]')
    assert node is not None
    if inner is not None:
        node.inner_html = inner
    else:
        node.attrs["data-x"] = "1"
    node.attrs["data-omo-rule"] = "r"
    return tree.html or ""


def _alone(note: str) -> str:
    node = LexborHTMLParser(f"<!doctype html><body>{note}").css_first("details.omo-i")
    assert node is not None
    return node.html or ""


def _without_notes(out: str) -> tuple[str, list[str]]:
    """The page as lexbor builds it, its notes (and panel) taken out, and each note's own
    markup."""
    tree = LexborHTMLParser(out)
    for node in tree.css("aside.omo-why-page"):
        node.decompose()
    notes = []
    for node in tree.css("details.omo-i"):
        notes.append(node.html or "")
        node.decompose()
    return tree.html or "", notes


ATTRS = "attrs: {data-x: '1'}"
# (the page, where the "i" goes: "in"/"after" the slot, "none"; and with its form or "bare");
# rows whose new text would itself move (in a table, re-opening a formatting element) set an
# attribute instead (the rule ATTRS)
CONTEXTS = [
    ("<div data-omo-slot=x>a</div><p>b</p>", "in", "full"),
    ("<ul><li data-omo-slot=x>a<li>b</ul>", "in", "full"),
    ("<table><tr><td data-omo-slot=x>a<td>b</table>", "in", "full"),
    ("<p>a <img data-omo-slot=x src=/i> b</p>", "none", ""),
    ("<div>Price: <span data-omo-slot=x>9</span> today</div>", "after", "full"),
    ("<p>Price: <span data-omo-slot=x>9</span> today</p>", "none", ""),
    ("<p data-omo-slot=x>a</p><p>b</p>", "after", "full"),
    ("<p data-omo-slot=x>a<div>b</div>", "after", "full"),  # its end implied by the <div>
    ("<div><p data-omo-slot=x>a<button>b</div>", "none", ""),  # after it: in the button
    (
        "<form action=/buy method=post><div data-omo-slot=x>a</div><button id=pay>Pay</button>"
        "</form>",
        "in",
        "bare",
    ),
    ("<form action=/a><div data-omo-slot=x>a</div></form><form action=/b></form>", "in", "bare"),
    ("<form data-omo-slot=x action=/a><input name=q></form><p>b</p>", "after", "full"),
    (
        "<div><form action=/a></div><div data-omo-slot=x>a</div><form action=/b></form>",
        "in",
        "bare",
    ),  # the pointer still set: the note's </form> would clear it
    ("<a href=/deal><div data-omo-slot=x>a</div><span id=cta>Book</span></a>", "none", ""),
    ("<a href=/deal data-omo-slot=x>a</a><p>b</p>", "after", "full"),
    ("<button><div data-omo-slot=x>a</div>b</button>", "none", ""),
    ("<button data-omo-slot=x>a</button><p>b</p>", "after", "full"),
    ("<select><option data-omo-slot=x>a<option>b</select>", "none", ""),
    ("<select><option data-omo-slot=x>a</option><option>b</option></select>", "none", ""),
    ("<select data-omo-slot=x><option>a</select><p>b</p>", "after", "full"),
    ("<label><span data-omo-slot=x>Email</span> <input name=e></label>", "none", ""),
    ("<h1><span data-omo-slot=x>Hi</span> there</h1>", "none", ""),
    ("<h1 data-omo-slot=x>Hi</h1><p>b</p>", "after", "full"),
    ("<table><tr data-omo-slot=x><td>a</td></tr><tr><td>b</td></tr></table>", "none", ""),
    ("<table><caption data-omo-slot=x>a</caption><tr><td>b</table>", "none", ""),
    ("<table data-omo-slot=x><tr><td>a</table><p>b</p>", "after", "full"),
    ("<details><summary><span data-omo-slot=x>a</span></summary>b</details>", "none", ""),
    # (ui61) after the <details>' summary: its content, unseen while it is closed
    ("<details><summary data-omo-slot=x>a</summary>b</details>", "none", ""),
    ("<div><summary data-omo-slot=x>a</summary>b</div>", "after", "full"),  # no <details>
    ("<dl><dt data-omo-slot=x>a<dd>b</dl>", "in", "full"),  # after its implied end: in it
    ("<svg><g data-omo-slot=x>a</g></svg><p>b</p>", "none", ""),
    ("<video><div data-omo-slot=x>a</div></video>", "none", ""),
    ("<b><div data-omo-slot=x>a</div></b><p>b</p>", "in", "full"),
    ("<div><b>b</div><div data-omo-slot=x></div>", "none", ""),  # <b> would re-open in it
    ("<p data-omo-slot=x>a<b>b</b></p><p>c</p>", "after", "full"),
    ("<textarea data-omo-slot=x>a</textarea><p>b</p>", "after", "full"),
    # html70: in a caption, legend or figcaption the "i" was read as part of the table's,
    # fieldset's or figure's name
    ("<table><caption><span data-omo-slot=x>a</span></caption><tr><td>b</table>", "none", ""),
    (
        "<fieldset><legend><span data-omo-slot=x>a</span></legend><input name=q></fieldset>",
        "none",
        "",
    ),
    (
        "<figure><img src=/a.jpg alt=A><figcaption><span data-omo-slot=x>a</span></figcaption>"
        "</figure>",
        "none",
        "",
    ),
    (
        "<figure><img src=/a.jpg alt=A><figcaption data-omo-slot=x>a</figcaption></figure>",
        "after",
        "full",
    ),
    # html70: at the end of a list's content by its role, the "i" stood among its items
    ('<div role="list" data-omo-slot=x><div role=listitem>a</div></div><p>b</p>', "after", "full"),
    ('<div role="tablist menu" data-omo-slot=x>a</div><p>b</p>', "after", "full"),
]


@pytest.mark.parametrize(("body", "where", "how"), CONTEXTS)
def test_the_note_goes_only_where_the_page_around_it_stays_as_it_was(
    tmp_path: Path, body: str, where: str, how: str
) -> None:
    page = f"<!doctype html><html><head><title>t</title></head><body>{body}</body></html>"
    attrs = any(x in body for x in ("<tr data-omo-slot", "<table data-omo-slot", "<b>b</div>"))
    attrs = attrs or "<button>b</div>" in body or "<img data-omo-slot" in body  # void: no text
    out = personalise(page, _rules(tmp_path, *[ATTRS][: int(attrs)]), FACTS, {}, disclosure=ON)
    assert [d.id for d in out.applied] == ["r"], out.skipped
    got, notes = _without_notes(out.html)
    assert got == _expected(page, None if attrs else NEW)  # outside the note: as it was
    if where == "none":
        assert notes == [] and "omo-i" not in out.html
        assert 'id="omo-why-r"' in out.html  # said by the page's panel instead
        return
    assert len(notes) == 1 and notes[0] == _alone(notes[0])  # the note: as it parses alone
    assert ('class="omo-dismiss"' in notes[0]) == (how == "full")
    tree = LexborHTMLParser(out.html)
    slot = tree.css_first('[data-omo-slot="x"]')
    assert slot is not None
    inside = slot.css_first("details.omo-i") is not None
    assert inside == (where == "in")


@pytest.mark.parametrize(
    "body",
    [
        "<p data-omo-slot=x>a <svg><circle r=5><hr><p>b</p>",
        "<ul><li data-omo-slot=x>a <svg><path><li>b</ul>",
        "<p data-omo-slot=x>a <math><mi>y</mi><div>b</div>",
        "<dl><dt>a<dd data-omo-slot=x>b <svg><g><dt>c<dd>d</dl>",
        "<p data-omo-slot=x>a <svg><g></p><p>b</p>",
    ],
)
def test_no_note_where_the_content_leaves_an_svg_or_math_open(tmp_path: Path, body: str) -> None:
    """html70: an attribute rule keeps the content; where it ends inside an <svg> or <math>
    left open (a tag that breaks out of it ends the target too), a note there was svg, its
    words out of it on the page, its form among them. The panel says the block instead."""
    page = f"<!doctype html><html><head><title>t</title></head><body>{body}</body></html>"
    out = personalise(page, _rules(tmp_path, ATTRS), FACTS, {}, disclosure=ON)
    assert [d.id for d in out.applied] == ["r"], out.skipped
    got, notes = _without_notes(out.html)
    assert got == _expected(page, None)
    assert notes == [] and "omo-i" not in out.html and 'id="omo-why-r"' in out.html


@pytest.mark.parametrize("action", [ATTRS, f"text: {NEW!r}"])
def test_an_attribute_rule_or_text_rule_in_a_card_link_gets_no_note(
    tmp_path: Path, action: str
) -> None:
    page = "<!doctype html><a href=/deal><div data-omo-slot=x>a</div><span id=cta>Book</span></a>"
    out = personalise(page, _rules(tmp_path, action), FACTS, {}, disclosure=ON)
    assert out.applied and "<details" not in out.html
    cta = LexborHTMLParser(out.html).css_first("#cta")
    assert cta is not None and cta.parent is not None and cta.parent.tag == "a"


def test_a_block_without_its_note_is_explained_by_the_page_panel_even_when_it_is_off(
    tmp_path: Path,
) -> None:
    ruleset = _rules(tmp_path)
    page = "<!doctype html><body><p>Price: <span data-omo-slot=x>9</span> today</p></body>"
    out = personalise(page, ruleset, FACTS, {}, disclosure=ON)
    assert "omo-i" not in out.html and 'class="omo-why-page"' in out.html
    assert 'id="omo-why-r"' in out.html
    fine = page.replace("<p>Price: <span", "<div>Price: <span").replace("</p>", "</div>")
    out = personalise(fine, ruleset, FACTS, {}, disclosure=ON)  # its note placed: no panel
    assert 'class="omo-i"' in out.html and "omo-why-page" not in out.html


def test_the_note_goes_on_the_first_element_of_a_block_that_may_hold_it(tmp_path: Path) -> None:
    page = (
        "<!doctype html><body><p>a <span data-omo-slot=x>9</span></p>"
        "<div data-omo-slot=x>b</div></body>"
    )
    out = personalise(page, _rules(tmp_path), FACTS, {}, disclosure=ON)
    assert out.html.count('class="omo-i"') == 1
    assert '<div data-omo-slot=x data-omo-rule="r">New<details' in out.html
    assert "omo-why-page" not in out.html


def _with_note(page: str, k: int) -> tuple[str, str] | None:
    """The page with target ``k`` rewritten and a note where :func:`placement` puts it, and
    the page as lexbor builds it with that target rewritten alone; None: no note goes there."""
    scan = scan_page(page)
    t = scan.targets[k]
    inside, level = placement(t.tag, t.note_in, t.note_after, True)
    if level == NOTE_NONE:
        return None
    note = NOTE if level == NOTE_FULL else BARE
    assert level in (NOTE_FULL, NOTE_BARE)
    text = None if t.tag in TABLE_PARTS else "@@"  # (text in a table moves out of it)
    edit = Edit(t, (text or "") + note if inside else text, {"data-omo-rule": "r"})
    out, applied = apply_edits(page, [edit if inside else Edit(t, text, edit.attrs, note)])
    assert applied
    tree = LexborHTMLParser(page)
    node = tree.css_first(f'[data-omo-slot="{t.name}"]')
    assert node is not None
    if not t.void and text is not None:
        node.inner_html = text
    node.attrs["data-omo-rule"] = "r"
    return out, tree.html or ""


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
@example("<p><span data-omo-slot=s0>x</span> y</p>")
@example("<a><div data-omo-slot=s0>x</div><b>y</b></a>")
@example("<form><div data-omo-slot=s0>x</div><button>b</button></form>")
@example("<table><tr data-omo-slot=s0><td>x</table>")
@example("<table><tr><td><p><div data-omo-slot=s0>x</table>")
@example("<p data-omo-slot=s0>x <svg><circle r=5><hr><p>y</p>")  # html70: the note in the svg
@example("<ul><li data-omo-slot=s0>x <svg><path><li>y</ul>")
@example("<p data-omo-slot=s0>x <math><mi>y</mi><div>z</div>")
@example("<dl><dt>a<dd data-omo-slot=s0>b <svg><g><dt>c<dd>d</dl>")
@example("<p data-omo-slot=s0>x <svg><g></p><p>y</p>")
def test_wherever_the_scanner_allows_a_note_the_page_around_it_stays_as_it_was(doc: str) -> None:
    scan = scan_page(doc)
    for k, target in enumerate(scan.targets):
        if target.unsure or target.name is None or target.tag in ("template", "html"):
            continue
        if target.tag in ("script", "style", "textarea", "title", "xmp", "iframe", "noembed"):
            continue  # raw text: a note inside is text (and never placed: not FLOW)
        made = _with_note(doc, k)
        if made is None:
            continue
        out, want = made
        got, notes = _without_notes(out)
        assert got == want, f"{target.name} <{target.tag}> in {doc!r}:\n{out}"
        assert len(notes) == 1 and notes[0] == _alone(notes[0]), f"{doc!r}: {out}"


# P1-4: content whose parser state outlives it (the form element pointer) makes its slot unsure
UNSURE = [
    "<div data-omo-slot=x><form action=/a></div><form action=/b><input name=q></form>",
    "<div data-omo-slot=x><form action=/a></div><p>b</p><form action=/c></form>",
    "<div data-omo-slot=x><table><form action=/a></table></div><form action=/b></form>",
    "<form action=/a><div data-omo-slot=x></form></div><input name=q>",
    "<div><form action=/a></div><div data-omo-slot=x></form></div><form action=/b></form>",
]
SURE = [
    "<div data-omo-slot=x><form action=/a><input name=q></form></div><form action=/b></form>",
    "<form action=/a><div data-omo-slot=x>a</div></form><form action=/b></form>",
    "<form data-omo-slot=x action=/a><input name=q></form><form action=/b></form>",
    "<div><form data-omo-slot=x action=/a>a</div><form action=/b></form>",
]


@pytest.mark.parametrize("body", UNSURE)
def test_a_slot_whose_content_changes_the_form_pointer_is_left_alone(
    tmp_path: Path, body: str
) -> None:
    page = f"<!doctype html>{body}"
    t = scan_page(page).targets[0]  # what the audit saw: its bytes rewritten, the page differs
    naive = LexborHTMLParser(page[: t.open_end] + NEW + page[t.close_start :]).html
    assert naive != _expected(page, NEW).replace(' data-omo-rule="r"', "")
    out = personalise(page, _rules(tmp_path), FACTS, {})
    assert out.html == page and out.applied == []
    assert any("form" in s for s in out.skipped), out.skipped


@pytest.mark.parametrize("body", SURE)
def test_a_slot_with_a_whole_form_inside_or_around_it_is_rewritten(
    tmp_path: Path, body: str
) -> None:
    page = f"<!doctype html>{body}"
    out = personalise(page, _rules(tmp_path), FACTS, {})
    assert [d.id for d in out.applied] == ["r"]
    assert LexborHTMLParser(out.html).html == _expected(page, NEW)
