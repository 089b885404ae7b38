"""A page's omotenashi meta tags are read as a browser reads the markup: a tag inside a comment,
a script (a search echoed into one), a textarea or a template is not the page's."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser

from omotenashi.engine.journey import Journey
from omotenashi.engine.understand import META_WINDOW, meta_tags, page_tags

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
        ('<meta data-x=1 name=OMOTENASHI:ITEM content=kyoto-autumn />', [("item", "kyoto-autumn")]),
        ('<meta name="omotenashi:topics" content="caf&eacute;">', [("topics", "café")]),
        ('<meta name="omotenashi:topics">', []),  # no content
        ('<meta name="description" content="kyoto">', []),
        ('<metadata name="omotenashi:topics" content="x">', []),  # not a meta tag
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
