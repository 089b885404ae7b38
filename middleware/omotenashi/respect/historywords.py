"""What the preferences and data pages say of the browsing history switched off: its card
(:func:`history_card`) and the caveat beside the count of pages seen (:func:`not_counted`).
True of the visitor at that moment: under a privacy decision that keeps nothing about them
(GPC or Do Not Track, no consent ...) nothing at all is added, there is no "Start afresh" and
a sign-in links nothing (asgi/api.py ``identify``); else a sign-in with the history off erases
what they browsed rather than bringing it into their account (store/merging.py)."""

from __future__ import annotations

from omotenashi.engine.privacywords import HELD_BY, held_by
from omotenashi.engine.profile import Profile

# Said of the pages seen, with the browsing history off (no page view is counted then)
NOT_COUNTED = "pages you see while your browsing history is off are not counted"
# ... and once it is back on, of a profile that went without some (Profile.unrecorded)
WERE_NOT_COUNTED = "pages you saw while your browsing history was off are not counted"
# ... and of a profile a sign-in merged an anonymous one into, whose pages it left out as the
# history was off (store/merging.py: the same flag says so; erased_at_sign_in)
AT_SIGN_IN = ", nor those you saw before signing in while it was off"
# ... and of a profile that went without the pages seen under "Personalise nothing", once it
# is switched off (Profile.unrecorded_nothing: under it nothing is written; visitor70): said of
# a browser, as a choice is one browser's (privacy70: a signed-in user's other browsers)
NOTHING_WAS = "pages seen in a browser where you chose to personalise nothing are not counted"


def erased_at_sign_in(profile: Profile) -> bool:
    """Whether a sign-in merged into ``profile`` left out what was browsed before it (its marks
    say "h", engine/joined.py), or may have: a merge whose marks were not recorded (releases
    before them). A merge that joined the browsing erased none of it (visitor70)."""
    return any("h" in profile.joined.get(vid, "h") for vid in profile.merged)


def not_counted(
    history_off: bool, unrecorded: bool, signed_in_merged: bool = False, nothing: bool = False
) -> str:
    """What is said of the count of pages seen, "" when it counts them all: ``history_off``:
    the history is off now; ``unrecorded``: Profile.unrecorded, pages went uncounted;
    ``signed_in_merged``: a sign-in left out what was browsed before it
    (:func:`erased_at_sign_in`), so some are those; ``nothing``: Profile.unrecorded_nothing,
    pages went uncounted under "Personalise nothing"."""
    said = ""
    if history_off or unrecorded:
        said = NOT_COUNTED if history_off else WERE_NOT_COUNTED
        said += AT_SIGN_IN if unrecorded and signed_in_merged else ""
    if nothing:
        said = f"{said}; {NOTHING_WAS}" if said else NOTHING_WAS
    return said


_OFF = "Off: from now on, what you browse here is not kept or used to choose what you see."
_MAY_SHOW = "Blocks about the page, the time or your device may still show."
_NONE_SHOWN = "No other block is shown to you now either."
# The card's end, where what they do is kept (no privacy decision holds): what else is
_STILL_KEPT = (
    " (for how often a block may be shown), and your cart, bookings and what else you do here "
    "beyond browsing pages (such as playing a video), as the site reports it."
)


def browsed(profile: Profile) -> bool:
    """Whether the profile keeps anything the visitor browsed (what the history switched off
    leaves unused): pages counted, topics, items viewed, how they first came. A sign-in with
    the history off erased it rather than joining it (store/merging.py): then nothing is."""
    return bool(profile.views or profile.interests or profile.viewed or profile.first_touch)


def history_card(
    reason: str, adapts: bool, idle: str, kept: bool, signed_in: bool, browsed: bool = True
) -> str:
    """What the browsing history's card says when it is off (not under Personalise nothing:
    that card says so). ``reason``: the privacy decision's ("" where what they do is kept);
    ``adapts``: a block that needs nothing kept may still be shown to them; ``idle``: how long
    an idle profile is kept ("90 days"); ``kept``: something is kept about them (the page
    offers to erase it then); ``signed_in``: they are signed in (no sign-in to speak of);
    ``browsed``: something they browsed is kept (:func:`browsed`), which stays unused."""
    shown = _MAY_SHOW if adapts else _NONE_SHOWN
    if reason not in HELD_BY:  # what they do is kept, but for what they browse
        still = "which of those you saw and your visits" if adapts else "your visits"
        said = [_OFF]
        if kept and browsed:  # (a sign-in is said only to one who may still sign in)
            sign_in = "" if signed_in else "; signing in while this is off erases it rather "
            sign_in += "" if signed_in else "than bringing it into your account"
            said.append(
                "What was kept before stays, unused, until you start afresh, erase it or switch "
                f"this back on (or it expires, at the latest {idle} after your last visit)"
                f"{sign_in}."
            )
        return " ".join([*said, f"{shown} We still keep {still}{_STILL_KEPT}"])
    said = [_OFF]
    if kept:  # (no "Start afresh" here: "Erase everything about me" is offered)
        said.append(
            "What was kept before stays, unused, until you erase it (or it expires, at the "
            f"latest {idle} after your last visit)."
        )
    said.append(shown)
    link = "" if signed_in else ", and signing in brings nothing into your account"
    said.append(f"While {held_by(reason)}, we keep nothing new about you at all{link}.")
    return " ".join(said)
