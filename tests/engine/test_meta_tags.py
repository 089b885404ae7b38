"""A page's omotenashi meta tags are read as a browser reads the markup: a tag inside a comment,
a script (a search echoed into one), a textarea or a template is not the page's."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser

from omotenashi.engine.html import tokens
from omotenashi.engine.journey import Journey
from omotenashi.engine.understand import META_WINDOW, meta_tags, page_meta, page_tags

TOPICS = '<meta name="omotenashi:topics" content="kyoto, japan">'
ITEM = "<meta name='omotenashi:item' content='kyoto-autumn'>"


@pytest.mark.parametrize(
    ("page", "found"),
    [
        (f"<head>{TOPICS}{ITEM}</head>", [("topics", "kyoto, japan"), ("item", "kyoto-autumn")]),
        (f"<script>var q = '{TOPICS}';</script>", []),
        (f"<SCRIPT type=module>x = `{ITEM}`</SCRIPT >{TOPICS}", [("topics", "kyoto, japan")]),
        (
            f"<script>a('<!--<script>')</script>{ITEM}</script>{TOPICS}",
            [("topics", "kyoto, japan")],
        ),
        (f"<!-- {TOPICS} -->{ITEM}", [("item", "kyoto-autumn")]),
        (f"<textarea name=q>{TOPICS}</textarea>", []),
        (f"<title>{ITEM}</title><style>{TOPICS}</style>", []),
        (f"<template>{TOPICS}</template>{ITEM}", [("item", "kyoto-autumn")]),
        (f"<noscript>{TOPICS}</noscript>", []),
        (f"<script>never closed {TOPICS}", []),
        (f"<!-- never closed {TOPICS}", []),
        (f"<plaintext>{TOPICS}", []),
        (f"<scripts>{TOPICS}</scripts>", [("topics", "kyoto, japan")]),  # not a script
        ("x" * META_WINDOW + TOPICS, []),  # past the first 32 KiB
        # written as pages write them: any order, other attributes, any quoting, references
        ('<meta content="kyoto" name="omotenashi:topics">', [("topics", "kyoto")]),
        ("<meta data-x=1 name=OMOTENASHI:ITEM content=kyoto-autumn />", [("item", "kyoto-autumn")]),
        ('<meta name="omotenashi:topics" content="caf&eacute;">', [("topics", "café")]),
        ('<meta name="omotenashi:topics">', []),  # no content
        ('<meta name="description" content="kyoto">', []),
        ('<metadata name="omotenashi:topics" content="x">', []),  # not a meta tag
        # a quoted value may hold < and >: the tag ends where a browser ends it
        ('<meta name="omotenashi:topics" content="a>b">', [("topics", "a>b")]),
        ('<meta content="<script>">' + TOPICS, [("topics", "kyoto, japan")]),
        ('<meta name="description" content="q><meta name=omotenashi:topics content=evil>">', []),
        ("<meta name=omotenashi:topics content=x " + TOPICS, [("topics", "x")]),  # one tag
        ("<!doctype html><meta name=omotenashi:topics content=x", []),  # to the end: dropped
        # in another tag's quoted value: text of an attribute, not a tag
        (f'<div title="{TOPICS}">{ITEM}', [("item", "kyoto-autumn")]),
        (f"<img alt='{TOPICS}'></p class='{ITEM}'>", []),
        (f"<div title='x' {TOPICS}", []),  # a tag that runs to the end: nothing after it
        (f'<div title="<script><!--">{TOPICS}', [("topics", "kyoto, japan")]),  # not a script
    ],
    ids=lambda v: v[:40] if isinstance(v, str) else None,
)
def test_meta_tags_are_read_where_a_browser_reads_markup(
    page: str, found: list[tuple[str, str]]
) -> None:
    assert list(meta_tags(page)) == found


def test_a_link_that_plants_tags_in_a_script_teaches_nothing() -> None:
    """The audit's page: the search is echoed into a script with json.dumps."""
    planted = (
        "<meta name='omotenashi:topics' content='evil'><meta name='omotenashi:item' content='x'>"
    )
    page = f'<head><script>var q = "{planted}";</script>{TOPICS}</head><body></body>'
    assert page_tags(page, "/search", Journey()) == (["kyoto", "japan"], [])


PIECES = st.sampled_from(
    [
        TOPICS,
        ITEM,
        "<script>",
        "</script>",
        "<!--",
        "-->",
        "<textarea>",
        "</textarea>",
        "<template>",
        "</template>",
        "<p>text</p>",
        "<style>",
        "</style>",
        "<title>",
        "</title>",
        "<!-->",
        "--!>",
        "<div class=x>",
        '<div title="',
        "<a title='",
        "</p data-x='",
        "'",
        '"',
        "<",
        ">",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECES, max_size=14))
def test_meta_tags_match_a_real_parser(pieces: list[str]) -> None:
    """lexbor (the HTML5 parsing algorithm) as the oracle: the meta elements it builds outside
    template contents are those we read (lexbor parses with scripting off, so a noscript's
    content is markup to it: noscript is in the table above, read as a browser with scripts)."""
    page = "<!doctype html><html><head>" + "".join(pieces)
    tree = LexborHTMLParser(page)
    expected = [
        (node.attributes["name"].split(":", 1)[1], node.attributes["content"] or "")
        for node in tree.css("meta")
        if (node.attributes.get("name") or "").startswith("omotenashi:")
    ]
    assert [(k.lower(), v) for k, v in meta_tags(page)] == expected


def test_attributes_are_read_one_match_each(monkeypatch: pytest.MonkeyPatch) -> None:
    """A run of separators before ``>`` (an echoed search in an unquoted value) is read once:
    a search that tried again at every position of it was quadratic (0.5 s for 32 KiB)."""
    real, starts = tokens.ATTR, []

    class Counting:
        def match(self, page: str, pos: int, end: int) -> re.Match[str] | None:
            starts.append(pos)
            return real.match(page, pos, end)

    monkeypatch.setattr(tokens, "ATTR", Counting())
    page = "<meta" + " " * 20_000 + 'name=a content="b"' + " \n/" * 10_000 + ">"
    assert [(a.name, a.value) for a in tokens.attrs(page, 5, len(page))] == [
        ("name", "a"),
        ("content", "b"),
    ]
    assert len(starts) == 3  # each attribute, then the end: never once per separator
    assert tokens.self_closing(page, 0, len(page))  # it ends "/>"
    assert len(starts) == 3 + 4  # the tag's name read as one, the two attributes, the end


@pytest.mark.parametrize(
    "value",
    [
        "&notx", "&noti", "&notit;", "&ampx", "&copy2", "&amp", "&amp;", "&amp=", "&not;",
        "&not ", "&lt;&gt", "&#65;&#x42", "a\0b", "&foo;", "&AMP", "&ampamp;", "x&copy y",
        "&copy;2", "&notin;",
    ],
)  # fmt: skip
def test_attribute_values_decode_as_a_browser_decodes_them(value: str) -> None:
    """In an attribute, a legacy name followed by a letter or digit is not a reference
    (``&notx`` stays, where text would read "¬x"); NUL becomes U+FFFD. lexbor is the oracle."""
    node = LexborHTMLParser(f'<div title="{value}"></div>').css_first("div")
    assert node is not None
    assert tokens.decode_attr(value) == node.attrs.get("title")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(PIECES, max_size=8), min_size=1, max_size=6))
def test_kept_meta_tags_are_those_of_the_page_given(pages: list[list[str]]) -> None:
    """A page's meta tags are kept for the next page with the same first 32 KiB: never for a
    page of the same length that differs (a changed topic, tag or comment)."""
    for pieces in pages:
        page = "".join(pieces)
        assert page_meta(page) == tuple(meta_tags(page))
        assert page_meta(page) == tuple(meta_tags(page))  # from what was kept


def test_a_same_length_page_with_other_meta_tags_is_read_again() -> None:
    first = '<meta name="omotenashi:topics" content="kyoto">'
    second = '<meta name="omotenashi:topics" content="tokyo">'
    hidden = '<!-- name="omotenashi:topics" content="kyoto" -->'[: len(first)]
    assert page_meta(first) == (("topics", "kyoto"),)
    assert page_meta(second) == (("topics", "tokyo"),)
    assert page_meta(hidden.ljust(len(first))) == ()
    assert page_meta("x" * META_WINDOW + second) == page_meta("x" * META_WINDOW + first) == ()
