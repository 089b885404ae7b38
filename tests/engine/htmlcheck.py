"""Helpers for the HTML scanner tests: compare a target's extent with the element lexbor builds."""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser
from selectolax.lexbor import LexborNode as Node

from omotenashi.engine.html import Edit, Scan, Target, apply_edits

MARK = "<!--@@{}@@-->"
RAW_TEXT = frozenset("script style textarea title xmp iframe noembed noframes".split())


def parse(page: str) -> LexborHTMLParser:
    """lexbor's tree of ``page``, less one bug of lexbor's: it re-opens a formatting element left
    open before a <textarea> or <title> inside it, around its text (``<p><a><p><textarea>x``:
    ``<textarea><a>x</a>``, a second element for an ``<a data-omo-slot>``); the spec and
    Chromium never do in text mode, so the element holds its text only, as here."""
    tree = LexborHTMLParser(page)
    for text_only in tree.css(", ".join(sorted(RAW_TEXT))):
        if _foreign(text_only):  # an <svg> <title> holds elements: no text mode there
            continue
        if any(child.tag != "-text" for child in text_only.iter(include_text=True)):
            text_only.inner_html = text_only.text()
    return tree


def _foreign(node: Node) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.tag in ("svg", "math"):
            return True
        parent = parent.parent
    return False


def dom(page: str) -> str:
    return parse(page).html or ""


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
    tree = parse(page)
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
