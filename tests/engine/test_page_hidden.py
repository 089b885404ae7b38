"""A block the page itself hides is in the page but not seen (issue 15's follow-up): a target
with ``hidden`` (any value, any case, "until-found" too) on it or on an element open around
it, or a ``<template>`` (whose content is no target at all), gets its block as today, byte
for byte, but the block is not counted as shown: not among the blocks applied, so not in the
response's rule list, the record of what was shown (caps, freshness, the preferences page),
the exposures or the why panel; it spends none of the page's budget, and carries no "i"."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from selectolax.lexbor import LexborNode

from omotenashi import Omotenashi, Settings
from omotenashi.engine.disclosure import Disclosure
from omotenashi.engine.facts import Device, Facts
from omotenashi.engine.html import parse_selector, scan_page
from omotenashi.engine.personalise import personalise
from omotenashi.engine.ruleset import RuleSet
from omotenashi.loader.ruleset import load_ruleset
from omotenashi.loader.snippets import Renderer

from ..conftest import client_for, page_app
from .htmlcheck import parse
from .test_html_linear import page as repeated
from .test_html_linear import work

FACTS = Facts(
    device=Device("desktop", "Chrome", "Linux", False), now=datetime(2026, 12, 1, tzinfo=UTC)
)
SLOT = '<p data-omo-slot="x">-</p>'


@pytest.mark.parametrize(
    ("page", "hidden"),
    [
        (f"<div>{SLOT}</div>", False),
        (f"<div hidden>{SLOT}</div>", True),
        (f"<DIV HIDDEN>{SLOT}</DIV>", True),
        (f'<div hidden="">{SLOT}</div>', True),
        (f'<div hidden="false">{SLOT}</div>', True),  # any value hides
        (f"<div hidden=until-found>{SLOT}</div>", True),  # until find-in-page reveals it
        (f"<div hIdDeN=UNTIL-FOUND>{SLOT}</div>", True),
        (f"<section><div hidden><span>{SLOT}</span></div></section>", True),
        (f'<div class="x"\thidden\n>{SLOT}</div>', True),
        (f'<div a="x"hidden>{SLOT}</div>', True),  # a name right after a quoted value
        (f"<div/hidden>{SLOT}</div>", True),
        (f"<div hidden>{SLOT}", True),  # never closed: to the end
        (f"<div hidden></div>{SLOT}", False),  # closed before it
        (f"<div hidden><p>a</div>{SLOT}", False),
        ('<p data-omo-slot="x" hidden>-</p>', True),  # the slot itself
        ('<p hidden data-omo-slot="x">-</p>', True),
        (f"<img hidden>{SLOT}", False),  # void: nothing inside it
        (f'<input type="hidden">{SLOT}', False),
        (f'<div aria-hidden="true" class="hidden">{SLOT}</div>', False),  # seen (no CSS read)
        (f"<div data-hidden hidden-x=1 class='a hidden b'>{SLOT}</div>", False),
        (f"<div title=hidden>{SLOT}</div>", False),
        (f"</template>{SLOT}", False),  # a stray end tag closes nothing
        (f"<template></template>{SLOT}", False),
        ('<template data-omo-slot="x">-</template>', True),  # its content is inert
        (f"<svg hidden><foreignObject>{SLOT}</foreignObject></svg>", False),  # not HTML's
        (f"<p><b hidden>a<p>{SLOT.replace('p', 'span')}", True),  # the <b> re-opened around
        (f"<body>{SLOT}<body hidden>", True),  # a second <body> gives the body its attribute
        (f"<html hidden><body>{SLOT}", True),
        (f"<p>İ</p><div HIDDEN>{SLOT}</div>", True),  # (a page whose lowering is longer)
        ('<p>İ</p><div><P DATA-OMO-SLOT="x">-</P></div>', False),
        # its own display overrides hidden (Chromium shows it): seen, as ever
        (f'<div hidden style="display:block">{SLOT}</div>', False),
        (f"<div style='DISPLAY: flex' hidden>{SLOT}</div>", False),
        (f'<div hidden style="color:red">{SLOT}</div>', True),
    ],
)
def test_the_scanner_marks_targets_the_page_hides(page: str, hidden: bool) -> None:
    found = scan_page(page)
    assert [(t.name, t.hidden) for t in found.slots] == [("x", hidden)], found
    assert not found.skipped


@pytest.mark.parametrize(
    "page",
    [  # (scan44: the parser moves the target out from under the element that hid it)
        '<b><span hidden><p><i data-omo-slot="x">x</i></b>y',
        '<a><span hidden><div><p data-omo-slot="x">x</p><a>z',
        '<a><option hidden><p><span data-omo-slot="x">x</span><a>',
    ],
)
def test_a_target_moved_out_from_under_what_hid_it_is_unsure(page: str) -> None:
    """Visible in a browser, found hidden where it was made: neither rewritten nor counted
    (it was applied uncounted: more blocks than the budget, no "i", no record)."""
    found = scan_page(page)
    assert found.slots == () and [t.name for t in found.targets] == ["x"], found
    assert "moved away" in found.targets[0].unsure


def test_a_slot_inside_a_template_is_no_target() -> None:
    assert scan_page(f"<template><div hidden>{SLOT}</div></template>").slots == ()


@pytest.mark.parametrize(
    ("page", "hidden"),
    [
        ('<div hidden><p class="c">a</p></div><p class="c">b</p>', [True, False]),
        ('<p class="c" hidden>a</p><p class="c">b</p>', [True, False]),
        ('<p class="c">a</p><div hidden=until-found><p class="c">b</p>', [False, True]),
    ],
)
def test_a_selector_target_the_page_hides_is_marked_too(page: str, hidden: list[bool]) -> None:
    found = scan_page(page, selectors=[parse_selector("p.c")])
    assert [t.hidden for t in found.matches["p.c"]] == hidden


def _rules(tmp_path: Path, text: str) -> RuleSet:
    (tmp_path / "rules").mkdir(exist_ok=True)
    (tmp_path / "snippets").mkdir(exist_ok=True)
    (tmp_path / "rules" / "site.yaml").write_text(textwrap.dedent(text))
    return load_ruleset(tmp_path / "rules", Renderer(tmp_path / "snippets"), base=tmp_path)


RULES = """
rules:
  - {id: inner, slot: x, text: NEW, why: Everyone.}
  - {id: outer, slot: y, text: OUT, why: Everyone.}
  - {id: pick, selector: "p.c", text: PICK, why: Everyone.}
  - {id: tab-a, slot: a, text: A, why: Everyone.}
  - {id: tab-b, slot: b, text: B, why: Everyone.}
  - {id: tab-c, slot: c, text: C, why: Everyone.}
"""
Y = '<p data-omo-slot="y">-</p>'
X_NEW = '<p data-omo-slot="x" data-omo-rule="inner">NEW</p>'
Y_NEW = '<p data-omo-slot="y" data-omo-rule="outer">OUT</p>'
HIDDEN_SAID = "rule 'inner': its target is hidden by the page"


@pytest.mark.parametrize(
    ("page", "applied", "made", "said"),
    [
        (f"<div>{SLOT}</div>{Y}", ["inner", "outer"], f"<div>{X_NEW}</div>{Y_NEW}", False),
        (f"<div hidden>{SLOT}</div>{Y}", ["outer"], f"<div hidden>{X_NEW}</div>{Y_NEW}", True),
        (
            f"<div hidden=until-found>{SLOT}</div>{Y}",
            ["outer"],
            f"<div hidden=until-found>{X_NEW}</div>{Y_NEW}",
            True,
        ),
        (
            f'<p data-omo-slot="x" hidden>-</p>{Y}',
            ["outer"],
            f'<p data-omo-slot="x" hidden data-omo-rule="inner">NEW</p>{Y_NEW}',
            True,
        ),
        (f"<div hidden>{SLOT}{Y}", [], f"<div hidden>{X_NEW}{Y_NEW}", True),  # never closed
        (
            f"<div hidden>{SLOT}</div><p class=c>-</p>",
            ["pick"],
            f'<div hidden>{X_NEW}</div><p class=c data-omo-rule="pick">PICK</p>',
            True,
        ),
        (
            f'<div hidden><p class="c">-</p></div>{Y}',  # a selector's target
            ["outer"],
            f'<div hidden><p class="c" data-omo-rule="pick">PICK</p></div>{Y_NEW}',
            False,  # (said of pick, not of inner: no slot x here)
        ),
        (
            f"<div hidden><div hidden><span>{SLOT}</span></div></div>{Y}",
            ["outer"],
            f"<div hidden><div hidden><span>{X_NEW}</span></div></div>{Y_NEW}",
            True,
        ),
        (
            f"<template>{SLOT}</template>{Y}",
            ["outer"],
            f"<template>{SLOT}</template>{Y_NEW}",
            False,
        ),
    ],
)
def test_a_block_the_page_hides_is_in_the_page_and_not_shown(
    tmp_path: Path, page: str, applied: list[str], made: str, said: bool
) -> None:
    out = personalise(page, _rules(tmp_path, RULES), FACTS, {})
    assert [d.id for d in out.applied] == applied
    assert out.html == made  # every block put in, as before
    assert any(s.startswith(HIDDEN_SAID) for s in out.skipped) == said, out.skipped


def test_a_slot_the_page_hides_gets_no_note_after_it(tmp_path: Path) -> None:
    """The "i" follows an element it may not go into: after a hidden one it would be seen,
    for a block the panel does not list."""
    page = '<main><ul data-omo-slot="x" hidden><li>-</li></ul><ul data-omo-slot="y">-</ul></main>'
    out = personalise(page, _rules(tmp_path, RULES), FACTS, {}, disclosure=Disclosure(enabled=True))
    assert [d.id for d in out.applied] == ["outer"]
    assert 'data-omo-why="inner"' not in out.html and 'data-omo-why="outer"' in out.html


def test_dont_show_me_this_returns_to_the_target_that_is_seen(tmp_path: Path) -> None:
    """The block's "i" goes on the target a visitor sees, and so does its way back (scan44: it
    returned to the first target's id, one the page hides)."""
    rules = "rules:\n  - {id: rx, slot: x, text: NEW, why: Everyone.}\n"
    page = (
        '<main><div hidden><div id="tab" data-omo-slot="x">-</div></div>'
        '<div id="seen" data-omo-slot="x">-</div></main>'
    )
    shown = Disclosure(enabled=True, csrf="t", path="/p")
    out = personalise(page, _rules(tmp_path, rules), FACTS, {}, disclosure=shown)
    assert [d.id for d in out.applied] == ["rx"]
    assert 'value="/p#seen"' in out.html and "/p#tab" not in out.html


PAGE = (
    "<!doctype html><html><head><title>T</title></head><body><main>"
    '<div class="tab" hidden><p data-omo-slot="x">-</p></div><p data-omo-slot="y">-</p>'
    "</main></body></html>"
)
TAB_ONLY = PAGE.replace('<p data-omo-slot="y">-</p>', "")
TABS = PAGE.replace(  # three more hidden tabs: each left as it was for the one block seen
    '<div class="tab" hidden>',
    "".join(f'<div hidden><p data-omo-slot="{t}">-</p></div>' for t in "abc")
    + '<div class="tab" hidden>',
)
X_KEPT = '<p data-omo-slot="x">-</p>'


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("page", "budget", "rules", "made"),
    [
        (PAGE, 4, ["outer"], [X_NEW, Y_NEW]),
        (PAGE, 1, ["outer"], [X_KEPT, Y_NEW]),  # the budget goes to the block seen
        (TAB_ONLY, 4, [], [X_NEW]),  # nothing seen: the page as made all the same
        (TABS, 1, ["outer"], [X_KEPT, '<p data-omo-slot="c">-</p>', Y_NEW]),  # one more round
    ],
)
async def test_a_block_the_page_hides_is_not_recorded_as_shown(
    make_settings: Callable[..., Settings],
    omotenashi_redis: redis.Redis,
    page: str,
    budget: int,
    rules: list[str],
    made: list[str],
) -> None:
    """Through the middleware and Redis: the response's rule list, the panel and the profile's
    record of what was shown leave out the block inside the page's hidden tab."""
    settings = make_settings(RULES, respect={"page_panel": True, "budget": budget})
    site = Omotenashi(page_app(page), settings=settings)
    async with client_for(site) as client:
        got = await client.get("/")
        await site.drain()
        vid = site.signer.identify(got.headers["set-cookie"].split(";")[0]).vid
        profile = await site.store.load(vid)
    assert got.headers["x-omotenashi-rules"] == (",".join(rules) or "-")
    assert all(block in got.text for block in made), got.text
    assert ('id="omo-why-outer"' in got.text) == bool(rules)
    assert 'id="omo-why-inner"' not in got.text
    assert set(profile.shown) == set(rules) and profile.views == 1


HIDING = {
    "nested-hidden": "<div hidden>",
    "nested-hidden-slots": '<div hidden><span data-omo-slot="h">x',
    "hidden-formatting-reopened": "<b hidden><p>x",
    "hidden-in-templates": "<template><div hidden>",
    "body-hidden-again": "<body hidden>x",
    "hidden-words": "<i class='hidden' aria-hidden=true>hidden</i>",
}


@pytest.mark.parametrize("shape", list(HIDING), ids=list(HIDING))
def test_hidden_elements_cost_linear_work(shape: str) -> None:
    small, big = work(repeated(HIDING[shape], 4_000)), work(repeated(HIDING[shape], 40_000))
    assert big <= 11 * small  # 10x the bytes: at most ~10x the work (never quadratic)


_TAGS = "div p span section b i a li ul table tr td template svg math foreignObject mi img input"
_names = st.sampled_from(_TAGS.split())
_hides = st.sampled_from(["", "", " hidden", " HIDDEN=until-found", ' class="hidden"', "/hidden"])


@st.composite
def _documents(draw: st.DrawFn) -> str:
    out, n = ["<!doctype html><body>"], 0
    for _ in range(draw(st.integers(0, 25))):
        kind = draw(st.integers(0, 3))
        if kind == 0:
            out.append(f'<{draw(_names)} data-omo-slot="s{n}"{draw(_hides)}>')
            n += 1
        elif kind == 1:
            out.append(f"<{draw(_names)}{draw(_hides)}>")
        elif kind == 2:
            out.append(f"</{draw(_names)}>")
        else:
            out.append(draw(st.sampled_from(["x", "<body hidden>", "<!-- hidden -->"])))
    return "".join(out)


def _hidden_in(node: LexborNode) -> bool | None:
    """Whether lexbor's element is hidden: itself or an element around it has ``hidden``, or
    is a <template>; None inside <svg> or <math> (whose own ``hidden`` hides nothing)."""
    at: LexborNode | None = node
    hidden = False
    while at is not None and at.tag != "-document":
        if at.tag in ("svg", "math"):
            return None
        hidden = hidden or "hidden" in at.attributes or at.tag == "template"
        at = at.parent
    return hidden


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_documents())
@example('<!doctype html><body><p><b hidden>x<p><span data-omo-slot="s0">')
@example('<!doctype html><body><p data-omo-slot="s0">x<body hidden>')
@example('<!doctype html><body><table hidden><div data-omo-slot="s0"><p data-omo-slot="s1">')
@example('<!doctype html><body><div hidden><table><tr><div><p data-omo-slot="s0">')
@example('<!doctype html><body><table><div hidden><table><div><p data-omo-slot="s0">')
@example('<!doctype html><body><template data-omo-slot="s0"><body hidden>')
@example('<!doctype html><body><a hidden><table><a><div data-omo-slot="s0">')  # (session 56)
@example('<!doctype html><body><a><table hidden><a><div data-omo-slot="s0">')
@example('<!doctype html><body><table hidden><b><div></p></b><div data-omo-slot="s0">')
def test_hidden_is_what_a_browser_hides(doc: str) -> None:
    """Each sure target is marked as lexbor's tree says (its elements around it)."""
    tree = parse(doc)
    for target in scan_page(doc).slots:
        if target.unsure:
            continue
        (node,) = tree.css(f'[data-omo-slot="{target.name}"]')
        want = _hidden_in(node)
        if want is not None:
            assert target.hidden == want, f"{target.name} in {doc!r}"


HIDDEN_SLOT = '<p data-omo-slot="x">-</p>'


@pytest.mark.parametrize(
    ("style", "hidden"),
    [  # (last45: each checked in Chromium)
        ('hidden style="display:none"', True),  # hidden twice over
        ('hidden="until-found" style="display:block"', True),  # content-visibility, not display
        ('hidden style="--display-mode:grid"', True),  # a custom property
        ('hidden style="background:url(display.png)"', True),  # a word in a URL
        ('hidden style="display: revert"', True),  # back to the browser's own: none
        ('hidden style="display:block"', False),  # the style shows it
        ('hidden style="color:red; DISPLAY: flex !important"', False),
        ('hidden style="display:none; display:grid"', False),  # the last one holds
    ],
)
def test_only_a_display_that_shows_it_undoes_hidden(style: str, hidden: bool) -> None:
    found = scan_page(f"<div {style}>{HIDDEN_SLOT}</div>")
    assert [(t.name, t.hidden) for t in found.slots] == [("x", hidden)]
