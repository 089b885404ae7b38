"""One decision, one place: what may be read, stored and used about the visitor of a request.

Every path calls :func:`decide_privacy`: page views, the beacon, the app's calls (``track``,
``identify`` ...) and the preferences page. Nothing else looks at Sec-GPC, DNT or consent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from omotenashi.engine.privacywords import GPC_CONSENTED, GPC_NO_CONSENT
from omotenashi.engine.restraint import Prefs
from omotenashi.identity.cookie import cookie_value
from omotenashi.settings import RespectSettings

CONSENT_VALUES = frozenset({"1", "yes", "true", "granted"})
# A refusal the banner's cookie records: no consent now, whatever consent() said before or
# says after (the banner may record a "no" after an "accept" given in Python: consent50). Not
# a withdrawal: nothing is erased; a "yes" in that cookie (or the cookie gone, with consent
# given in Python) resumes.
REFUSAL_VALUES = frozenset({"0", "no", "false", "denied", "declined", "rejected"})
# Where a visitor without our cookie may be given one to keep a choice they just made ("don't
# show me this", a switch): it holds that choice and an id nothing is stored under. Never
# without consent where consent is required: no cookie at all until it is given.
NEW_CHOICE_COOKIE = frozenset({"", "gpc"})


@dataclass(frozen=True)
class Privacy:
    """``reason`` is "" when the visitor's profile may be read and written, else why not:
    ``"bot"``, ``"revoked"`` (the site revoked this visitor or user id), ``"withdrawn"`` (the
    visitor withdrew consent: holds in every mode until consent is given again), ``"gpc"``
    (Sec-GPC or DNT), ``"consent"`` (consent mode without consent), ``"unread"`` (our
    cookie may be among more cookies than are read: who this is, and what they chose, cannot
    be told; their cookie is left as it is) or ``"nothing"`` (the visitor chose
    "personalise nothing", and nothing above holds). The visitor's own choice
    comes last, as their kinds switched off do: what the pages say of a block it holds back
    names the reason above it too (respect/notes.py), which unticking it would not lift."""

    reason: str = ""
    consent_missing: bool = False  # consent mode and no consent given, whatever the reason
    consent_given: bool = False  # consent mode and consent given (said under GPC: it comes first)
    # our cookie may be among cookies not read, whatever the reason: no choice is kept (a new
    # cookie for it would replace theirs)
    unread: bool = False

    @property
    def private(self) -> bool:
        """Nothing about this visitor is read, written or remembered (no new cookie either)."""
        return bool(self.reason)

    @property
    def said(self) -> str:
        """What the pages and an *Undo* say it with (the privacywords/notes tables' key): the
        reason, but :data:`GPC_NO_CONSENT` for GPC where consent is missing too, so that both
        holds are named and what lifts them is both, and :data:`GPC_CONSENTED` for GPC where
        consent is required and given (the words say GPC comes before it). For words only:
        every check of the decision asks ``reason`` (or ``private``, ``keeps_choices``)."""
        if self.reason != "gpc":
            return self.reason
        if self.consent_missing:
            return GPC_NO_CONSENT
        return GPC_CONSENTED if self.consent_given else self.reason

    def keeps_choices(self, has_cookie: bool) -> bool:
        """Whether a choice the visitor makes ("don't show me this", a switch) can be kept, in
        their cookie (``has_cookie``: the request came with ours). With one, always (never
        for a bot, who is shown nothing to choose about); without one, only where a new cookie
        may be set for it (:data:`NEW_CHOICE_COOKIE`); never where ours could not be read."""
        if self.reason == "bot" or self.unread:
            return False
        return has_cookie or (self.reason in NEW_CHOICE_COOKIE and not self.consent_missing)


# Every decision is one of these (immutable, so shared): no instance is built per request.
_ALLOWED, _BOT, _REVOKED, _WITHDRAWN, _GPC, _NOTHING = (
    Privacy(reason) for reason in ("", "bot", "revoked", "withdrawn", "gpc", "nothing")
)
_UNREAD = Privacy("unread", unread=True)
_NO_CONSENT = Privacy("consent", consent_missing=True)
_GPC_NO_CONSENT = Privacy("gpc", consent_missing=True)  # no new cookie, even for a choice
_GPC_CONSENTED = Privacy("gpc", consent_given=True)


def decide_privacy(
    headers: Mapping[str, str],
    prefs: Prefs,
    respect: RespectSettings,
    *,
    bot: bool = False,
    revoked: bool = False,
    unread: bool = False,
) -> Privacy:
    """The privacy decision for one request, from its headers, the visitor's own choices and
    the site's deny-list (``revoked``: the profile store marks the id as revoked; ``unread``:
    the visitor's cookie may be among those not read, identity/cookie.py: said by the
    decision whatever its reason)."""
    decided = _decided(headers, prefs, respect, bot, revoked, unread)
    return replace(decided, unread=True) if unread and not decided.unread else decided  # (rare)


def _decided(
    headers: Mapping[str, str],
    prefs: Prefs,
    respect: RespectSettings,
    bot: bool,
    revoked: bool,
    unread: bool,
) -> Privacy:
    if bot:
        return _BOT
    if revoked:
        return _REVOKED
    if prefs.withdrawn and not prefs.consent:
        return _WITHDRAWN
    consent_missing = unknown = False
    if respect.consent_required:
        banner = (cookie_value(headers.get("cookie"), respect.consent_cookie) or "").strip().lower()
        consent_missing = banner in REFUSAL_VALUES or (
            not prefs.consent and banner not in CONSENT_VALUES
        )
        # a consent given in our cookie cannot be seen where it is unread: not said missing
        # (final61: "you have not given consent" to a visitor who had)
        unknown = unread and consent_missing and banner not in REFUSAL_VALUES
        consent_missing = consent_missing and not unknown
    if respect.honour_gpc and (says_one(headers.get("sec-gpc")) or says_one(headers.get("dnt"))):
        if not respect.consent_required or unknown:
            return _GPC
        return _GPC_NO_CONSENT if consent_missing else _GPC_CONSENTED
    if consent_missing:  # (with "personalise nothing" too: unticking it would not lift this)
        return _NO_CONSENT
    if unread:  # (they may have chosen "personalise nothing": a new cookie would lose it)
        return _UNREAD
    if prefs.nothing:  # "personalise nothing": only that choice is kept, in the cookie
        return _NOTHING
    return _ALLOWED


def says_one(value: str | None) -> bool:
    """Whether a GPC or DNT header says "1": on any of its lines (asgi/arrival.py keeps one
    that does over a later line), or in a list a proxy folded them into ("1, 0"; inputs60)."""
    if value is None or value == "":
        return False
    return value == "1" or "1" in map(str.strip, value.split(","))


def pages_adapt(private: bool, private_contextual: bool) -> bool:
    """Whether a visitor's pages may adapt at all: a private one's go through untouched where
    the site says so (``OMOTENASHI_RESPECT_PRIVATE_CONTEXTUAL`` false). Asked by the pages
    (asgi/middleware.py, asgi/responder.py) and by what the preferences page says of them."""
    return private_contextual or not private
