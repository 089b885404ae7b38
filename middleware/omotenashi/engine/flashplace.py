"""Where the word after a choice made from the page goes (engine/flash.py says what): after a
choice on a block with an ``id`` the visitor is taken to the confirmation's own, focused, so it
goes right after the block when it is seen there, else right after the element around the block
that kept it from being seen (a closed ``<details>``, ``hidden``, an inline ``style`` that hides
...), else before the page's own ``</body>`` (where the page panel goes), else after the page's
last byte (a page without a ``</body>``); without an ``id``, before the page's own ``</body>``;
and before the page's own earlier element with that id, where that is safe. A place is an
offset: only bytes are inserted, the page is never re-serialised."""

from __future__ import annotations

import re

from omotenashi.engine.html import Scan, Selector, Target, parse_selector, scan, scan_page
from omotenashi.engine.html.context import (
    FOREIGN,
    FORM,
    IN_MATH,
    IN_SVG,
    NEAR_END,
    REOPENS,
    UNSAFE_END,
    P,
    page_end_at,
)
from omotenashi.engine.html.core import NOTE_FULL, NOTE_NONE
from omotenashi.engine.html.hides import style_hides
from omotenashi.engine.html.tree import NOTELESS_NAMES
from omotenashi.engine.personalise import selectors_of
from omotenashi.engine.ruleset import RuleSet

_BODY_TAG = re.compile(r"</body", re.I)
NOTICE = "omo-done"  # the confirmation's element id: a choice on a block returns to it
# Around these, what is put is not shown, or not heard, or cannot be used
_HIDING = ("[hidden]", "[inert]", "[aria-hidden=true i]", "[popover]", "fieldset[disabled]")
# ... and an element whose inline style hides what is in it (display: none, visibility: hidden
# or collapse, content-visibility: hidden: html/hides.py ``style_hides``), among those whose
# style has the word (escaped keywords are not looked for)
_STYLED = ("[style*=none i]", "[style*=hidden i]", "[style*=collapse i]")
_HIDERS = tuple(parse_selector(s) for s in (*_HIDING, *_STYLED))
# ... and around these, what is put may not be shown (a <details> or <dialog>, even open: the
# scanner cannot tell at </body> whether it is), or would end them early (a <p>), or would be
# moved out of (a <table>: a block in a cell), or is where a block's "i" may never be (a link,
# a button, a heading ...: tree.py's NOTELESS_NAMES): the confirmation goes after the
# outermost around its block
_AROUND = (*_HIDING, *_STYLED, "details", "dialog", "p", "table", *sorted(NOTELESS_NAMES))
_AROUNDERS = tuple(parse_selector(s) for s in _AROUND)
Where = tuple[int, bool]  # (where the confirmation goes, whether its Undo form may go too)
# The page's own element with the confirmation's id (a fragment matches ids case-sensitively)
_THEIRS = parse_selector(f"[id={NOTICE} s]")
# Before an element, ours would end a <p>, leave foreign content, re-open formatting there
_NOT_BEFORE = P | IN_SVG | IN_MATH | FOREIGN | REOPENS
# ... nor before these (the page's own html, head or body: before them it would open the body
# early, moving the head's contents into it: a CSP <meta> there is then ignored)
_HEAD_NAMES = frozenset(
    "base body head html link meta noscript script style template title".split()
)


def place(page: str, ruleset: RuleSet, slot_attribute: str, anchor: str = "") -> Where | None:
    """Where the confirmation goes, and whether its Undo form may go with it (no form of the
    page open there, which ours would join); None where it goes nowhere (the flash is then kept
    for a later page). With ``anchor`` (the dismissed block's id: the visitor is sent to
    ``#omo-done``, which must then exist): right after the block, where it is seen there
    (:func:`_ended`); else right after the outermost element around the block that hides its
    content or takes what follows it in (a closed ``<details>``, ``hidden``, a link, a
    ``<p>``, a heading ...: :data:`_AROUND`), where it is seen there; else before the page's
    own ``</body>`` (as the page panel); else after the page's last byte, which a browser
    reads as the body's content (a page may leave out its ``</body>``), where it is seen
    there. Without ``anchor`` (the visitor is at the top of the page): before the page's own
    ``</body>``. Where the page has an element of its own with the id ``omo-done`` before that
    place (a site's, a stale copy of a confirmation), the browser would take the visitor
    there: the confirmation then goes right before it (:func:`_before_theirs`)."""
    if not anchor and _BODY_TAG.search(page, max(0, len(page) - NEAR_END)) is None:
        return None  # (no end to put it before: no scan)
    selectors, _ = selectors_of(ruleset)  # (those the page was personalised with)
    # a page whose text names omo-done (its own element's id, as written: one written with a
    # character reference is found, and placed before, with a second scan) is scanned once
    # for _AROUND too, which placing before that element needs (and around a block)
    full = bool(anchor) and NOTICE in page
    more = _AROUNDERS if full else _HIDERS
    found = scan(page, slot_attribute=slot_attribute, selectors=[*selectors, *more, _THEIRS])
    where = _place(page, found, selectors, slot_attribute, anchor, full)
    if where is None or not anchor or not found.matches.get(_THEIRS.text):
        return where
    return _before_theirs(page, found, selectors, where, slot_attribute, full)


def _place(
    page: str,
    found: Scan,
    selectors: list[Selector],
    slot_attribute: str,
    anchor: str,
    full: bool,
) -> Where | None:
    """:func:`place`, the page's own ``omo-done`` aside (``found``: its scan for _HIDERS, or
    ``full``, for _AROUNDERS)."""
    block = after_block(found, selectors, anchor)
    if block is not None and _fits(page, block, slot_attribute):
        return _past_note(page, block.end), block.note_after == NOTE_FULL
    if block is not None:  # what is around it, looked for only now (30 selectors: a slower scan)
        if not full:
            found = scan(page, slot_attribute=slot_attribute, selectors=[*selectors, *_AROUNDERS])
        around = _outermost(found, block)
        if around is not None and _fits(page, around, slot_attribute):
            return around.end, around.note_after == NOTE_FULL
    at = found.body_end  # (not where an element hidden by its attributes is open to the end)
    ends = page_end_at(page, at) and not found.end_context & UNSAFE_END
    if ends and not any(t.start < at < t.end for t in _hiders(found)):
        return at, not found.end_context & FORM
    left_open = _ended(page, len(page), slot_attribute) if anchor else None
    return None if left_open is None else (len(page), not left_open & FORM)


def _past_note(page: str, at: int) -> int:
    """``at``, or past the "i" that starts there: the note of the block that fills the slot now
    (visitor62: the confirmation went between the block and its "i", which then sat apart)."""
    if page.startswith('<details class="omo-i"', at) and (end := page.find("</details>", at)) > 0:
        return end + len("</details>")
    return at


def _before_theirs(
    page: str,
    found: Scan,
    selectors: list[Selector],
    where: Where,
    slot_attribute: str,
    full: bool,
) -> Where:
    """``where``, or, where the page has an element of its own with the id :data:`NOTICE`
    before it (a fragment goes to the first), right before that element or the outermost of
    :data:`_AROUND` around it, where that is seen and leaves the page's elements as they were
    (no ``<p>``, foreign element or formatting element to re-open is open there, it is in the
    body); else ``where``, the page's element still first (a rare page: the fragment goes
    there)."""
    theirs = min((t.start for t in found.matches.get(_THEIRS.text, ())), default=len(page))
    if theirs >= where[0]:
        return where
    if not full:  # (``found`` has _AROUNDERS already)
        found = scan(
            page, slot_attribute=slot_attribute, selectors=[*selectors, *_AROUNDERS, _THEIRS]
        )
    first = min(found.matches.get(_THEIRS.text, ()), key=lambda t: t.start, default=None)
    if first is None or first.start != theirs:
        return where
    before = _outermost(found, first) or first
    if before.unsure or before.tag in _HEAD_NAMES or _left_open(page, found, before):
        return where
    ended = _ended(page, before.start, slot_attribute)
    if ended is None or ended & _NOT_BEFORE:
        return where
    return before.start, not ended & FORM


def _left_open(page: str, found: Scan, before: Target) -> bool:
    """Whether an element of :data:`_AROUND` is still open right before ``before``: one the
    parser ends only at ``before``'s tag (``<h1>Title<h2 id=omo-done>``: the confirmation would
    be inside the ``<h1>``). One ending there with its own end tag is closed (another's, as in
    ``<h1>Shop <small>x</small><h2 ...>``, ends nothing of it); when not sure, open (the
    confirmation then stays where it was)."""
    at = before.start
    for s in _AROUND:
        for t in found.matches.get(s, ()):
            if t is before or not (t.start < at <= t.end) or not _hides(s, t):
                continue
            own = _END_TAG.search(page, max(0, at - 64), at)
            if t.end > at or own is None or own[1].lower() != t.tag:
                return True
    return False


_END_TAG = re.compile(r"</([A-Za-z][^\s/<>]*)[^<>]*>\Z")


def after_block(found: Scan, selectors: list[Selector], anchor: str) -> Target | None:
    """The first block (a slot, or an element a rule's selector matches, not one only
    :data:`_AROUND` matches) whose ``id`` is ``anchor``; None without one."""
    if not anchor:
        return None
    blocks = (*found.slots, *(t for s in selectors for t in found.matches.get(s.text, ())))
    return min((t for t in blocks if _id(t) == anchor), key=lambda t: t.start, default=None)


def _id(target: Target) -> str | None:
    return next((a.value for a in target.attrs if a.name == "id"), None)  # its first


def _outermost(found: Scan, block: Target | None) -> Target | None:
    """The outermost element of :data:`_AROUND` the page has around ``block`` (None without
    one): the confirmation may follow it, in sight, where it cannot follow the block."""
    if block is None:
        return None
    around = (
        t
        for s in _AROUND
        for t in found.matches.get(s, ())
        if t.start < block.start and t.end >= block.end and _hides(s, t)
    )
    return min(around, key=lambda t: t.start, default=None)


def _hiders(found: Scan) -> list[Target]:
    """The elements the page has that hide what is in them (:data:`_HIDING`, :data:`_STYLED`)."""
    return [t for s in (*_HIDING, *_STYLED) for t in found.matches.get(s, ()) if _hides(s, t)]


def _hides(selector: str, target: Target) -> bool:
    """Whether ``target``, one ``selector`` matched, is what that selector looks for: one of
    :data:`_STYLED` only where its ``style`` hides (not a ``border: none``)."""
    if selector not in _STYLED:
        return True
    return style_hides(next((a.value for a in target.attrs if a.name == "style"), ""))


def _fits(page: str, after: Target, slot_attribute: str) -> bool:
    """Whether the confirmation may go right after ``after`` and is seen there."""
    if after.note_after == NOTE_NONE or after.unsure:
        return False
    return _ended(page, after.end, slot_attribute) is not None


def _ended(page: str, at: int, slot_attribute: str) -> int | None:
    """What the page leaves open at ``at`` (context.py's bits) when what is put there is shown
    there, as before ``</body>``; None when not: the page up to there, ended, leaves something
    open that would hide it or take it in (a closed ``<details>`` or ``<dialog>``, a link, a
    select, a table ...: context.py's UNSAFE_END, or a ``</body>`` the parser ignores there),
    or an element around it is ``hidden``, ``inert``, ``aria-hidden`` or hidden by its inline
    ``style`` (:data:`_STYLED`). A scan of that part alone, once per place tried (at most four
    per confirmation)."""
    head = page[:at]
    ended = scan_page(head + "</body>", slot_attribute=slot_attribute, selectors=_HIDERS)
    if ended.body_end != len(head) or ended.end_context & UNSAFE_END:
        return None
    if any(skip.kind == "selector" for skip in ended.skipped):
        return None  # (an element of theirs whose extent is not sure: as if around it)
    if any(t.end > len(head) for t in _hiders(ended)):
        return None
    return ended.end_context
