"""Why the privacy decision holds back a block the visitor left on, in the one set of words
every page says it with: the preferences page (respect/notes.py) and the confirmation after
an *Undo* (engine/flash.py). Keyed by respect/privacy.py ``Privacy.said``: the decision's
reason, or :data:`GPC_NO_CONSENT` where both GPC and missing consent hold (the words name both,
and both conditions to lift them); kept on the engine's side, which respect/ may import (the
engine imports nothing of respect/)."""

from __future__ import annotations

from collections.abc import Mapping

# The wording key of GPC (or Do Not Track) sent where consent is required and not given: the
# reason is "gpc", but the blocks stay off until both are lifted (respect/privacy.py ``said``)
GPC_NO_CONSENT = "gpc+consent"
# ... and where consent is required and given: GPC comes first, and the words say so (the
# visitor who gave consent would otherwise wonder why it is not honoured)
GPC_CONSENTED = "gpc+consented"
_GPC = "your browser asks sites not to track you (Global Privacy Control or Do Not Track)"
_UNREAD = "your browser sends more cookies than we read, and ours is not among those we read"

# Privacy.said -> (why it is held back, after "while"; when it may show again, "" where nothing the
# visitor does here brings it back: the site revoked them). "bot" and "nothing" are not here:
# a bot is shown nothing to choose about, and "personalise nothing" is said as their choice.
HELD_BY: Mapping[str, tuple[str, str]] = {
    "gpc": (_GPC, "when your browser no longer asks that"),
    GPC_NO_CONSENT: (
        f"{_GPC} and you have not given consent to personalisation",
        "when your browser no longer asks that and you give consent",
    ),
    GPC_CONSENTED: (
        f"{_GPC}, which comes before the consent you gave",
        "when your browser no longer asks that",
    ),
    "consent": ("you have not given consent to personalisation", "once you give it"),
    "withdrawn": ("you have withdrawn your consent", "if you give it again"),
    "revoked": ("this site has turned personalisation off for you", ""),
    "unread": (_UNREAD, "when your browser sends this site fewer cookies"),
}
# ... and when it may, said where nothing before names the reason (a kind's card, a note read
# alone): "that" and "it" would refer to nothing there
NAMED_WHEN: Mapping[str, str] = {
    "gpc": "when your browser no longer asks sites not to track you",
    GPC_NO_CONSENT: (
        "when your browser no longer asks sites not to track you and you give consent to "
        "personalisation"
    ),
    GPC_CONSENTED: "when your browser no longer asks sites not to track you",
    "consent": "once you give consent to personalisation",
    "withdrawn": "if you give your consent again",
    "revoked": "",
    "unread": "when your browser sends this site fewer cookies",
}
# Said instead where the reason is not one of those (none reaches a page that says it: a
# bot's pages are never rewritten, and "nothing" is said as the visitor's own choice)
KEEP_NOTHING = "we keep nothing about you"


def held_by(reason: str) -> str:
    """Why ``reason`` holds a block on what the visitor did back, to follow "while"."""
    return HELD_BY[reason][0] if reason in HELD_BY else KEEP_NOTHING


def undone_still_off(reason: str, also: bool) -> str:
    """Said after "Undone: … is switched back on." of a block on what the visitor did that the
    privacy decision ``reason`` holds back still (``also``: their other choices do too, said
    just before it: Personalise nothing, a kind off ...)."""
    still = "also" if also else "still"
    return f" It {still} stays off while {held_by(reason)}: it uses what you did here."


# Why a force link changes nothing for a private visitor (their pages get no forced variant)
PRIVATE_PREVIEW = {
    "gpc": "this browser sends Global Privacy Control or Do Not Track: it is never forced",
    "consent": "this browser has not given consent: it is never forced",
    "withdrawn": "this browser withdrew consent: it is never forced",
    "nothing": "this browser chose to personalise nothing: it is never forced",
    "unread": "this browser sent more cookies than are read, ours not among them: never forced",
    "revoked": "this visitor is revoked: it is never forced",
    "bot": "a bot is never forced",
}
