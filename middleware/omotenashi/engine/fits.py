"""Which rules can change a target of the page: none that puts content (text, a snippet,
recommendations) into an element that takes none, and no text into table parts only, whose
text a browser moves out of the table (engine/personalise.py asks, before restraint counts)."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Set as AbstractSet
from typing import cast

from omotenashi.engine.html import Scan, Target
from omotenashi.engine.html.fragment import TABLE_SLOTS
from omotenashi.engine.html.rawtext import RAW
from omotenashi.engine.ruleset import SELECTED, CompiledRule

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
    void: AbstractSet[str], tables: AbstractSet[str], allowed: Callable[[CompiledRule], bool]
) -> Callable[[CompiledRule], bool]:
    """``allowed``, for rules that can change their target here: not a text, snippet or
    recommendation rule whose target is only elements that take none (``void``: each
    :func:`holds_none`), nor a text rule whose target is only table parts (``tables``); asked
    before ``allowed``, which may count what it lets through."""
    if not (void or tables):
        return allowed

    def fitting(rule: CompiledRule) -> bool:
        target = rule.target
        if (target in void or (rule.rule.text is not None and target in tables)) and rule.fills:
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


Targets = tuple[
    dict[str, list[Target]], frozenset[str], frozenset[str], frozenset[str], frozenset[str]
]


def targets_of(found: Scan) -> Targets:
    """The page's targets by name (slots, then the selectors that match), and which names are
    all void, all table parts, or have an element that holds none; the selectors that match.
    Worked out once per scan (scans are shared as the pages they fit: html/cache.py), and
    only read after."""
    kept = found.kept.get("targets")  # (two threads at once: the same made twice)
    if kept is None:
        kept = found.kept["targets"] = _gather(found)
    return cast("Targets", kept)


def _gather(found: Scan) -> Targets:
    by_name: dict[str, list[Target]] = {}
    # targets that are all void (<img>, <input> ...): a rule that fills content cannot win them,
    # so a lower rule that sets attributes there still can; nor can a text rule win table parts
    # (<tr>, <tbody> ...), whose text a browser moves out of the table (both worked out as the
    # targets are gathered: a name leaves a set at its first target that is not such)
    void: set[str] = set()
    tables: set[str] = set()
    voided: set[str] = set()  # targets some element of which holds none (few: looked into)
    for slot in found.slots:
        if not slot.opt_out and (name := slot.name) is not None:
            if name in by_name:
                by_name[name].append(slot)
                if not holds_none(slot):
                    void.discard(name)
                else:
                    voided.add(name)
                if slot.tag not in TABLE_SLOTS:
                    tables.discard(name)
            else:
                by_name[name] = [slot]
                if holds_none(slot):
                    void.add(name)
                    voided.add(name)
                if slot.tag in TABLE_SLOTS:
                    tables.add(name)
    for selector, matched in found.matches.items():
        here = [t for t in matched if not t.opt_out]
        if here:  # (named apart from any slot, "footer" too: SELECTED)
            by_name[text := SELECTED + selector] = here
            voided.add(text)  # (a selector's targets: looked into, as ever)
            void.discard(text)
            tables.discard(text)
            if all(holds_none(t) for t in here):
                void.add(text)
            elif all(t.tag in TABLE_SLOTS for t in here):
                tables.add(text)
    return by_name, frozenset(void), frozenset(tables), frozenset(voided), frozenset(found.matches)
