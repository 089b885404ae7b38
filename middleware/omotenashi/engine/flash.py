"""The word a visitor gets once after a choice made from the page: "Don't show me this" says
what it did and offers to undo it, and the undo says what it did in turn.

The choice's endpoint (respect/preferences.py ``apply_choice``) puts a :class:`Flash` in the
signed visitor cookie; the next page the engine rewrites for that visitor says it, right after
the block's element (its ``id``: the visitor is taken back to the confirmation's own, right
after it, and it takes focus there) when a block's "i" could follow it there and it is seen
there (:func:`_seen_after`),
else just before the page's own ``</body>``
(where the page panel goes), and its response re-signs the cookie
without it (asgi/setcookie.py): nothing about the visitor goes into a URL, and that page is
private to them like every page the engine rewrites. A flash is said only while it is true of
the visitor's choices as the cookie holds them now, and only for :data:`FLASH_TTL` seconds."""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass
from typing import Any

from omotenashi.engine.disclosure import Disclosure
from omotenashi.engine.html import Target, parse_selector, scan, scan_page
from omotenashi.engine.html.context import FORM, NEAR_END, UNSAFE_END, page_end_at
from omotenashi.engine.html.core import NOTE_FULL, NOTE_NONE
from omotenashi.engine.personalise import selectors_of
from omotenashi.engine.restraint import Prefs, Restraint
from omotenashi.engine.ruleset import CompiledRule, RuleSet

FLASH_TTL = 600.0  # seconds: a flash the visitor has not seen by then is dropped unsaid
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,199}")  # a rule id (rules/model.py), bounded
_ANCHOR = re.compile(r"[A-Za-z0-9_-]{1,64}")  # the block's element id the undo returns to
_BODY_TAG = re.compile(r"</body", re.I)
NOTICE = "omo-done"  # the confirmation's element id: a choice on a block returns to it
# Around these, what is put is not shown, or not heard, or cannot be used
_HIDING = ("[hidden]", "[inert]", "[aria-hidden=true i]")
_HIDERS = tuple(parse_selector(s) for s in _HIDING)

DONE = "Done: you won't see “{label}” again."
DONE_BLOCK = "Done: you won't see that block again."  # (others giving its reason still show)
UNDONE = "Undone: “{label}” is switched back on."
STILL_OFF = " Your other choices still keep it off."
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
) -> tuple[CompiledRule, str] | None:
    """(the rule, what to say), or None when nothing true can be said: the flash is stale, its
    rule gone, or the choices no longer what it says (switched back, or off again, since).
    ``history_off``: the visitor's browsing history is off (engine/restraint.py);
    ``signed_in``: a dismissal holds on this device only, and says so."""
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
        if any(_still_on(r, label, compiled, prefs, history_off) for r in ruleset.rules):
            said = DONE_BLOCK  # another kind of block gives that reason: shown still
        else:
            said = DONE.format(label=label)
        return compiled, said[:-1] + HERE if signed_in else said
    if entry_off:
        return None
    rule = compiled.rule
    held = prefs.nothing or rule.category in prefs.off_categories
    held = held or (history_off and compiled.behavioural)
    return compiled, UNDONE.format(label=label) + (STILL_OFF if held else "")


def _still_on(
    r: CompiledRule, label: str, done: CompiledRule, prefs: Prefs, history_off: bool
) -> bool:
    """Whether ``r`` gives the reason ``label`` and may still be shown to the visitor (not in
    the entry just switched off, nor held off by their other choices)."""
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
    undo = ""
    if form and not flash.undo:
        undo = (
            f'<form method="post" action="{prefix}/preferences" class="omo-undo">'
            f'<input type="hidden" name="csrf" value="{html.escape(d.csrf, quote=True)}">'
            '<input type="hidden" name="action" value="undo">'
            f'<input type="hidden" name="rule" value="{html.escape(compiled.id, quote=True)}">'
            f'<input type="hidden" name="next" value="{back}">'
            f'<button type="submit" aria-label="Undo: show “{label}” again">Undo</button></form>'
        )
    # A region named by what it says: a landmark a screen reader lists (not loose content
    # after the page's last one). The URL a choice on a block returns to ends in its id
    # (:func:`to_notice`): the browser focuses it there (``tabindex="-1"``) and a screen
    # reader says its name, the sentence. A page taken back to its top (a block without an
    # id) has no fragment: ``tabindex`` alone focuses nothing, and nothing scrolls down to it.
    return (
        f'<div class="omo-done" id="{NOTICE}" tabindex="-1" role="region" '
        'aria-labelledby="omo-done-said">'
        f'<p id="omo-done-said" role="status">{html.escape(said, quote=False)}</p>{undo}'
        f'<p><a href="{prefix}/preferences">Your choices</a></p></div>'
    )


def page_end(
    page: str, ruleset: RuleSet, slot_attribute: str, anchor: str = ""
) -> tuple[int, int, Target | None] | None:
    """Where the page's own ``</body>`` begins, found as the page panel's place is (the end
    tag the parser honoured, near the end, nothing left open there that would take it in), what
    the page leaves open there (context.py's bits), and the element whose ``id`` is ``anchor``
    (the dismissed block's, where the visitor is taken back to) when the confirmation may
    follow it as a block's "i" may (:func:`after_block`); None where there is no end."""
    if _BODY_TAG.search(page, max(0, len(page) - NEAR_END)) is None:
        return None  # (no end to put it before: no scan)
    selectors, _ = selectors_of(ruleset)  # (those the page was personalised with)
    found = scan(page, slot_attribute=slot_attribute, selectors=[*selectors, *_HIDERS])
    at = found.body_end
    if not page_end_at(page, at) or found.end_context & UNSAFE_END:
        return None
    if any(t.start < at < t.end for s in _HIDING for t in found.matches.get(s, ())):
        return None  # an element hidden by its own attributes is left open to the end
    block = after_block(found.targets, anchor)
    if block is not None and not _seen_after(page, block, anchor, slot_attribute):
        block = None
    return at, found.end_context, block


def after_block(targets: tuple[Target, ...], anchor: str) -> Target | None:
    """The first target whose ``id`` is ``anchor``, when what follows it may hold a note (a
    ``<details>`` with a form: NOTE_FULL; NOTE_BARE, a page's form open there, without ours)
    and its extent is sure; None otherwise (the confirmation then goes before ``</body>``)."""
    if not anchor:
        return None
    for target in targets:
        if next((a.value for a in target.attrs if a.name == "id"), None) == anchor:  # its first
            return target if target.note_after != NOTE_NONE and not target.unsure else None
    return None


def _seen_after(page: str, block: Target, anchor: str, slot_attribute: str) -> bool:
    """Whether what is put right after ``block`` is shown there, as before ``</body>``, and
    comes next to where ``#anchor`` takes the visitor: the page up to there, ended, leaves
    nothing open that would hide it or take it in (a closed ``<details>`` or ``<dialog>``, a
    link, a select ...: context.py's UNSAFE_END), no element around it is ``hidden``,
    ``inert`` or ``aria-hidden``, and no element before the block has its id (a browser goes
    to the first). A scan of that part alone, once per confirmation."""
    head = page[: block.end]
    hiding = [*_HIDERS, parse_selector(f'[id="{anchor}"]')]
    ended = scan_page(head + "</body>", slot_attribute=slot_attribute, selectors=hiding)
    if ended.body_end != len(head) or ended.end_context & UNSAFE_END:
        return False
    if any(skip.kind == "selector" for skip in ended.skipped):
        return False  # (an element of theirs whose extent is not sure: as if around it)
    hidden = (t for s in _HIDING for t in ended.matches.get(s, ()) if t.end > len(head))
    same_id = ended.matches.get(f'[id="{anchor}"]', ())
    return next(hidden, None) is None and all(t.start >= block.start for t in same_id)


def confirm(
    page: str,
    flash: Flash | None,
    ruleset: RuleSet,
    restraint: Restraint,
    now: float,
    d: Disclosure,
    slot_attribute: str,
    signed_in: bool = False,
) -> tuple[str, bool]:
    """(the page, whether it now says the flash): said only where the visitor's notes offer
    their choices (``d``: the "i" is on, and a choice of theirs can be kept), and not on a page
    a preview link forces that very block onto (it shows there whatever the choice)."""
    if flash is None or not (d.enabled and d.dismiss) or flash.rule in restraint.forced:
        return page, False
    said = message(flash, ruleset, restraint.prefs, restraint.history_off, now, signed_in)
    end = None if said is None else page_end(page, ruleset, slot_attribute, flash.anchor)
    if said is None or end is None:
        return page, False
    at, left_open, block = end  # a form of the page still open there: ours would join it
    if block is not None:  # right after the block: where the visitor is taken back to
        # (#omo-done, focused), with the block just before it
        text = markup(flash, *said, d, form=block.note_after == NOTE_FULL)
        return page[: block.end] + text + page[block.end :], True
    text = markup(flash, *said, d, form=not left_open & FORM)
    return page[:at] + text + page[at:], True
