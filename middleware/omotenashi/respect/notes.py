"""What the preferences page and the data page say about the privacy decision: what is kept,
what may still adapt, and what the visitor can switch off, in plain words. Only what is true
for this site's settings: where pages pass untouched for a private visitor
(OMOTENASHI_RESPECT_PRIVATE_CONTEXTUAL=false) nothing says they may adapt, and where no block
has an "i" (OMOTENASHI_RESPECT_DISCLOSURE=false) nothing offers its "Don't show me this"."""

from __future__ import annotations

from typing import Any

from omotenashi.engine.privacywords import GPC_NO_CONSENT, HELD_BY, NAMED_WHEN, held_by

# Said wherever a visitor's data was erased (forget me, consent withdrawn, revoked): the
# shared counts (store/recs.py, measure/counting.py) keep what their visits added, no id.
SHARED_COUNTS = (
    "Totals kept for all visitors together (which items are viewed, and viewed together; how "
    "many visitors saw each version of a page) may still include your visits, without any id of "
    "yours."
)
# Where nothing about the visitor is read: what may still adapt, and only when (a block whose
# conditions read the visitor's history is never shown then).
MOMENT = (
    "Pages may still adapt to the moment (your device, the time, or the link you followed) "
    "when a block needs nothing we would keep."
)
# What the page says when the privacy decision keeps nothing about this visitor ("from this
# browser": one without our cookie is linked to nothing kept, an account's profile included:
# signedin51; to one that holds our cookie with no choice in it, ID_ONLY for NO_COOKIE, and
# SIGNED_IN_ONLY where it holds a sign-in: nothing under the account, this device adds nothing).
NO_COOKIE = "We keep nothing about you from this browser, set no personalisation cookie ("
ID_ONLY = (
    "We keep nothing about you (our cookie on this device holds only a random id, with nothing "
    "stored under it; "
)
SIGNED_IN_ONLY = (
    "We keep nothing about you (our cookie on this device holds only your sign-in, the link to "
    "your account, with nothing stored under it; "
)
# The GPC notes' opening; where consent is missing too (GPC_NO_CONSENT), both are named:
# nothing is kept until the browser stops asking and consent is given
_GPC_SENDS = (
    "Your browser sends Global Privacy Control (or Do Not Track): a signal that asks sites "
    "not to track you. We honour it."
)
_GPC_NO_CONSENT_SENDS = (
    "Your browser sends Global Privacy Control (or Do Not Track): a signal that asks sites "
    "not to track you, and you have not given consent to personalisation. We honour both."
)
_SITE_COOKIES = "(the site's own cookies, such as one that keeps your cart, are the site's). "
PRIVATE_NOTES = {
    "gpc": f"{_GPC_SENDS} {NO_COOKIE.removesuffix(' (')} {_SITE_COOKIES}{MOMENT}",
    "consent": (
        "You have not given consent to personalisation, so we keep nothing about you and set "
        "no new cookie. " + MOMENT
    ),
    "withdrawn": "You have withdrawn your consent on this device, so we keep nothing about you "
    "from it. (If you sign in to this site on other devices, one where you gave consent still "
    f"adds to your account: withdraw there too.) {SHARED_COUNTS} {MOMENT}",
    "revoked": (
        "This site has turned personalisation off for you. We keep nothing about you but a "
        "small record that says so, so that nothing else is kept; it goes by itself, after 400 "
        "days unless the site chose another time. " + SHARED_COUNTS
    ),
    "bot": "Automated visitors are never personalised and nothing is kept about them.",
    "nothing": (
        "You chose “Personalise nothing for me”. We store nothing new about you: no pages, "
        "interests or events. We keep only that choice, in a cookie on this device, so it "
        "stays. Anything kept from before is listed below until you erase it or it expires."
    ),
}
# What it says instead when something is still kept from before (GPC sent since, consent
# refused since ...): shown, because showing it is no tracking; never used, never added to.
_KEPT_SHOWN = (
    " What we kept is shown on this page; it goes when it expires, or now if you erase it."
)
KEPT_NOTES = {
    "gpc": (
        _GPC_SENDS.removesuffix(".") + ": while it is on, we neither read what we kept about you "
        "before to adapt pages, nor add anything to it. " + MOMENT + _KEPT_SHOWN
    ),
    GPC_NO_CONSENT: (
        _GPC_NO_CONSENT_SENDS.removesuffix(".") + ": until your browser no longer asks that "
        "and you give consent, we neither read what we kept about you before to adapt pages, "
        "nor add anything to it. " + MOMENT + _KEPT_SHOWN
    ),
    "consent": (
        "You have not given consent to personalisation (or no longer give it), so we neither "
        "read what we kept about you before to adapt pages, nor add anything to it. "
        + MOMENT
        + _KEPT_SHOWN
    ),
    "withdrawn": (
        "You have withdrawn your consent, so we neither read what we kept about you before to "
        "adapt pages, nor add anything to it." + _KEPT_SHOWN
    ),
    "bot": (
        "Automated visitors are never personalised: we neither read what was kept under this "
        "cookie before, nor add anything to it. It is shown on this page, and can be erased."
    ),
}


# Said instead when nothing is stored but the visitor's cookie still holds choices they made
# before (a GPC visitor who erased: the cookie was renewed with them, under an unlinked id).
_CHOICES_KEPT = (
    " Only your choices on this page are kept, in a cookie on this device with an id nothing "
    "is stored under, so they still hold later."
)
# ... where that cookie holds their sign-in too (nothing stored under the account: else the
# profile kept is said instead, KEPT_NOTES)
_CHOICES_SIGNED_IN = (
    " Only your choices on this page and your sign-in (the link to your account, with nothing "
    "stored under it) are kept, in a cookie on this device, so they still hold later."
)
CHOICES_NOTES = {  # the cookie that keeps the choices may have been set just now: no "no cookie"
    "gpc": f"{_GPC_SENDS} We keep nothing about you {_SITE_COOKIES}{MOMENT}{_CHOICES_KEPT}",
    "consent": (
        "You have not given consent to personalisation, so we keep nothing about you. "
        + MOMENT
        + _CHOICES_KEPT
    ),
    "withdrawn": PRIVATE_NOTES["withdrawn"] + _CHOICES_KEPT,
}
for _notes in (PRIVATE_NOTES, CHOICES_NOTES):  # GPC_NO_CONSENT's: the GPC ones, naming both
    _notes[GPC_NO_CONSENT] = _notes["gpc"].replace(_GPC_SENDS, _GPC_NO_CONSENT_SENDS, 1)


# Said after the note where blocks that use nothing kept may still be shown (``switch``): the
# visitor can switch them off (with "Don't show me this" too where blocks have their "i"), or
# why no choice can be kept for them.
_BELOW, _ON_BLOCK = (
    " You can switch those blocks off below",
    ", or with “Don't show me this” on a block",
)
_IN_COOKIE = ": we keep that choice in a cookie on this device, and nothing about you with it."
_IN_SIGNED_IN = (  # (that cookie holds their sign-in too)
    ": we keep that choice in the cookie on this device that holds your sign-in, and nothing "
    "else about you with it."
)
_NO_SWITCH = (
    " These blocks use nothing we keep about you. We cannot keep a choice to switch them off, "
    "though: a choice is kept only in a cookie, and we set none until you give consent."
)
# Said instead of MOMENT where no page adapts for this visitor: the site's setting passes pages
# untouched for them, or they switched off every block that needs nothing kept
NOT_ADAPTED = "No page is adapted to you meanwhile: you see the site as it is."
ADAPTED = frozenset(
    {"gpc", GPC_NO_CONSENT, "consent", "withdrawn", "revoked"}
)  # contextual blocks still shown

# Said to a signed-in visitor: the profile is the account's, the choices this browser's. Where
# this device adds nothing (the privacy decision ``reason``), it says so; where the account's
# profile takes nothing from any device (revoked) or nobody is personalised (bot), nothing.
_SHOWS = " On your other devices, what you switch off here still shows, and what you do there is"
DEVICES = {
    "": (
        "You are signed in: what we keep is kept under your account, for all your devices, but "
        "the choices on this page are kept on this device only." + _SHOWS + " still kept, "
        "until you choose there too."
    ),
    "gpc": (
        "You are signed in, but while your browser sends Global Privacy Control (or Do Not "
        "Track), nothing from this device is added to what is kept under your account."
        + _SHOWS
        + " kept, unless they send it too or the site waits for your consent there."
    ),
    GPC_NO_CONSENT: (
        "You are signed in, but while your browser sends Global Privacy Control (or Do Not "
        "Track) and you have not given consent here, nothing from this device is added to what "
        "is kept under your account." + _SHOWS + " kept, unless they send it too or the site "
        "waits for your consent there."
    ),
    "consent": (
        "You are signed in, but until you give consent here, nothing from this device is added "
        "to what is kept under your account. On your other devices, what you do there is kept "
        "where you gave it."
    ),
    "withdrawn": (
        "You are signed in, but since you withdrew your consent here, nothing from this device "
        "is added to what is kept under your account. On your other devices, what you do there "
        "is kept where you gave it."
    ),
}
DEVICES["nothing"] = DEVICES[""]  # "we store nothing new" is said above it: old data stays


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
    every block back, beside the privacy decision)."""
    note = _note(reason, is_kept, choices, switch, adapts, dismiss, cookie, signed_in)
    return note + also_nothing(reason) if nothing and note and reason in HELD_BY else note


def also_nothing(reason: str) -> str:
    """Said after the note on the privacy decision ``reason`` (one of HELD_BY) to a visitor
    who chose "Personalise nothing for me" too: both hold, and what brings blocks back."""
    said = " You also chose “Personalise nothing for me”: no block is shown to you while it is on"
    when = NAMED_WHEN[reason]
    if when:  # (the blocks on the page, the time ... come back once it is unticked)
        said += f", and those that use what you did here come back only {when} and you untick it"
    return said + "."


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
            note = note.replace(_CHOICES_KEPT, _CHOICES_SIGNED_IN)
    else:
        note = PRIVATE_NOTES.get(reason, "")
        if cookie:  # (only the GPC notes say "set no personalisation cookie")
            note = note.replace(NO_COOKIE, SIGNED_IN_ONLY if signed_in else ID_ONLY, 1)
    if reason not in ADAPTED:
        return note
    if not adapts:  # no block to switch off either
        return note.replace(MOMENT, NOT_ADAPTED)
    if switch is not None:
        on_block = _ON_BLOCK if dismiss else ""  # (no block has an "i" without it)
        if switch and note.endswith((_CHOICES_KEPT, _CHOICES_SIGNED_IN)):  # (said just before)
            note += _BELOW + on_block + "."
        elif switch:
            note += _BELOW + on_block + (_IN_SIGNED_IN if signed_in else _IN_COOKIE)
        else:
            note += _NO_SWITCH
    return note
