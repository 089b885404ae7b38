"""Hand-written ASCII pages with a ``<meta>`` charset in every place that matters, each with the
charset Chromium 156 reads it in (served as ``text/html``; ``None``: it honours no ``<meta>`` and
falls back to windows-1252) and what the scan answers (``REFUSED``: not sure, the page goes out
as the app made it). ``e2e/test_meta_charset_chromium.py`` checks the Chromium column in the
browser; ``test_meta_charset_late.py`` checks ours."""

from __future__ import annotations

from typing import NamedTuple

from omotenashi.engine.charset import SCAN_BYTES

REFUSED = "refused"
KOI8 = b'<meta charset="koi8-r">'
PRAGMA = b'<meta http-equiv="Content-Type" content="text/html; charset=koi8-r">'
LONG = b"x" * 1100  # past the first 1024 bytes


class MetaPage(NamedTuple):
    id: str
    body: bytes
    chromium: str | None  # the WHATWG encoding Chromium reads the page in; None: its fallback
    ours: str | None  # the scan's answer, or REFUSED


def in_head(before: bytes, meta: bytes = KOI8, after: bytes = b"") -> bytes:
    """A page with ``before`` then ``meta`` in its head and plain text in its body."""
    return (
        b"<!doctype html><html><head>" + before + meta + b"<title>T</title></head>"
        b"<body><p>plain</p>" + after + b"</body></html>"
    )


def at(offset: int, before: bytes, meta: bytes = KOI8) -> bytes:
    """``before`` padded with a comment so that ``meta`` starts at byte ``offset``."""
    pad = offset - len(before) - 7
    return before + b"<!--" + b"x" * pad + b"-->" + meta + b"<p>plain</p>"


DIV = b"<!doctype html><div>x</div>"  # the head has ended
PAGES = [
    MetaPage("first-bytes", in_head(b""), "koi8-r", "koi8-r"),
    MetaPage("after-long-comment", in_head(b"<!-- " + LONG + b" -->"), "koi8-r", "koi8-r"),
    MetaPage("pragma-after-comment", in_head(b"<!--" + LONG + b"-->", PRAGMA), "koi8-r", "koi8-r"),
    MetaPage(
        "after-long-script", in_head(b"<script>var a='" + LONG + b"'</script>"), "koi8-r", "koi8-r"
    ),
    MetaPage(
        "after-escaped-script",
        in_head(b"<script><!--<script></script>" + LONG + b"--></script>"),
        "koi8-r",
        "koi8-r",
    ),
    MetaPage("after-long-style", in_head(b"<style>/*" + LONG + b"*/</style>"), "koi8-r", "koi8-r"),
    MetaPage("after-long-title", in_head(b"<title><div>" + LONG + b"</title>"), "koi8-r", "koi8-r"),
    MetaPage(
        "after-links", in_head(b"<link rel=preload href=/a.css as=style>" * 40), "koi8-r", "koi8-r"
    ),
    MetaPage(
        "after-noscript-link",
        in_head(b"<noscript><link rel=stylesheet href=/a.css></noscript><!--" + LONG + b"-->"),
        "koi8-r",
        "koi8-r",
    ),
    MetaPage(
        "x-user-defined-late",
        in_head(b"<!--" + LONG + b"-->", b"<meta charset=x-user-defined>"),
        "windows-1252",
        "windows-1252",
    ),
    MetaPage(
        "utf-16-late",
        in_head(b"<!--" + LONG + b"-->", b"<meta charset=utf-16le>"),
        "utf-8",
        "utf-8",
    ),
    MetaPage(
        "comment-ends-at-bang", in_head(b"<!-- a --!><!--" + LONG + b"-->"), "koi8-r", "koi8-r"
    ),
    MetaPage(
        "at-60-kib-after-script",
        in_head(b"<script>" + b"x" * 60_000 + b"</script>"),
        "koi8-r",
        "koi8-r",
    ),
    # past the bytes looked at, in a head that goes on: Chromium honours it, we cannot see it
    MetaPage(
        "at-100-kib-after-comment", in_head(b"<!--" + b"x" * 100_000 + b"-->"), "koi8-r", REFUSED
    ),
    MetaPage(
        "at-1-mib-after-script",
        in_head(b"<script>" + b"x" * 1_000_000 + b"</script>"),
        "koi8-r",
        REFUSED,
    ),
    MetaPage(
        "no-meta-100-kib-head",
        in_head(b"<script>" + b"x" * 100_000 + b"</script>", b""),
        None,
        REFUSED,
    ),
    # the head has ended: a <meta> that starts in the first 1024 bytes counts, a later one not
    MetaPage("body-starts-at-1023", at(1023, DIV), "koi8-r", "koi8-r"),
    MetaPage("body-starts-at-1024", at(1024, DIV), None, REFUSED),
    MetaPage("text-then-meta-at-1014", b"x" * 1014 + KOI8, "koi8-r", "koi8-r"),
    MetaPage(
        "after-head-end", b"<!doctype html><head></head><!--" + LONG + b"-->" + KOI8, None, REFUSED
    ),
    MetaPage(
        "after-template", in_head(b"<template></template><!--" + LONG + b"-->"), None, REFUSED
    ),
    MetaPage(
        "in-body-at-100-kib", b"<!doctype html><p>" + b"x" * 100_000 + b"</p>" + KOI8, None, None
    ),
    # what a browser's tokenizer hides, in the first 1024 bytes too
    MetaPage("in-script", b"<!doctype html><script>var s='" + KOI8 + b"'</script>", None, None),
    MetaPage("in-style", b"<!doctype html><style>/*" + KOI8 + b"*/</style>", None, None),
    MetaPage("in-title", b"<!doctype html><title>" + KOI8 + b"</title>", None, None),
    MetaPage("in-textarea", b"<!doctype html><textarea>" + KOI8 + b"</textarea>", None, None),
    MetaPage("in-comment", b"<!doctype html><!--" + KOI8 + b"-->", None, None),
    MetaPage("in-attribute", b"<!doctype html><p title='" + KOI8 + b"'>", None, None),
    MetaPage(
        "in-double-escaped-script",
        b"<!doctype html><script><!--<script></script>" + KOI8 + b"</script>",
        None,
        None,
    ),
    MetaPage(
        "after-escaped-script-end",
        b"<!doctype html><script><!--</script>" + KOI8,
        "koi8-r",
        "koi8-r",
    ),
    MetaPage("in-body-early", b"<!doctype html><p>x</p>" + KOI8, "koi8-r", "koi8-r"),
    MetaPage("unfinished", b"<!doctype html><p>x</p><meta charset=koi8-r", None, None),
    MetaPage(
        "pragma-without-http-equiv",
        in_head(b"", b'<meta content="text/html; charset=koi8-r">'),
        None,
        None,
    ),
    # where Firefox's tokenizer or tree builder reads it otherwise: not sure, refused
    MetaPage("text-in-head", in_head(b"hello<!--" + LONG + b"-->"), "koi8-r", REFUSED),
    MetaPage(
        "object-in-head", in_head(b"<object></object><!--" + LONG + b"-->"), "koi8-r", REFUSED
    ),
    MetaPage("basefont-in-head", in_head(b"<basefont><!--" + LONG + b"-->"), None, REFUSED),
    MetaPage("stray-end-tag-in-head", in_head(b"</foo><!--" + LONG + b"-->"), None, REFUSED),
    MetaPage(
        "noscript-div-in-head",
        in_head(b"<noscript><div></noscript><!--" + LONG + b"-->"),
        None,
        REFUSED,
    ),
    MetaPage(
        "in-noscript", b"<!doctype html><noscript>" + KOI8 + b"</noscript>", "koi8-r", REFUSED
    ),
    MetaPage("in-select", b"<!doctype html><select>" + KOI8 + b"</select>", "koi8-r", REFUSED),
    MetaPage(
        "in-template", b"<!doctype html><template>" + KOI8 + b"</template>", "koi8-r", REFUSED
    ),
    MetaPage(
        "in-svg-style", b"<!doctype html><svg><style>" + KOI8 + b"</style></svg>", None, REFUSED
    ),
    MetaPage("character-reference", in_head(b"", b"<meta charset=koi8&#45;r>"), "koi8-r", REFUSED),
    # an svg logo with a <title> near the top, and no charset <meta> at all: nothing to differ on
    MetaPage(
        "svg-logo-no-meta",
        b'<!doctype html><html><head><meta name="viewport" content="width=device-width">'
        b"</head><body><svg><title>Logo</title><path d=M0 /></svg><p>plain</p></body></html>",
        None,
        None,
    ),
    # none for Chromium, UTF-8 for Firefox (a <noscript> pixel before a late <meta>): read as
    # UTF-8, as the page's own <meta> says and a rewritten page's Content-Type then says to both
    MetaPage(
        "noscript-pixel-late-utf8",
        in_head(
            b"<noscript><img src=/p.gif></noscript><!--" + LONG + b"-->", b"<meta charset=utf-8>"
        ),
        None,
        None,
    ),
]
assert SCAN_BYTES < 100_000  # the pages "past the bytes looked at" are past them
