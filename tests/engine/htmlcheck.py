"""Helpers for the HTML scanner tests: compare a target's extent with the element lexbor builds."""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser

from omotenashi.engine.html import Edit, Scan, Target, apply_edits

MARK = "<!--@@{}@@-->"
RAW_TEXT = frozenset("script style textarea title xmp iframe noembed noframes".split())


def dom(page: str) -> str:
    return LexborHTMLParser(page).html or ""


def check_target(page: str, scan: Scan, k: int, css: str) -> str:
    """'' when replacing target ``k``'s content (and marking its start tag) changes exactly the
    element lexbor finds with ``css`` and nothing else once parsed; else what differs."""
    target: Target = scan.targets[k]
    raw = target.tag in RAW_TEXT
    marker = f"@@{k}@@" if raw else MARK.format(k)
    out, applied = apply_edits(page, [Edit(target, marker, {"data-probe": str(k)})])
    if not applied:
        return "not applied"
    if (
        out[: target.start] != page[: target.start]
        or out[len(out) - (len(page) - target.end) :] != page[target.end :]
    ):
        return "bytes outside the target changed"
    tree = LexborHTMLParser(page)
    nodes = tree.css(css)
    if len(nodes) != 1:
        return f"lexbor finds {len(nodes)} elements for {css}"
    node = nodes[0]
    if not target.void:
        node.inner_html = marker
    node.attrs["data-probe"] = str(k)
    want = tree.html or ""
    got = dom(out)
    return "" if got == want else f"DOM differs:\n got {got}\nwant {want}"
