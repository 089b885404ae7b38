"""Rewrite only the bytes of the targets: their content, their start tag's attributes, or both.

Nested targets: when an edit replaces a target's content, any edit aimed at a target inside
that content is not applied and is reported as such (:func:`apply_edits` returns which edits
were applied), so it is never counted as shown. An edit that only sets attributes (or adds HTML
after the element) keeps the content, and edits inside it still apply; inside an element an
edit hides (``hidden``), they apply but are not seen (:func:`visible_of`), nor counted as shown;
nor are those the page itself hides (:attr:`Target.hidden`: ``hidden`` on or around the element,
any value, or a ``<template>``).
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from .scanner import Target
from .tokens import open_value

_WS = "\t\n\f\r "
_EATS_NEWLINE = frozenset(("pre", "listing", "textarea"))


@dataclass(frozen=True)
class Edit:
    """What to do to one target: new inner HTML, attributes to set, HTML to add after it."""

    target: Target
    inner: str | None = None
    attrs: Mapping[str, str] = field(default_factory=dict)
    after: str = ""


_new = object.__new__


def new_edit(target: Target, inner: str | None, attrs: Mapping[str, str], after: str = "") -> Edit:
    """``Edit(target, inner, attrs, after)``, its fields filled in directly (as
    ``decide.new_decision``: no keyword arguments' dict; tests/engine/test_quick_builds.py)."""
    new = _new(Edit)
    fields = new.__dict__
    fields["target"], fields["inner"] = target, inner
    fields["attrs"], fields["after"] = attrs, after
    return new


def apply(page: str, edits: Sequence[Edit]) -> str:
    """``page`` with ``edits`` made; every other byte as it was."""
    return apply_edits(page, edits)[0]


def apply_edits(page: str, edits: Sequence[Edit]) -> tuple[str, tuple[int, ...]]:
    """``page`` with ``edits`` made, and the indices (in ``edits``) of those applied.

    An edit is not applied when its target is unsure, lies inside content another edit
    replaces, or is the target of an earlier edit in ``edits``.
    """
    out, applied = splice_edits(page, edits)
    return out, tuple(sorted(applied))


def splice_edits(page: str, edits: Sequence[Edit]) -> tuple[str, list[int]]:
    """:func:`apply_edits`, the indices of the edits applied in page order (as
    :func:`applied_of` gives them)."""
    out: list[str] = []
    pos = 0
    pending: list[tuple[int, str]] = []  # (end of an element, HTML to put after it)
    applied = applied_of(edits)
    for k in applied:
        edit = edits[k]
        t = edit.target
        while pending and pending[-1][0] <= t.start:
            end, after = pending.pop()
            out.append(page[pos:end])
            out.append(after)
            pos = end
        out.append(page[pos : t.start])
        out.append(_start_tag(page, t, edit.attrs) if edit.attrs else page[t.start : t.open_end])
        if edit.inner is not None and not t.void:
            if edit.inner[:1] == "\n" and t.tag in _EATS_NEWLINE:
                out.append("\n")  # the parser drops one newline right after the start tag
            out.append(edit.inner)
            pos = t.close_start
        else:
            pos = t.open_end
        if edit.after:
            if pos == t.close_start or t.void:
                out.append(page[pos : t.end])
                out.append(edit.after)
                pos = t.end
            else:
                pending.append((t.end, edit.after))
    while pending:
        end, after = pending.pop()
        out.append(page[pos:end])
        out.append(after)
        pos = end
    out.append(page[pos:])
    return "".join(out), applied


def applied_of(edits: Sequence[Edit]) -> list[int]:
    """The indices of the ``edits`` :func:`apply_edits` applies, in page order: not those whose
    target is unsure, lies inside content another edit replaces, or is the target of an
    earlier edit in ``edits`` (which ones, whatever their new content)."""
    order = sorted(range(len(edits)), key=_page_order(edits).__getitem__)
    applied: list[int] = []
    replaced_until = last_start = -1
    for k in order:
        edit = edits[k]
        t = edit.target
        if t.unsure or t.close_start < 0 or t.start < replaced_until or t.start <= last_start:
            continue
        last_start = t.start
        if edit.inner is not None and not t.void:
            replaced_until = t.close_start
        applied.append(k)
    return applied


def visible_of(
    edits: Sequence[Edit], applied: Sequence[int], *, in_page_order: bool = False
) -> list[int]:
    """Of the ``applied`` edits (indices in ``edits``: :func:`applied_of`), those a visitor can
    see, in page order: not those inside an element another applied edit hides (sets
    ``hidden`` on: a ``hide`` rule's), nor those the page hides (:attr:`Target.hidden`), whose
    content stays in the page but is never shown. ``in_page_order``: ``applied`` is in page
    order already (as :func:`applied_of` gives it: no two start at one place), not sorted again."""
    visible: list[int] = []
    hidden_until = -1
    for k in applied if in_page_order else sorted(applied, key=_page_order(edits).__getitem__):
        t = edits[k].target
        if t.hidden or t.start < hidden_until:  # (targets nest: one that starts inside ends
            continue  # inside; what is inside one the page hides is hidden too)
        visible.append(k)
        if not t.void:
            for name in edits[k].attrs:  # (a loop: no generator per edit)
                if name.lower() == "hidden":
                    hidden_until = max(hidden_until, t.close_start)
                    break
    return visible


def _page_order(edits: Sequence[Edit]) -> list[tuple[int, int]]:
    """Each edit's place in page order, by index: its target's start, outer ones first."""
    return [(edit.target.start, -edit.target.end) for edit in edits]


_MAX_KEPT_TAG = 512  # longer start tags are rewritten every time, never kept
# No lock (big pages are personalised in a worker thread): each get, set and clear is whole on
# its own, the table is never iterated, and a value is the same whichever thread makes it.
_kept_tags: dict[tuple[str, bool, tuple[tuple[str, str], ...]], str] = {}


def _start_tag(page: str, t: Target, attrs: Mapping[str, str]) -> str:
    """:func:`start_tag`, remembered: a target's attributes follow from its start tag's text,
    and pages show the same few tags with the same few rule ids again and again."""
    tag = page[t.start : t.open_end]
    if len(tag) > _MAX_KEPT_TAG:
        return start_tag(page, t, attrs)
    key = (tag, t.self_closing, tuple(attrs.items()))
    out = _kept_tags.get(key)
    if out is None:
        if len(_kept_tags) >= 2048:
            _kept_tags.clear()
        out = _kept_tags[key] = start_tag(page, t, attrs)
    return out


def start_tag(page: str, t: Target, attrs: Mapping[str, str]) -> str:
    """The target's start tag with ``attrs`` set: replaced in place, else appended.

    Appended attributes go just before ``>`` (before ``/>`` only when the tag really is
    self-closing), so ``<a href=/>`` keeps its ``href`` value ``/``.
    """
    missing = {k.lower(): v for k, v in attrs.items()}
    pieces: list[str] = []
    pos = t.start
    for a in t.attrs:
        if a.name in missing:
            pieces.append(page[pos : a.start])
            pieces.append(_attr(a.name, missing.pop(a.name)))
            pos = a.end
    if missing:
        at = t.open_end - 2 if t.self_closing else t.open_end - 1
        pieces.append(page[pos:at])
        if open_value(page, t.start, t.open_end) >= pos:  # (html66: `alt=>` took our
            pieces.append('"" ')  # attributes as its value; its value stays "" as it was)
        elif page[at - 1] not in _WS:
            pieces.append(" ")
        pieces.append(" ".join(_attr(k, v) for k, v in missing.items()))
        pos = at
    pieces.append(page[pos : t.open_end])
    return "".join(pieces)


@lru_cache(maxsize=2048)  # rule ids and the same few values, page after page
def _attr(name: str, value: str) -> str:
    return f'{name}="{html.escape(value, quote=True)}"'
