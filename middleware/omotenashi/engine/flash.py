"""The word a visitor gets once after a choice made from the page: "Don't show me this" says
what it did and offers to undo it, and the undo says what it did in turn.

The choice's endpoint (respect/preferences.py ``apply_choice``) puts a :class:`Flash` in the
signed visitor cookie; the next page the engine rewrites for that visitor says it, and its
response re-signs the cookie without it (asgi/setcookie.py). Where (:func:`place`): after a
choice on a block with an ``id`` the visitor is taken to the confirmation's own, focused, so it
goes right after the block when it is seen there, else right after the element around the block
that kept it from being seen (a closed ``<details>``, ``hidden`` ...), else before the page's
own ``</body>`` (where the page panel goes), else after the page's last byte (a page without a
``</body>``); without an ``id``, before the page's own ``</body>``. Only bytes are inserted:
the page is never re-serialised. Nothing about the visitor goes into a URL, and that page is
private to them like every page the engine rewrites. A flash is said only while it is true of
the visitor's choices as the cookie holds them now, and only for :data:`FLASH_TTL` seconds."""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass
from typing import Any

from omotenashi.engine.disclosure import Disclosure, own_tab
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
from omotenashi.engine.privacywords import undone_still_off
from omotenashi.engine.restraint import Prefs, Restraint
from omotenashi.engine.ruleset import CompiledRule, RuleSet

FLASH_TTL = 600.0  # seconds: a flash the visitor has not seen by then is dropped unsaid
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,199}")  # a rule id (rules/model.py), bounded
_ANCHOR = re.compile(r"[A-Za-z0-9_-]{1,64}")  # the block's element id the undo returns to
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
_HEAD_NAMES = frozenset("base link meta noscript script style template title".split())

DONE = "Done: you won't see “{label}” again."
DONE_BLOCK = "Done: you won't see that block again."  # (others giving its reason still show)
UNDONE = "Undone: “{label}” is switched back on."
STILL_OFF = " Your other choices still keep it off."
# A block on what the visitor did, undone while the privacy decision keeps nothing about them
# (respect/privacy.py: GPC or Do Not Track, no consent ...): off still, and not by a choice
# here, for the one reason that holds (engine/privacywords.py, as the preferences page says it)
# A signed-in visitor's choices are kept in this browser's cookie, not in their account: their
# other devices still show the block (the preferences page says so too)
HERE = " on this device."


@dataclass(frozen=True)
class Flash:
    """A block's entry just switched off (``undo`` False) or back on, from the page."""

    rule: str  # the rule whose block the visitor acted on (its whole entry was switched)
    at: float  # when (seconds since the epoch)
    undo: bool = False
    anchor: str = ""  # the block's element id: the undo returns there

    def to_cookie(self) -> dict[str, object]:
        out: dict[str, object] = {"r": self.rule, "t": int(self.at)}
        if self.undo:
            out["u"] = True
        if self.anchor:
            out["a"] = self.anchor
        return out

    @classmethod
    def from_cookie(cls, data: Any) -> Flash | None:
        """The flash in a cookie's payload; None for anything a signer of ours never wrote."""
        if not isinstance(data, dict):
            return None
        rule, at, anchor = data.get("r"), data.get("t"), data.get("a", "")
        if not (isinstance(rule, str) and _NAME.fullmatch(rule)):
            return None
        if type(at) is not int and not (type(at) is float and math.isfinite(at)):
            return None
        if anchor != "" and not (isinstance(anchor, str) and _ANCHOR.fullmatch(anchor)):
            return None
        return cls(rule, float(at), data.get("u") is True, anchor)

    def fresh(self, now: float) -> bool:
        return abs(now - self.at) <= FLASH_TTL


def anchor_of(next_path: str) -> str:
    """The element id a form's ``next`` returns to ("" when it names none we would keep)."""
    fragment = next_path.partition("#")[2]
    return fragment if _ANCHOR.fullmatch(fragment) else ""


def to_notice(next_path: str) -> str:
    """Where a choice made on a block takes the browser: ``next_path`` with the block's element
    id (kept in the flash: the confirmation goes right after that element) swapped for the
    confirmation's own, :data:`NOTICE`, which the browser scrolls to and focuses (it has
    ``tabindex="-1"``), so a screen reader says it at once; as it is without one (the top of
    the page, where nothing moves focus)."""
    return f"{next_path.partition('#')[0]}#{NOTICE}" if anchor_of(next_path) else next_path


def message(
    flash: Flash,
    ruleset: RuleSet,
    prefs: Prefs,
    history_off: bool,
    now: float,
    signed_in: bool = False,
    private: bool = False,
    reason: str = "",
) -> tuple[CompiledRule, str] | None:
    """(the rule, what to say), or None when nothing true can be said: the flash is stale, its
    rule gone, or the choices no longer what it says (switched back, or off again, since).
    ``history_off``: the visitor's browsing history is off (engine/restraint.py);
    ``signed_in``: a dismissal holds on this device only, and says so; ``private``: the
    privacy decision keeps nothing about the visitor (``Visit.private``), so no block on what
    they did is shown (restraint.py ``switched_off``), whatever their choices; ``reason``: its
    reason (``Visit.privacy``), the one an Undo names."""
    if not flash.fresh(now):
        return None
    compiled = next((r for r in ruleset.rules if r.id == flash.rule), None)
    if compiled is None:
        return None
    label = compiled.rule.why.strip().rstrip(".")
    entry_off = not prefs.off_rules.isdisjoint(compiled.entry or (compiled.id,))
    if not flash.undo:
        if not entry_off:
            return None
        # (not private: GPC may stop, and a block it holds back would give that reason again)
        off = history_off
        if any(_still_on(r, label, compiled, prefs, off) for r in ruleset.rules):
            said = DONE_BLOCK  # another kind of block gives that reason: shown still
        else:
            said = DONE.format(label=label)
        return compiled, said[:-1] + HERE if signed_in else said
    if entry_off:
        return None
    rule = compiled.rule
    held = prefs.nothing or rule.category in prefs.off_categories
    held = held or (history_off and compiled.behavioural)
    said = UNDONE.format(label=label) + (STILL_OFF if held else "")
    # as a kind off does, and said what it is, beside their own choices (Personalise nothing
    # under GPC: unticking it alone would not bring the block back); "nothing" is their own
    if private and compiled.behavioural and reason != "nothing":
        said += undone_still_off(reason, also=held)
    return compiled, said


def _still_on(
    r: CompiledRule, label: str, done: CompiledRule, prefs: Prefs, history_off: bool
) -> bool:
    """Whether ``r`` gives the reason ``label`` and may still be shown to the visitor (not in
    the entry just switched off, nor held off by their other choices or, ``history_off``,
    by anything that holds every block on what they did off: the history, privacy)."""
    if r.rule.why.strip().rstrip(".") != label or r.id in (done.entry or (done.id,)):
        return False
    if prefs.nothing or r.rule.category in prefs.off_categories:
        return False
    return prefs.off_rules.isdisjoint(r.entry or (r.id,)) and not (history_off and r.behavioural)


def markup(flash: Flash, compiled: CompiledRule, said: str, d: Disclosure, form: bool) -> str:
    """The confirmation: what was done and, after a dismissal, a form (no script) that undoes
    it; without ``form`` (a form of the page is still open there: ours would join it), the
    link to the visitor's choices alone, where it switches back on."""
    prefix = html.escape(d.prefix, quote=True)
    label = html.escape(compiled.rule.why.strip().rstrip("."), quote=True)
    back = html.escape(f"{d.path}#{flash.anchor}" if flash.anchor else d.path, quote=True)
    tab = own_tab(d)  # (target="_self" on a page whose <base target> opens links elsewhere)
    undo = ""
    if form and not flash.undo and prefix:  # (prefix "": no address of ours reaches the site)
        undo = (
            f'<form method="post" action="{prefix}/preferences" class="omo-undo"{tab}>'
            f'<input type="hidden" name="csrf" value="{html.escape(d.csrf, quote=True)}">'
            '<input type="hidden" name="action" value="undo">'
            f'<input type="hidden" name="rule" value="{html.escape(compiled.id, quote=True)}">'
            f'<input type="hidden" name="next" value="{back}">'
            f'<button type="submit" aria-label="Undo: show “{label}” again">Undo</button></form>'
        )
    choices = f'<p><a href="{prefix}/preferences"{tab}>Your choices</a></p>' if prefix else ""
    # A region named by what it says: a landmark a screen reader lists (not loose content
    # after the page's last one). The URL a choice on a block returns to ends in its id
    # (:func:`to_notice`): the browser focuses it there (``tabindex="-1"``) and a screen
    # reader says its name, the sentence. A page taken back to its top (a block without an
    # id) has no fragment: ``tabindex`` alone focuses nothing, and nothing scrolls down to it.
    return (
        f'<div class="omo-done" id="{NOTICE}" tabindex="-1" role="region" '
        'aria-labelledby="omo-done-said">'
        f'<p id="omo-done-said" role="status">{html.escape(said, quote=False)}</p>{undo}'
        f"{choices}</div>"
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
    found = scan(page, slot_attribute=slot_attribute, selectors=[*selectors, *_HIDERS, _THEIRS])
    where = _place(page, found, selectors, slot_attribute, anchor)
    if where is None or not anchor or not found.matches.get(_THEIRS.text):
        return where
    return _before_theirs(page, found, selectors, where, slot_attribute)


def _place(
    page: str, found: Scan, selectors: list[Selector], slot_attribute: str, anchor: str
) -> Where | None:
    """:func:`place`, the page's own ``omo-done`` aside (``found``: its scan for _HIDERS)."""
    block = after_block(found, selectors, anchor)
    if block is not None and _fits(page, block, slot_attribute):
        return block.end, block.note_after == NOTE_FULL
    if block is not None:  # what is around it, looked for only now (30 selectors: a slower scan)
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


def _before_theirs(
    page: str, found: Scan, selectors: list[Selector], where: Where, slot_attribute: str
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
    found = scan(page, slot_attribute=slot_attribute, selectors=[*selectors, *_AROUNDERS, _THEIRS])
    first = min(found.matches.get(_THEIRS.text, ()), key=lambda t: t.start, default=None)
    if first is None or first.start != theirs:
        return where
    before = _outermost(found, first) or first
    if before.unsure or before.tag in _HEAD_NAMES:
        return where
    ended = _ended(page, before.start, slot_attribute)
    if ended is None or ended & _NOT_BEFORE:
        return where
    return before.start, not ended & FORM


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


def confirm(
    page: str,
    flash: Flash | None,
    ruleset: RuleSet,
    restraint: Restraint,
    now: float,
    d: Disclosure,
    slot_attribute: str,
    signed_in: bool = False,
    private: bool = False,
    reason: str = "",
) -> tuple[str, bool]:
    """(the page, whether it now says the flash): said only where the visitor's notes offer
    their choices (``d``: the "i" is on, and a choice of theirs can be kept), and not on a page
    a preview link forces that very block onto (it shows there whatever the choice).
    ``private``: the privacy decision keeps nothing about them, for ``reason``
    (:func:`message`)."""
    if flash is None or not (d.enabled and d.dismiss) or flash.rule in restraint.forced:
        return page, False
    prefs, off = restraint.prefs, restraint.history_off
    said = message(flash, ruleset, prefs, off, now, signed_in, private, reason)
    where = None if said is None else place(page, ruleset, slot_attribute, flash.anchor)
    if said is None or where is None:
        return page, False
    at, form = where  # (only bytes inserted: the page is never re-serialised)
    return page[:at] + markup(flash, *said, d, form=form) + page[at:], True
