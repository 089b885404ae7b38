"""What the preferences page and the data page say about the privacy decision: what is kept,
what may still adapt, and what the visitor can switch off, in plain words. Only what is true
for this site's settings: where pages pass untouched for a private visitor
(OMOTENASHI_RESPECT_PRIVATE_CONTEXTUAL=false) nothing says they may adapt, and where no block
has an "i" (OMOTENASHI_RESPECT_DISCLOSURE=false) nothing offers its "Don't show me this"."""

from __future__ import annotations

from typing import Any

from omotenashi.engine.privacywords import HELD_BY, NAMED_WHEN, held_by
from omotenashi.respect.notewords import (
    ADAPTED,
    BELOW,
    CHOICES_KEPT,
    CHOICES_NOTES,
    CHOICES_SIGNED_IN,
    DEVICES,
    ID_ONLY,
    IN_COOKIE,
    IN_SIGNED_IN,
    KEPT_NOTES,
    MOMENT,
    NO_COOKIE,
    NO_SWITCH,
    NO_SWITCH_UNREAD,
    NOT_ADAPTED,
    ON_BLOCK,
    PRIVATE_NOTES,
    SIGNED_IN_ONLY,
)

# Why a privacy decision (respect/privacy.py ``decide_privacy``'s reason) holds a block back
# that the visitor left on, and when it may show again (nothing they can do here, for
# "revoked"): engine/privacywords.py's HELD_BY, the words an Undo says it with too.
_UNTICK = "you untick “Personalise nothing for me”"


def privacy_holds(reason: str, behavioural: bool, adapts: bool) -> bool:
    """Whether the privacy decision ``reason`` keeps a block off that the visitor left on: a
    block that uses what they did (``behavioural``: never shown while nothing about them is
    read), or any block where their pages pass untouched (``adapts`` False: ``pages_adapt``).
    As restraint.py decides it for their pages (``switched_off``: behavioural and private)."""
    return reason in HELD_BY and (behavioural or not adapts)


def held_by_privacy(
    reason: str,
    behavioural: bool,
    adapts: bool,
    *,
    nothing: bool = False,
    kind: str = "",
    history: str = "",
) -> str:
    """What the preferences page says after "Not shown to you now:" of a block left on that
    the privacy decision holds back (:func:`privacy_holds`), and what brings it back; ""
    when it does not. The visitor's own choices that hold it back too are said after it, and
    are in what brings it back: ``nothing`` (Personalise nothing), ``kind`` (its kind,
    switched off: its label), ``history`` (the browsing history's label, where it is off)."""
    if not privacy_holds(reason, behavioural, adapts):
        return ""
    cause, when = HELD_BY[reason]
    how = "it uses what you did here" if behavioural else "no page is adapted to you meanwhile"
    own = _own(behavioural, nothing, kind, history)
    said = " ".join([f"{cause}, and {how}.", *(also for _, also, _ in own)])
    if not when:  # (nothing they do here brings it back)
        return said
    return f"{said} Left ticked, it may show again {_all(when, *(do for _, _, do in own))}."


def not_shown_now(
    reason: str, behavioural: bool, adapts: bool, *, nothing: bool, kind: str, history: str
) -> str:
    """What the preferences page says after "Not shown to you now:" of a block left on that
    anything holds back (the privacy decision, or the visitor's own choices:
    :func:`held_by_privacy`'s arguments), and only what would bring it back; "" when nothing
    holds it back."""
    held = held_by_privacy(reason, behavioural, adapts, nothing=nothing, kind=kind, history=history)
    own = _own(behavioural, nothing, kind, history)
    if held or not own:
        return held
    said = " ".join([own[0][0], *(also for _, also, _ in own[1:])])
    back = ["you switch that back on"] if len(own) == 1 and kind else [do for *_, do in own]
    return f"{said} Left ticked, it may show again {_all('', *back)}."


def _own(behavioural: bool, nothing: bool, kind: str, history: str) -> list[tuple[str, str, str]]:
    """The visitor's own choices that hold a block back: (said first, after "Not shown to
    you now:"; said after another reason; what they would do to bring it back)."""
    own = []
    if nothing:
        own.append(
            ("you chose to personalise nothing.", "You also chose to personalise nothing.", _UNTICK)
        )
    if kind:
        said = f"switched off “{kind}” below."
        own.append((f"you {said}", f"You also {said}", f"you switch “{kind}” back on"))
    if history and behavioural and kind != history:  # (its kind may be the history: said)
        back = f"you switch “{history}” back on"
        own.append(("your browsing history is off.", "Your browsing history is off too.", back))
    return own


def _all(when: str, *back: str) -> str:
    """``when`` (the privacy decision's: "when your browser no longer asks that", "once you
    give it" ..., or "") and what the visitor would do, as one clause: "when … and …"."""
    return " and ".join([when, *back] if when else ["when " + back[0], *back[1:]])


def kind_comes_back(reason: str, kinds: int, contextual: int, adapts: bool, history: str) -> str:
    """What the card of a kind left ticked says, under Personalise nothing, of when its blocks
    come back: when it is unticked, and for each block only what else holds it back. The
    privacy decision ``reason`` and the browsing history off (``history``: its switch's label,
    "" when on) hold back those that use what the visitor did (all but ``contextual`` of its
    ``kinds``); the privacy decision holds every one where no page adapts to them (``adapts``
    False), the history never those that need nothing kept (restraint.py ``switched_off``)."""
    private = reason in HELD_BY  # (it holds every block on what they did back)
    every = private and not adapts  # (no page adapts to them: it holds every block back)
    needs_nothing = _comes_back(reason if every and kinds else "", "")  # (no block: untick)
    others = _comes_back(reason if private else "", history)
    if not kinds or contextual >= kinds:
        return f"Left ticked, these {needs_nothing}."
    if not contextual or needs_nothing == others:
        return f"Left ticked, these {others}."
    return f"Left ticked, those that need nothing we keep {needs_nothing}; the others {others}."


def _comes_back(reason: str, history: str) -> str:
    """When blocks held back by Personalise nothing, the privacy decision ``reason`` ("":
    none) and the browsing history off (``history``: its label, "": on) come back, after
    "these" (the card names no reason before it: NAMED_WHEN)."""
    when = NAMED_WHEN[reason] if reason else ""
    if reason and not when:  # (nothing they do here brings them back)
        return f"stay off while {held_by(reason)}"
    history_on = [f"you switch “{history}” back on"] if history else []
    return f"come back {_all(when, _UNTICK, *history_on)}"


def annotate(
    entries: list[dict[str, Any]],
    kinds: list[dict[str, Any]],
    reason: str,
    adapts: bool,
    nothing: bool,
    history: str,
) -> None:
    """What the preferences page says beside the switches, put in their entries (the shown
    and switched-off blocks': ``held``, after "Not shown to you now:", ``private_hold``, its
    privacy part, and ``private_while``) and kinds (``comes_back``, under Personalise
    nothing). ``adapts``: ``pages_adapt`` for the privacy decision ``reason``; ``history``:
    the browsing history's label where it is off ("" when on)."""
    for e in entries:
        beh, kind = e["behavioural"], "" if e["category_on"] else e["category"]
        e["private_hold"] = held_by_privacy(
            reason, beh, adapts, nothing=nothing, kind=kind, history=history
        )
        e["held"] = not_shown_now(reason, beh, adapts, nothing=nothing, kind=kind, history=history)
        e["private_while"] = still_off_while(reason, beh, adapts)
    for k in kinds:
        k["comes_back"] = kind_comes_back(reason, k["kinds"], k["contextual"], adapts, history)


def still_off_while(reason: str, behavioural: bool, adapts: bool) -> str:
    """What it says of a block switched off that the privacy decision would hold back too,
    were it ticked again ("" when it would not)."""
    if not privacy_holds(reason, behavioural, adapts):
        return ""
    return f"Ticked, it still stays off while {held_by(reason)}."


def devices_note(reason: str) -> str:
    """What the page says to a signed-in visitor about their other devices ("": nothing)."""
    return DEVICES.get(reason, "")


def private_note(
    reason: str,
    is_kept: bool,
    choices: bool = False,
    switch: bool | None = None,
    *,
    adapts: bool = True,
    dismiss: bool = True,
    cookie: bool = False,
    signed_in: bool = False,
    nothing: bool = False,
    unread: bool = False,
) -> str:
    """What the page says about the privacy decision ``reason`` ("" when there is none);
    ``choices``: the visitor's cookie holds choices of theirs; ``switch``: whether a choice
    can be kept for them (None: the page has no switches, say nothing about them);
    ``adapts``: a block that needs nothing kept may still be shown to them (False: the site
    passes their pages untouched, or they switched every such block off); ``dismiss``: blocks
    carry "Don't show me this" (their "i": OMOTENASHI_RESPECT_DISCLOSURE); ``cookie``: the
    browser sent our cookie (one left with no choice, after "Don't show me this" and "Undo",
    holds an id only, or ``signed_in`` their sign-in: "we set no cookie" would be false);
    ``nothing``: they chose "Personalise nothing for me" too (said after the rest: it holds
    every block back, beside the privacy decision); ``unread``: our cookie may be among the
    browser's cookies not read (what its id holds is not known: nothing is kept from this
    visit, never "from this browser")."""
    note = _note(reason, is_kept, choices, switch, adapts, dismiss, cookie, signed_in)
    if unread:
        note = note.replace(FROM_BROWSER, FROM_VISIT)
    return note + also_nothing(reason) if nothing and note and reason in HELD_BY else note


# What the notes say where nothing is read or kept, and what they say instead where our cookie
# is unread (eye61: "from this browser" beside "We cannot tell", of a profile kept before)
FROM_BROWSER, FROM_VISIT = (
    "keep nothing about you from this browser",
    "keep nothing about you from this visit",
)


def also_nothing(reason: str) -> str:
    """Said after the note on the privacy decision ``reason`` (one of HELD_BY) to a visitor
    who chose "Personalise nothing for me" too: both hold, and what brings blocks back."""
    said = " You also chose “Personalise nothing for me”: no block is shown to you while it is on"
    when = NAMED_WHEN[reason]
    if when:  # (the blocks on the page, the time ... come back once it is unticked)
        said += f", and those that use what you did here come back only {when} and you untick it"
    return said + "."


_ONLY_CHOICE = "We keep only that choice, in a cookie on this device, so it stays."
_CHOICE_AND_SIGN_IN = (
    "We keep only that choice and your sign-in (the link to your account), in a cookie on this "
    "device, so it stays."
)


def _note(
    reason: str,
    is_kept: bool,
    choices: bool,
    switch: bool | None,
    adapts: bool,
    dismiss: bool,
    cookie: bool,
    signed_in: bool,
) -> str:
    """:func:`private_note`'s note, before what Personalise nothing adds."""
    if is_kept and reason in KEPT_NOTES:
        note = KEPT_NOTES[reason]
    elif choices and reason in CHOICES_NOTES:
        note = CHOICES_NOTES[reason]
        if signed_in:  # the cookie holds their sign-in too
            note = note.replace(CHOICES_KEPT, CHOICES_SIGNED_IN)
    else:
        note = PRIVATE_NOTES.get(reason, "")
        if cookie:  # (only the GPC notes say "set no personalisation cookie")
            note = note.replace(NO_COOKIE, SIGNED_IN_ONLY if signed_in else ID_ONLY, 1)
        if signed_in:  # (a sign-in under "Personalise nothing" links the account: last64)
            note = note.replace(_ONLY_CHOICE, _CHOICE_AND_SIGN_IN, 1)
    if reason not in ADAPTED:
        return note
    if not adapts:  # no block to switch off either
        return note.replace(MOMENT, NOT_ADAPTED)
    if switch is not None:
        on_block = ON_BLOCK if dismiss else ""  # (no block has an "i" without it)
        if switch and note.endswith((CHOICES_KEPT, CHOICES_SIGNED_IN)):  # (said just before)
            note += BELOW + on_block + "."
        elif switch:
            note += BELOW + on_block + (IN_SIGNED_IN if signed_in else IN_COOKIE)
        else:
            note += NO_SWITCH_UNREAD if reason == "unread" else NO_SWITCH
    return note
