"""Where the word after "Don't show me this" goes (engine/flash.py ``place``). A choice on a
block with an id sends the browser to ``#omo-done``, so that element must exist: right after
the block where it is seen there; else right after the outermost element around the block that
hides it or would take the word in (a closed <details>, hidden, inert, aria-hidden, a link, a
<p>); else before the page's own </body>; else after the page's last byte (a page may leave out
its </body>). Each case marks the place with "@"; the page is otherwise the bytes it was, and
parses to the same elements."""

from __future__ import annotations

import pytest
from selectolax.lexbor import LexborHTMLParser

from omotenashi.engine.disclosure import Disclosure
from omotenashi.engine.flash import Flash, confirm
from omotenashi.engine.profile import Profile
from omotenashi.engine.restraint import Prefs, Restraint
from omotenashi.engine.ruleset import CompiledRule, RuleSet
from omotenashi.rules.model import Rule
from omotenashi.settings import RespectSettings

NOW = 1_000_000.0
RULE = CompiledRule(
    Rule(id="seen-hero", slot="hero", text="x", why="You were here."), "f", 1, 0, [], None
)
OFF = Restraint(RespectSettings(), Prefs(off_rules=frozenset({"seen-hero"})), Profile(), NOW, True)
HERO = '<div id="hero" data-omo-slot="hero">H</div>'
DOC = "<!doctype html><html><head><title>t</title></head><body>"
TAIL = "<footer>f</footer></body></html>"
END = "<footer>f</footer>@</body></html>"  # a page's own end: the word goes before </body>

CASES = [  # (the page, "@" where the word goes, none: said nowhere; the block's id; an Undo)
    # a page without a </body> of its own: after the block, else after the last byte
    (f"{DOC}{HERO}@<p>tail", "hero", True),
    (f"<!doctype html><title>t</title>{HERO}@<p>tail</p>", "hero", True),
    (f"{HERO}@<p>a fragment", "hero", True),
    ("<!doctype html><p>tail</p>@", "gone", True),  # no such block: at the page's end
    (f"{DOC}<table><tr><td>{HERO}</td></tr></table>@<p>tail", "hero", True),  # after the table
    (f"{DOC}<p>x</p></html><!-- c -->@", "gone", True),  # after </html>: still the body
    (f"{DOC}<p>x</p></body><p>after</p></html>@", "gone", True),  # a </body> not the end
    (f"{DOC}<form action=/s><p>x@", "gone", False),  # a form left open: no Undo form in it
    (f"{DOC}<p>x<textarea>draft", "gone", True),  # it would be the textarea's text
    (f"{DOC}<p>x<a href=/>link", "gone", True),  # inside a link
    (f"{DOC}{HERO}@<p>x<a href=/>link</body></html>", "hero", True),  # (not open there yet)
    (f"{DOC}{HERO}@<button>more</body></html>", "hero", True),
    (f"{DOC}{HERO}<button>more</body></html>", "", True),  # no id: nowhere (the end is in it)
    (f"{DOC}<p>x<div hidden>y", "gone", True),  # never seen
    (f"{DOC}<p>x<details><summary>s</summary>y", "gone", True),
    (f"{DOC}<p>x<script>var a", "gone", True),
    (f"{DOC}<p>x</p><!-- a comment left open", "gone", True),
    (f"{DOC}{HERO}<p>tail", "", True),  # no id: the visitor is at the top; kept for later
    # where the block is not seen, or the word would be taken in: after what does that
    (f"{DOC}<details><summary>More</summary>{HERO}</details>@{END}", "hero", True),
    (
        f'{DOC}<details><summary id="hero" data-omo-slot="hero">H</summary>x</details>@{END}',
        "hero",
        True,
    ),  # fmt: skip
    (f"{DOC}<details open><summary>More</summary>{HERO}</details>@{TAIL}", "hero", True),
    (f"{DOC}<dialog>{HERO}</dialog>@{END}", "hero", True),
    # in a table (a cell ignores the </body> that checks a place): after the table
    (
        f"{DOC}<table><tr><td><details><summary>S</summary>{HERO}</details></td></tr></table>@{TAIL}",
        "hero",
        True,
    ),  # fmt: skip
    (f"{DOC}<table><caption>{HERO}</caption></table>@{TAIL}", "hero", True),
    (f"{DOC}<div><table><tr><td><table><tr><td>{HERO}</table></table>@</div>{TAIL}", "hero", True),
    # a closed popover (hunt46 P1) and a disabled fieldset (its Undo button disabled): after
    (f"{DOC}<div popover>{HERO}</div>@<p>tail</p></body></html>", "hero", True),
    (f"{DOC}<div popover=manual><p>{HERO}</p></div>@<p>tail</p></body></html>", "hero", True),
    (f"{DOC}<p>x</p><div popover>y", "gone", True),  # left open to the last byte: nowhere
    (f"{DOC}<fieldset disabled>{HERO}</fieldset>@{END}", "hero", True),
    (f"{DOC}<details><summary>S</summary><dialog>{HERO}</dialog></details>@{END}", "hero", True),
    (f"{DOC}<div hidden><div>x<section>{HERO}</section></div></div>@{END}", "hero", True),
    (f'{DOC}<div aria-hidden="TRUE">{HERO}</div>@{END}', "hero", True),
    (f"{DOC}<section inert>{HERO}</section>@{END}", "hero", True),
    (f"{DOC}<div hidden><details><summary>s</summary>{HERO}</details></div>@{END}", "hero", True),
    (f'{DOC}<p>Hi <span id="hero" data-omo-slot="hero">H</span> there</p>@{END}', "hero", True),
    (f"{DOC}<a href=/x><div>{HERO}</div></a>@{END}", "hero", True),
    (f"{DOC}<h1>Hi <span id=hero data-omo-slot=hero>H</span>!</h1>@{END}", "hero", True),
    (
        f"{DOC}<label>Hi <b><span id=hero data-omo-slot=hero>H</span></b></label>@{END}",
        "hero",
        True,
    ),
    (f'{DOC}<form action="/s"><div hidden>{HERO}</div>@<input name=q></form>{END}', "hero", False),
    (f'{DOC}<p id="hero">the first</p>{HERO}@{END}', "hero", True),  # (#omo-done is the target)
    (
        f'{DOC}<div hidden>x</div><div hidden id="hero" data-omo-slot="hero">H</div>@{END}',
        "hero",
        True,
    ),  # fmt: skip
    # not safely after it: before </body>, as before
    (f'{DOC}<ul><li hidden id="hero" data-omo-slot="hero">H<li>two</ul>{END}', "hero", True),
    (f"{DOC}<p hidden><span id=hero data-omo-slot=hero>H</span><div>next</div>{END}", "hero", True),
    (f"{DOC}<div hidden>{HERO}<footer>f</footer></body></html>", "hero", True),  # to the end
]


def _dom(text: str) -> str:
    tree = LexborHTMLParser(text)
    for node in tree.css("#omo-done"):
        node.decompose()
    return tree.html or ""


@pytest.mark.parametrize(("marked", "anchor", "undo"), CASES)
def test_the_word_goes_where_it_is_seen_and_only_bytes_are_inserted(
    marked: str, anchor: str, undo: bool
) -> None:
    page = marked.replace("@", "")
    flash = Flash("seen-hero", NOW, anchor=anchor)
    got, said = confirm(
        page, flash, RuleSet(rules=[RULE]), OFF, NOW, Disclosure(True), "data-omo-slot"
    )
    assert said == ("@" in marked)
    if not said:
        assert got == page
        return
    at = marked.index("@")
    start = got.index('<div class="omo-done"')
    assert start == at and got[:at] == page[:at]
    word_end = len(got) - len(page) + at
    assert got[word_end:] == page[at:]  # the page's bytes, the word inserted between
    assert ('class="omo-undo"' in got[at:word_end]) is undo
    assert _dom(got) == _dom(page)  # nothing of the page's closed, moved or re-parented
