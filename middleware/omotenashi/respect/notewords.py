"""The words the preferences page and the data page say the privacy decision with
(respect/notes.py puts them together): what is kept, what may still adapt, and what the
visitor can switch off. Keyed by respect/privacy.py ``Privacy.said``."""

from __future__ import annotations

from omotenashi.engine.privacywords import GPC_CONSENTED, GPC_NO_CONSENT

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
# nothing is kept until the browser stops asking and consent is given; where consent was
# given (GPC_CONSENTED), that GPC comes before it (consent50)
_GPC_SENDS = (
    "Your browser sends Global Privacy Control (or Do Not Track): a signal that asks sites "
    "not to track you. We honour it."
)
_GPC_NO_CONSENT_SENDS = (
    "Your browser sends Global Privacy Control (or Do Not Track): a signal that asks sites "
    "not to track you, and you have not given consent to personalisation. We honour both."
)
_GPC_CONSENTED_SENDS = (
    "Your browser sends Global Privacy Control (or Do Not Track): a signal that asks sites "
    "not to track you. You gave consent to personalisation here, but that signal comes first. "
    "We honour it."
)
_SITE_COOKIES = "(the site's own cookies, such as one that keeps your cart, are the site's). "
PRIVATE_NOTES = {
    "gpc": f"{_GPC_SENDS} {NO_COOKIE.removesuffix(' (')} {_SITE_COOKIES}{MOMENT}",
    "consent": (
        "You have not given consent to personalisation, so we keep nothing about you from this "
        "browser and set no new cookie. " + MOMENT
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
    "unread": (
        "Your browser sent this site more cookies than we read, and ours was not among those "
        "we read: we cannot tell whether we have met, nor what you chose here before. So we "
        "keep nothing about you from this visit, and leave our cookie as it is (with any "
        "choices in it), unless you withdraw your consent here: then it keeps that instead. "
        + MOMENT
        + " Removing some of this site's cookies in your browser lets us read ours again."
    ),
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
CHOICES_KEPT = (
    " Only your choices on this page are kept, in a cookie on this device with an id nothing "
    "is stored under, so they still hold later."
)
# ... where that cookie holds their sign-in too (nothing stored under the account: else the
# profile kept is said instead, KEPT_NOTES)
CHOICES_SIGNED_IN = (
    " Only your choices on this page and your sign-in (the link to your account, with nothing "
    "stored under it) are kept, in a cookie on this device, so they still hold later."
)
CHOICES_NOTES = {  # the cookie that keeps the choices may have been set just now: no "no cookie"
    "gpc": f"{_GPC_SENDS} We keep nothing about you from this browser {_SITE_COOKIES}{MOMENT}"
    + CHOICES_KEPT,
    "consent": (
        "You have not given consent to personalisation, so we keep nothing about you from "
        "this browser. " + MOMENT + CHOICES_KEPT
    ),
    "withdrawn": PRIVATE_NOTES["withdrawn"] + CHOICES_KEPT,
}
for _notes in (PRIVATE_NOTES, CHOICES_NOTES):  # GPC_NO_CONSENT's: the GPC ones, naming both
    _notes[GPC_NO_CONSENT] = _notes["gpc"].replace(_GPC_SENDS, _GPC_NO_CONSENT_SENDS, 1)
for _notes in (PRIVATE_NOTES, KEPT_NOTES, CHOICES_NOTES):  # GPC_CONSENTED's: GPC comes first
    _notes[GPC_CONSENTED] = _notes["gpc"].replace(
        _GPC_SENDS.removesuffix("."), _GPC_CONSENTED_SENDS.removesuffix("."), 1
    )


# Said after the note where blocks that use nothing kept may still be shown (``switch``): the
# visitor can switch them off (with "Don't show me this" too where blocks have their "i"), or
# why no choice can be kept for them.
BELOW, ON_BLOCK = (
    " You can switch those blocks off below",
    ", or with “Don't show me this” on a block",
)
IN_COOKIE = ": we keep that choice in a cookie on this device, and nothing about you with it."
IN_SIGNED_IN = (  # (that cookie holds their sign-in too)
    ": we keep that choice in the cookie on this device that holds your sign-in, and nothing "
    "else about you with it."
)
NO_SWITCH = (
    " These blocks use nothing we keep about you. We cannot keep a choice to switch them off, "
    "though: a choice is kept only in a cookie, and we set none until you give consent."
)
# ... where our cookie could not be read (the reason "unread": there is no consent to give)
NO_SWITCH_UNREAD = (
    " These blocks use nothing we keep about you. We cannot keep a choice to switch them off, "
    "though: a choice is kept only in our cookie, which we cannot read now."
)
# Said instead of MOMENT where no page adapts for this visitor: the site's setting passes pages
# untouched for them, or they switched off every block that needs nothing kept
NOT_ADAPTED = "No page is adapted to you meanwhile: you see the site as it is."
ADAPTED = frozenset(
    {"gpc", GPC_NO_CONSENT, GPC_CONSENTED, "consent", "withdrawn", "revoked", "unread"}
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
DEVICES[GPC_CONSENTED] = DEVICES["gpc"].replace(
    "(or Do Not Track),", "(or Do Not Track), which comes before the consent you gave here,", 1
)
DEVICES["nothing"] = DEVICES[""]  # "we store nothing new" is said above it: old data stays
