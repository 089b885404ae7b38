"""A ``<meta>`` charset is found where Chromium and Firefox find it: in the first 1024 bytes as
their HTML tokenizer reads them (not in a script, a style, a title), and after them while the
head goes on (after a long comment, script, style or title). A page whose charset is not sure
from the first 64 KiB, or which the two would read differently, is refused (sent as the app
made it); ``charset=utf-8`` never goes on a page whose ``<meta>`` names another charset."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omotenashi.engine import EngineConfig, Journey, Profile, Visit, personalise_response
from omotenashi.engine.charset import (
    SCAN_BYTES,
    declared_nowhere,
    encoding_for,
    page_codec,
    prescan,
)
from omotenashi.engine.labels import ENCODINGS
from omotenashi.engine.ruleset import RuleSet
from omotenashi.errors import PageRefused
from omotenashi.loader.ruleset import load_ruleset
from omotenashi.loader.snippets import Renderer
from omotenashi.settings import RespectSettings

from .meta_pages import KOI8, LONG, PAGES, PRAGMA, REFUSED, MetaPage

CONFIG = EngineConfig(respect=RespectSettings(disclosure=False, page_panel=False))
HERO = b"<h1 data-omo-slot=hero>Welcome</h1>"


def _outcome(declared: str | None, data: bytes) -> tuple[str, bool]:
    try:
        codec = page_codec(declared, data)
    except PageRefused as refused:
        codec = f"refused: {refused.reason}"
    return codec, declared_nowhere(declared, data)


@pytest.mark.parametrize("meta_page", PAGES, ids=[p.id for p in PAGES])
def test_the_meta_charset_is_the_one_chromium_reads_or_the_page_is_refused(
    meta_page: MetaPage,
) -> None:
    if meta_page.ours == REFUSED:
        with pytest.raises(PageRefused):
            prescan(meta_page.body)
        assert declared_nowhere(None, meta_page.body) is False  # never claimed to be UTF-8
        return
    assert prescan(meta_page.body) == meta_page.ours
    assert meta_page.ours == meta_page.chromium  # where we answer, it is Chromium's answer
    assert declared_nowhere(None, meta_page.body) is (meta_page.ours is None)
    assert page_codec(None, meta_page.body) == ENCODINGS[meta_page.ours or "utf-8"][0]


@pytest.mark.parametrize("meta_page", PAGES, ids=[p.id for p in PAGES])
def test_a_header_charset_decides_without_a_look_at_the_meta(meta_page: MetaPage) -> None:
    assert page_codec("utf-8", meta_page.body) == "utf-8"
    assert page_codec("latin1", meta_page.body) == "whatwg-windows-1252"
    assert declared_nowhere("utf-8", meta_page.body) is False


def _ruleset(root: Path, text: str) -> RuleSet:
    (root / "rules").mkdir()
    (root / "snippets").mkdir()
    rule = f"rules:\n  - {{id: hero, slot: hero, text: {text!r}, why: Always.}}\n"
    (root / "rules" / "site.yaml").write_text(textwrap.dedent(rule), encoding="utf-8")
    return load_ruleset(root / "rules", Renderer(root / "snippets"), base=root)


def _personalise(body: bytes, ruleset: RuleSet) -> tuple[bytes, bytes]:
    visit = Visit(visitor_id="v1", profile=Profile(), now=1_700_000_000.0)
    headers = [(b"content-type", b"text/html")]
    result = personalise_response(body, headers, visit, ruleset, Journey(), CONFIG)
    assert [d.id for d in result.shown] == ["hero"]
    return result.body, dict(result.headers)[b"content-type"]


def _page(head: bytes) -> bytes:
    return b"<!doctype html><html><head>" + head + b"</head><body>" + HERO + b"</body></html>"


@pytest.mark.parametrize(
    "head",
    [
        b"<!-- " + LONG + b' --><meta charset="iso-8859-2">',  # the audit's page
        b"<script>var a='" + LONG + b"'</script><meta charset=iso-8859-2>",
        b"<title>" + LONG + b"</title>" + PRAGMA.replace(b"koi8-r", b"latin2"),
        # not UTF-8 before it (refused before): Chromium decodes those bytes by the meta too
        "<title>Łódź</title><!--".encode("iso8859-2") + LONG + b"--><meta charset=latin2>",
    ],
    ids=["comment", "script", "title", "non-ascii-before"],
)
def test_a_page_with_a_late_meta_is_written_in_its_charset_and_keeps_its_header(
    tmp_path: Path, head: bytes
) -> None:
    body = _page(head)
    out, content_type = _personalise(body, _ruleset(tmp_path, "Witaj z powrotem, Łódź"))
    assert content_type == b"text/html"  # no charset=utf-8 over the page's own
    assert (
        '<h1 data-omo-slot=hero data-omo-rule="hero">Witaj z powrotem, Łódź</h1>'.encode(
            "iso8859-2"
        )
        in out
    )
    start = out.index(b"<h1")
    end = out.index(b"</h1>", start) + 5
    assert out[:start] + HERO + out[end:] == body  # every other byte as it came


def test_a_koi8_page_whose_meta_follows_a_long_script_gets_koi8_text(tmp_path: Path) -> None:
    body = _page(b"<script>var a='" + LONG + b"'</script>" + KOI8)
    out, content_type = _personalise(body, _ruleset(tmp_path, "Добро пожаловать"))
    assert content_type == b"text/html"
    assert "Добро пожаловать".encode("koi8_r") in out


@pytest.mark.parametrize(
    "body",
    [
        _page(b"<!--" + b"x" * 100_000 + b"-->" + KOI8),  # Chromium honours it: past our look
        _page(b"hello<!--" + LONG + b"-->" + KOI8),  # Firefox would not, Chromium would
        b"<!doctype html><head></head><body>" + HERO + b"<!--" + LONG + b"-->" + KOI8,
    ],
    ids=["past-the-bound", "browsers-differ", "ignored-meta-names-koi8"],
)
def test_a_page_whose_charset_is_not_sure_goes_out_as_it_came(tmp_path: Path, body: bytes) -> None:
    visit = Visit(visitor_id="v1", profile=Profile(), now=1_700_000_000.0)
    headers = [(b"content-type", b"text/html")]
    with pytest.raises(PageRefused):  # the adapter sends the app's own response
        personalise_response(body, headers, visit, _ruleset(tmp_path, "Hi"), Journey(), CONFIG)


def test_a_meta_no_browser_honours_past_the_bound_is_not_looked_for(tmp_path: Path) -> None:
    # in the body, 100 KB down: Chromium and Firefox ignore it, and we do not look that far
    body = b"<!doctype html><body>" + HERO + b"<p>" + b"x" * 100_000 + b"</p>" + KOI8
    out, content_type = _personalise(body, _ruleset(tmp_path, "Grüß dich"))
    assert content_type == b"text/html"  # declared nowhere: the browser's guess stays (html64)
    assert b"Gr&#252;&#223; dich" in out  # and what is inserted reads alike in any


FRAGMENTS = [
    *(b"<!--", b"-->", b"--!>", b"<!-->", b"<script>", b"</script>", b"<!--<script>"),
    *(b"<style>", b"</style>", b"<title>", b"</title>", b"<noscript>", b"</noscript>"),
    *(b"<textarea>", b"<plaintext>", b"<select>", b"<template>", b"<svg>", b"<![CDATA["),
    *(b"<div>", b"<head>", b"</head>", b"<link rel=x>", b"<object>", b"</foo>", b"</>"),
    *(KOI8, PRAGMA, b"<meta charset=utf-8>", b"<meta ", b"charset=big5", b"&#45;"),
    *(b"'", b'"', b"=", b">", b"<", b"</", b" ", b"\n", b"x", b"hello"),
]
PIECES = st.lists(st.sampled_from(FRAGMENTS), max_size=12).map(b"".join)


@settings(max_examples=150, deadline=None)
@given(
    early=PIECES,
    filler=st.sampled_from([b"x", b" ", b"-"]),
    short_of_bound=st.integers(0, 120),
    near=PIECES,
    tail=st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=12).map(b"".join),
    other=st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=12).map(b"".join),
    declared=st.sampled_from([None, "klingon"]),
)
def test_the_answer_never_depends_on_bytes_past_the_bound(
    early: bytes,
    filler: bytes,
    short_of_bound: int,
    near: bytes,
    tail: bytes,
    other: bytes,
    declared: str | None,
) -> None:
    prefix = early + filler * (SCAN_BYTES - len(early) - short_of_bound) + near
    prefix += b"x" * max(0, SCAN_BYTES - len(prefix))
    one = prefix + tail
    two = one[:SCAN_BYTES] + other
    assert _outcome(declared, one) == _outcome(declared, two)


def test_labels_still_map_as_the_encoding_standard_maps_them() -> None:
    assert encoding_for(" Latin2 ") == "iso-8859-2"  # (the table moved to engine/labels.py)
