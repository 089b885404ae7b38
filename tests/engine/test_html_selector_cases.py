"""Selectors match what a browser matches (lexbor is the oracle): quirks-mode case folding (only
``#id`` and ``.class``), the attribute values HTML compares case-insensitively, elements written
between ``</head>`` and ``<body>`` (they go into the head), and a selector matching ``<html>``
(skipped alone, and said by ``check``)."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser

from omotenashi.engine.html import parse_selector, scan_page
from omotenashi.engine.html.scanner import Target
from omotenashi.loader.findings import LoadWarning
from omotenashi.loader.ruleset import load_ruleset
from omotenashi.loader.snippets import Renderer

_DATA_I = re.compile(r'data-i="?(\d+)')
QUIRKS, STANDARDS = "", "<!doctype html>"


def _ours(doc: str, text: str) -> list[int]:
    found = scan_page(doc, selectors=[parse_selector(text)])
    assert text in found.matches, found.skipped  # not skipped: the match is compared
    return _indexes(doc, found.matches[text])


def _indexes(doc: str, targets: tuple[Target, ...]) -> list[int]:
    found = (_DATA_I.search(doc, t.start, t.open_end) for t in targets)
    return sorted(int(m.group(1)) for m in found if m is not None)


def _lexbor(doc: str, text: str) -> list[int]:
    nodes = LexborHTMLParser(doc).css(text)
    return sorted(int(n.attributes["data-i"] or -1) for n in nodes if "data-i" in n.attributes)


def _agree(doc: str, text: str, want: list[int]) -> None:
    assert _lexbor(doc, text) == want, "the table disagrees with lexbor"
    assert _ours(doc, text) == want


# --- quirks mode folds case for #id and .class only ----------------------------------------------

PROMO = '<div data-i=1 class="Promo" id=Main>A</div><div data-i=2 class="promo" id=main>B</div>'
QUIRKS_CASES = [
    (".promo", [1, 2], [2]),
    ("#main", [1, 2], [2]),
    ("[class=promo]", [2], [2]),  # attribute selectors compare exactly, in quirks mode too
    ("[class=Promo]", [1], [1]),
    ("[id=Main]", [1], [1]),
    ("[class^=Pr]", [1], [1]),
    ("[class~=promo]", [2], [2]),
    ("div:not([class=Promo])", [2], [2]),
    ("div:not(.promo)", [], [1]),
    ("[class=promo i]", [1, 2], [1, 2]),
]


@pytest.mark.parametrize(("text", "quirks", "standards"), QUIRKS_CASES)
def test_quirks_mode_folds_case_for_id_and_class_selectors_only(
    text: str, quirks: list[int], standards: list[int]
) -> None:
    _agree(QUIRKS + PROMO, text, quirks)
    _agree(STANDARDS + PROMO, text, standards)


@pytest.mark.parametrize(
    ("doc", "text", "want"),
    [
        ('<p data-i=1 class="É">x</p><p data-i=2 class="é">y</p>', ".é", [2]),  # ASCII only
        ('<p data-i=1 class="x\x0by">x</p><p data-i=2 class="x\fy">y</p>', ".x", [2]),
        ('<p data-i=1 class="x\xa0y">x</p><p data-i=2 class="x y">y</p>', "[class~=y]", [2]),
    ],
)
def test_case_folds_ascii_and_class_lists_split_on_ascii_whitespace(
    doc: str, text: str, want: list[int]
) -> None:
    _agree(QUIRKS + doc, text, want)
    _agree(STANDARDS + doc, text, want)


# --- the attribute values HTML compares case-insensitively --------------------------------------

FORM = (
    "<input data-i=1 type=TEXT><input data-i=2 type=text><a data-i=3 lang=EN-US rel=NoFollow "
    "dir=RTL target=_Blank href=/>en</a><form data-i=4 method=POST></form><div data-i=5 "
    "data-x=AB title=Hello type=Text></div><link data-i=6 media=PRINT><svg data-i=7 "
    "type=TEXT><a data-i=8 lang=EN type=TEXT></a></svg>"
)
CASELESS = [
    ("input[type=text]", [1, 2]),
    ("[type=text]", [1, 2, 5]),  # HTML elements only: not the svg ones
    ("[type=TEXT]", [1, 2, 5, 7, 8]),  # the svg ones as written
    ("[type^=te]", [1, 2, 5]),
    ("[type=text s]", [2]),  # the s flag: exactly as written
    ("[type=TEXT s]", [1, 7, 8]),
    ("[lang|=en]", [3]),
    ("[lang~=en-us]", [3]),
    ("[rel=nofollow]", [3]),
    ("[dir=rtl]", [3]),
    ("[target=_blank]", [3]),
    ("[method=post]", [4]),
    ("[media=print]", [6]),
    ("[data-x=ab]", []),  # not in HTML's list: compared exactly
    ("[data-x=ab i]", [5]),  # unless the i flag says so
    ("[title=hello]", []),
    ("svg [type=text i]", [8]),
    ("svg [lang=en]", []),
]


@pytest.mark.parametrize(("text", "want"), CASELESS)
@pytest.mark.parametrize("mode", [QUIRKS, STANDARDS], ids=["quirks", "standards"])
def test_html_attribute_values_listed_as_case_insensitive_match_any_case(
    mode: str, text: str, want: list[int]
) -> None:
    _agree(mode + "<body>" + FORM, text, want)


# --- elements between </head> and <body> go into the head ---------------------------------------

AFTER_HEAD = (
    "<html><head><title data-i=1>t</title></head> <script data-i=2 src=/a.js></script>\n"
    "<link data-i=3 rel=x><meta data-i=4 name=y><style data-i=5>p{}</style><template data-i=6>"
    "<p data-i=7>q</p></template><body data-i=8><main data-i=9>m</main>"
)
HEAD_CASES = [
    ("head > script", [2]),
    ("head *", [1, 2, 3, 4, 5, 6]),
    ("html > :nth-child(2)", [8]),  # the body, as the head keeps the elements
    ("html > script", []),
    ("*:not(head) > link", []),
    ("head > :nth-child(3)", [3]),
    ("head > :first-of-type", [1, 2, 3, 4, 5, 6]),
    ("head > meta:nth-of-type(1)", [4]),
    ("body > :first-child", [9]),
]


@pytest.mark.parametrize(("text", "want"), HEAD_CASES)
@pytest.mark.parametrize("mode", [QUIRKS, STANDARDS], ids=["quirks", "standards"])
def test_head_elements_after_the_head_end_are_children_of_the_head(
    mode: str, text: str, want: list[int]
) -> None:
    _agree(mode + AFTER_HEAD, text, want)


def test_a_head_that_grows_after_its_end_tag_is_not_rewritten() -> None:
    doc = "<!doctype html><head data-i=1><title>t</title></head><script src=/a.js></script><p>"
    found = scan_page(doc, selectors=[parse_selector("head")])
    [skip] = found.skipped
    assert skip.name == "head" and "<script> put into <head>" in skip.reason


# --- a selector matching <html> is skipped alone, and check says so ----------------------------


@pytest.mark.parametrize(
    "text", ["*", ":first-child", ":nth-child(1)", ":not(.x)", ":first-of-type", "html", "p, *"]
)
def test_a_selector_matching_html_is_skipped_and_the_others_still_apply(text: str) -> None:
    doc = "<!doctype html><h1 data-i=1 class=t>x</h1><p data-i=2>y</p>"
    found = scan_page(doc, selectors=[parse_selector("h1.t"), parse_selector(text)])
    assert [t.start for t in found.matches["h1.t"]] == [doc.index("<h1")]
    assert [(s.name, s.reason) for s in found.skipped] == [
        (text, "matches the <html> element at offset 0")
    ]


def _load(tmp_path: Path, selector: str) -> list[LoadWarning]:
    (tmp_path / "rules").mkdir()
    (tmp_path / "snippets").mkdir()
    text = f"""
    rules:
      - id: fine
        slot: hero
        text: Hello
        why: Everyone sees this.
      - id: first
        selector: {selector!r}
        attrs: {{data-x: "1"}}
        why: Everyone sees this.
    """
    (tmp_path / "rules" / "site.yaml").write_text(textwrap.dedent(text))
    noted: list[LoadWarning] = []
    loaded = load_ruleset(
        tmp_path / "rules", Renderer(tmp_path / "snippets"), base=tmp_path, warnings=noted
    )
    assert [r.id for r in loaded.selector_rules] == ["first"]  # loaded all the same
    return noted


@pytest.mark.parametrize("selector", ["*", ":first-child", "h1, :not(.x)", ":nth-child(odd)"])
def test_check_says_a_selector_matching_html_is_skipped_on_every_page(
    selector: str, tmp_path: Path
) -> None:
    [noted] = _load(tmp_path, selector)
    assert noted.level == "error" and noted.error.field == "rules[1].selector"
    where = "rules/site.yaml:8: rules[1].selector"
    assert str(noted.error).startswith(f"{where}: the selector {selector!r}")
    assert "skipped on every page" in noted.error.problem and "'body *'" in noted.error.hint


@pytest.mark.parametrize(
    "selector", ["li:first-child", "body *", "[lang=en]", "html > body", "main :not(.x)", "head"]
)
def test_check_says_nothing_of_a_selector_that_may_match_elsewhere(
    selector: str, tmp_path: Path
) -> None:
    assert _load(tmp_path, selector) == []


# --- property: random pages in both modes match as lexbor does ----------------------------------

HEADISH = "script link meta style title base".split()
BODY_TAGS = "div p span a input form li ul svg g section".split()
VALUES = {
    "class": ["Promo", "promo", "a B"],
    "id": ["Main", "main"],
    "type": ["TEXT", "text"],
    "lang": ["EN-US", "en"],
    "rel": ["NoFollow", "nofollow"],
    "data-x": ["AB", "ab"],
}
PROPERTY_SELECTORS = [
    ".promo",
    "#main",
    "[class=promo]",
    "[id=Main]",
    "div:not([class=Promo])",
    "[type=text]",
    "[lang|=en]",
    "[rel=nofollow s]",
    "[data-x=ab]",
    "[data-x=ab i]",
    "[class~=b]",
    "head > script",
    "head *",
    "html > :nth-child(2)",
    "*:not(head) > link",
    "body > :first-child",
    "svg [type=text]",
]


@st.composite
def pages(draw: st.DrawFn) -> str:
    n = 0

    def element(tags: list[str]) -> str:
        nonlocal n
        n += 1
        tag = draw(st.sampled_from(tags))
        attrs = f" data-i={n}"
        for name, values in VALUES.items():
            if draw(st.integers(0, 5)) == 0:
                attrs += f' {name}="{draw(st.sampled_from(values))}"'
        closing = f"x</{tag}>" if tag in ("script", "style", "title") else ""
        return f"<{tag}{attrs}>{closing}"

    out = [draw(st.sampled_from([QUIRKS, STANDARDS])), "<head>"]
    out += [element(HEADISH) for _ in range(draw(st.integers(0, 2)))]
    out.append(draw(st.sampled_from(["</head>", "</head> ", ""])))
    out += [element(HEADISH) for _ in range(draw(st.integers(0, 3)))]
    out.append(draw(st.sampled_from(["<body>", ""])))
    for _ in range(draw(st.integers(1, 15))):
        end = f"</{draw(st.sampled_from(BODY_TAGS))}>"
        out.append(element(BODY_TAGS) if draw(st.booleans()) else end)
    return "".join(out)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pages())
def test_random_pages_match_as_lexbor_does(doc: str) -> None:
    found = scan_page(doc, selectors=[parse_selector(s) for s in PROPERTY_SELECTORS])
    skipped = {s.name for s in found.skipped if s.kind == "selector"}
    for text in PROPERTY_SELECTORS:
        if text not in skipped:
            assert _indexes(doc, found.matches[text]) == _lexbor(doc, text), f"{text} in {doc!r}"
