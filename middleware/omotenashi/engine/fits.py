"""Which rules can change a target of the page: none that puts content (text, a snippet,
recommendations) into an element that takes none, and no text into table parts only, whose
text a browser moves out of the table (engine/personalise.py asks, before restraint counts)."""

from __future__ import annotations

from collections.abc import Callable

from omotenashi.engine.html import Target
from omotenashi.engine.html.rawtext import RAW
from omotenashi.engine.ruleset import CompiledRule

# not <noscript>: a browser with scripts reads it as raw text but never shows it, and one
# without reads it as HTML, where text and snippets show as anywhere (eye51)
RAW_TEXT = RAW - {"noscript"}


def holds_none(target: Target) -> bool:
    """A target no text or snippet can go into: a void element (``<img>``, ``<input>`` ...),
    or one whose content a browser reads as raw text (``<script>``, ``<style>``, ``<xmp>``,
    ``<iframe>`` ...), where escaped text shows its escapes (``a &amp; b``) and a snippet's
    markup shows as written, or changes the code there (html51)."""
    return target.void or target.tag in RAW_TEXT


def fits(
    void: set[str], tables: set[str], allowed: Callable[[CompiledRule], bool]
) -> Callable[[CompiledRule], bool]:
    """``allowed``, for rules that can change their target here: not a text, snippet or
    recommendation rule whose target is only elements that take none (``void``: each
    :func:`holds_none`), nor a text rule whose target is only table parts (``tables``); asked
    before ``allowed``, which may count what it lets through."""
    if not (void or tables):
        return allowed

    def fitting(rule: CompiledRule) -> bool:
        r = rule.rule
        target = r.slot or r.selector
        if (target in void or (r.text is not None and target in tables)) and rule.fills:
            return False  # (the sets first: most targets are in neither)
        return allowed(rule)

    return fitting


def a_tag(tag: str) -> str:
    """``<tag>`` with its article, as it is read out: "an <iframe>", "a <br>"."""
    return f"{'an' if tag[:1] in ('a', 'e', 'i', 'o', 'u') else 'a'} <{tag}>"


def holds_none_said(rule_id: str, tag: str) -> str:
    """Why a rule's content is left out of a target that :func:`holds_none`."""
    why = "whose content a browser reads as raw text" if tag in RAW_TEXT else "which holds"
    return f"rule {rule_id!r}: its target is {a_tag(tag)}, {why} no content (use attrs: for it)"
