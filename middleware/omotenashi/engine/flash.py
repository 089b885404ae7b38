"""The word a visitor gets once after a choice made from the page: "Don't show me this" says
what it did and offers to undo it, and the undo says what it did in turn.

The choice's endpoint (respect/preferences.py ``apply_choice``) puts a :class:`Flash` in the
signed visitor cookie; the next page the engine rewrites for that visitor says it, and its
response re-signs the cookie without it (asgi/setcookie.py). Where it goes:
engine/flashplace.py (:func:`place`; only bytes are inserted, the page is never
re-serialised). Nothing about the visitor goes into a URL, and that page is private to them
like every page the engine rewrites. A flash is said only while it is true of the visitor's
choices as the cookie holds them now, and only for :data:`FLASH_TTL` seconds."""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass
from typing import Any

from omotenashi.engine.disclosure import EN, Disclosure, own_tab
from omotenashi.engine.flashplace import NOTICE, place
from omotenashi.engine.privacywords import undone_still_off
from omotenashi.engine.restraint import Prefs, Restraint, chosen_off
from omotenashi.engine.ruleset import CompiledRule, RuleSet
from omotenashi.rules.text import unstopped

FLASH_TTL = 600.0  # seconds: a flash the visitor has not seen by then is dropped unsaid
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,199}")  # a rule id (rules/model.py), bounded
_ANCHOR = re.compile(r"[A-Za-z0-9_-]{1,64}")  # the block's element id the undo returns to
DONE = "Done: you won't see “{label}” again."
DONE_ALL = "Done: you won't see the blocks for “{label}” again."  # (an entry in 2+ places)
DONE_BLOCK = "Done: you won't see that block again."  # (others giving its reason still show)
DONE_BLOCKS = "Done: you won't see those blocks again."  # (... and its entry is in 2+ places)
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
    label = unstopped(compiled.rule.why)
    entry_off = not prefs.off_rules.isdisjoint(compiled.entry or (compiled.id,))
    if not flash.undo:
        if not entry_off:
            return None
        # (not private: GPC may stop, and a block it holds back would give that reason again)
        off = history_off
        if any(_still_on(r, label, compiled, prefs, off) for r in ruleset.rules):
            said = DONE_BLOCKS if compiled.entry_places else DONE_BLOCK  # (another kind of
            # block gives that reason: shown still)
        else:
            said = (DONE_ALL if compiled.entry_places else DONE).format(label=label)
        return compiled, said[:-1] + HERE if signed_in else said
    if entry_off:
        return None
    held = prefs.nothing or chosen_off(prefs, compiled)  # (the one reading of their switches)
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
    if unstopped(r.rule.why) != label or r.id in (done.entry or (done.id,)):
        return False
    return not (prefs.nothing or chosen_off(prefs, r) or (history_off and r.behavioural))


def markup(flash: Flash, compiled: CompiledRule, said: str, d: Disclosure, form: bool) -> str:
    """The confirmation: what was done and, after a dismissal, a form (no script) that undoes
    it; without ``form`` (a form of the page is still open there: ours would join it), the
    link to the visitor's choices alone, where it switches back on."""
    prefix = html.escape(d.prefix, quote=True)
    label = html.escape(unstopped(compiled.rule.why), quote=True)
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
            f'<button type="submit"{EN} aria-label="Undo: show “{label}” again">Undo</button>'
            "</form>"
        )
    choices = f'<p{EN}><a href="{prefix}/preferences"{tab}>Your choices</a></p>' if prefix else ""
    # A region named by what it says: a landmark a screen reader lists (not loose content
    # after the page's last one). The URL a choice on a block returns to ends in its id
    # (:func:`to_notice`): the browser focuses it there (``tabindex="-1"``) and a screen
    # reader says its name, the sentence. A page taken back to its top (a block without an
    # id) has no fragment: ``tabindex`` alone focuses nothing, and nothing scrolls down to it.
    return (
        f'<div class="omo-done" id="{NOTICE}" tabindex="-1" role="region" '
        'aria-labelledby="omo-done-said">'
        f'<p id="omo-done-said" role="status"{EN}>{html.escape(said, quote=False)}</p>{undo}'
        f"{choices}</div>"
    )


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
