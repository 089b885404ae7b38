"""Identify: a signed first-party cookie carries a random 128-bit visitor id (its forms:
omotenashi/ids.py).

A missing, tampered or expired cookie is a new anonymous visitor, never an error.
Keys rotate: the first configured key signs, every key verifies.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from itertools import islice
from typing import Any

from itsdangerous import BadData, URLSafeTimedSerializer
from itsdangerous.encoding import base64_decode, bytes_to_int

from omotenashi.engine.flash import Flash
from omotenashi.engine.renames import Renames
from omotenashi.engine.restraint import MAX_NAMES, Kept, Prefs, fit
from omotenashi.identity.moves import Moves
from omotenashi.identity.timed import CLOCK_SKEW, loads_timed
from omotenashi.ids import is_user_id, is_visitor_id, new_vid
from omotenashi.settings import CookieSettings, Settings

log = logging.getLogger("omotenashi")

_SALT = "omotenashi.visitor"
_SIGNED = re.compile(r"[A-Za-z0-9_.-]+")  # what URLSafeTimedSerializer writes
# Browsers drop a cookie over 4,096 bytes (RFC 6265 counts name, value and attributes): the
# whole Set-Cookie value stays under MAX_SET_COOKIE, and a save leaves room below it for a
# later sign-in or consent, which add to the cookie without going through a save.
MAX_SET_COOKIE = 4000
# seconds the preferences page may still say what was just done (a slow network, a reload)
NOTICE_AGE = 300
MAX_COOKIE = 4096  # the longest cookie browsers keep (name and value)
COOKIES_TRIED = 4  # visitor cookies of our name tried, in the order sent (CookieSigner.identify)
COOKIES_READ = 16  # ... among this many of our name, junk and empty ones included
_NONE = object()  # (cookie_values yields None for an empty value: this is none at all)
SAVE_BUDGET = 3800
AT_NO_KNOWN_TIME = 0.0  # (older than any choice made here, renewed at once: see read)


def _with_history_off(prefs: dict[str, Any], history: str) -> dict[str, Any]:
    """A cookie's choices, the kind ``history`` (the browsing history's now) among those off."""
    off = prefs.get("c")
    off = off if isinstance(off, list) else []
    return prefs if history in off else {**prefs, "c": [history, *off]}  # (first: kept)


@dataclass(frozen=True)
class Identity:
    """Who this request is: the visitor id and what the cookie said."""

    vid: str
    is_new: bool  # no valid cookie came with the request
    issued_at: float  # when the cookie was signed (now, for a new visitor)
    user: str | None = None  # the profile id of a signed-in user (never the raw user id)
    prefs: dict[str, object] = field(default_factory=dict)
    flash: Flash | None = None  # what a choice made from a page did, said on the next one
    # new, but ours may be among the cookies not read (a Cookie header past what is read, more
    # of our name than are tried): who this is cannot be told (respect/privacy.py "unread")
    unread: bool = False
    # ... or the first of several of ours that hold (a sibling subdomain may have set one: it
    # is not renewed then, which would write it over the visitor's own: sec61)
    several: bool = False
    # the rule set's former names (formerly:): a cookie signed from it keeps them too
    renames: Renames | None = field(default=None, compare=False, repr=False)
    # the cookie's value as it came ("" for a new one; identity/moves.py)
    signed: str = field(default="", compare=False, repr=False)

    @property
    def pid(self) -> str:
        """The profile id: the signed-in user's, else the visitor's."""
        return self.user or self.vid


def renamed(ident: Identity, renames: Renames, history: str = "") -> Identity:
    """``ident`` with the rules and kinds its choices switched off under the names they have
    now (a rule's or category's ``formerly:``, engine/renames.py): every check, the preferences
    page and a save read those, and the word a dismiss left for the next page (its flash);
    a cookie set from it keeps the names now, and each one's former names after them
    (``Renames.written``: a release without the rename, during a rolling deploy or after a
    rollback, keeps the block off). ``history``: the browsing history's kind, never renamed
    away (``Renames.cookie``)."""
    if not renames:
        return ident
    prefs, flash = renames.cookie(ident.prefs, history), ident.flash
    if flash is not None and flash.rule in renames.rules:
        flash = replace(flash, rule=renames.rules[flash.rule])
    return replace(ident, prefs=prefs, flash=flash, renames=renames)


class CookieSigner:
    """Signs and reads the visitor cookie."""

    def __init__(self, settings: Settings) -> None:
        keys = [k.get_secret_value() for k in settings.secret_keys]
        if not keys:
            log.warning(
                "omotenashi: no OMOTENASHI_SECRET_KEYS set; using a random key for this process "
                "(visitors become new visitors on every restart and, with several workers, on "
                "every request that reaches another worker: set OMOTENASHI_SECRET_KEYS)"
            )
            keys = [secrets.token_urlsafe(32)]
        # itsdangerous signs with the last key; ours sign with the first.
        self._serializer = URLSafeTimedSerializer(list(reversed(keys)), salt=_SALT)
        self.user_salt = settings.user_salt.get_secret_value() or derive_user_salt(keys)
        self._csrf_key = hashlib.sha256(b"omotenashi.csrf:" + keys[0].encode()).digest()
        self.moves = Moves()  # the ids whose cookie a choice replaced (identity/moves.py)
        self._csrf: dict[str, str] = {}  # vid -> token, computed once per recent visitor
        self.cookie: CookieSettings = settings.cookie
        # Verified cookie values → identity: a returning visitor is checked once, not per page.
        self._verified: dict[str, Identity] = {}
        self.history = settings.respect.history_category  # never renamed away (formerly:)

    def sign(self, ident: Identity) -> str:
        """The cookie's value for ``ident``, told to :attr:`moves` (identity/moves.py) with
        the second it carries."""
        value = self._signed(ident)
        second = bytes_to_int(base64_decode(value.rsplit(".", 2)[-2]))
        self.moves.note_signed(ident.vid, second, value)
        return value

    def _signed(self, ident: Identity) -> str:
        payload: dict[str, object] = {"v": ident.vid}
        if ident.user:
            payload["u"] = ident.user
        if ident.prefs:
            payload["p"] = ident.prefs
            if ident.renames is not None:  # the former names too: a release without formerly:
                payload["p"] = ident.renames.written(ident.prefs, self.history, MAX_NAMES)
            off = ident.prefs.get("c")
            if isinstance(off, list) and self.history in off:  # the history off, by any name
                payload["h"] = 1  # (upgrade67: OMOTENASHI_RESPECT_HISTORY_CATEGORY renamed)
        if ident.flash is not None and ident.flash.fresh(time.time()):  # a stale one: dropped
            payload["f"] = ident.flash.to_cookie()
        return self._serializer.dumps(payload)

    def read(self, value: str | None) -> Identity | None:
        """The identity in a cookie value, or None when it is absent or not ours."""
        if not value or not _SIGNED.fullmatch(value):  # only what our signer writes:
            return None  # base64 is decoded leniently, junk after a valid value would pass
        life = self.cookie.max_age  # (signed ahead by up to its life, or a day: a node whose
        try:  # clock is wrong, upgrade67; a day too for a life shorter than that, review67)
            payload, signed_at = loads_timed(self._serializer, value, life, max(life, CLOCK_SKEW))
        except BadData:
            return None
        except Exception:  # malformed base64/JSON inside a valid-looking value
            return None
        if not isinstance(payload, dict) or not is_visitor_id(str(payload.get("v", ""))):
            return None
        user = payload.get("u")
        prefs = payload.get("p")
        if payload.get("h") == 1 and isinstance(prefs, dict):  # their history stays off
            prefs = _with_history_off(prefs, self.history)
        issued = signed_at.timestamp()
        return Identity(
            vid=payload["v"],
            is_new=False,
            # signed more than CLOCK_SKEW ahead: when is unknown, so it is older than any
            # choice made here (identity/moves.py) and renewed with this clock's time
            issued_at=issued if issued <= time.time() + CLOCK_SKEW else AT_NO_KNOWN_TIME,
            user=user if isinstance(user, str) and is_user_id(user) else None,
            prefs=prefs if isinstance(prefs, dict) else {},
            flash=Flash.from_cookie(payload.get("f")),
            signed=value,
        )

    def as_now(self, ident: Identity, renames: Renames) -> Identity:
        """:func:`renamed`, the site's browsing-history kind kept as it is."""
        return renamed(ident, renames, self.history)

    def identify(
        self, cookie_header: str | None, renames: Renames | None = None, *, cut: bool = False
    ) -> Identity:
        """The visitor the cookie names (else a new one, ``unread`` when ours may be among
        cookies not read: past what was read of the header, ``cut``, or past those tried);
        ``renames`` given, its choices under the names now (:meth:`as_now`)."""
        if renames is not None:
            return self.as_now(self.identify(cookie_header, cut=cut), renames)
        # The first of our cookies that holds: another of the same name first (set by a
        # staging site, another path or an old domain, or broken) does not make this visitor
        # a stranger, whose new cookie would replace theirs. A few that could be ours are
        # verified, no more (values our signer never writes, empty ones too, are passed over
        # without counting), among the first COOKIES_READ of its name (a header full of them is
        # not walked in Python on every request).
        values = cookie_values(cookie_header, self.cookie.name)
        named = islice(values, COOKIES_READ)
        ours = (v for v in named if v and _SIGNED.fullmatch(v))
        for tried, value in enumerate(islice(ours, COOKIES_TRIED), 1):
            if (ident := self._verified_or_read(value)) is not None:
                # another of ours that holds another id came too (the ones before it did not
                # hold: a staging site's is no matter; last61b), among those left to try:
                # renewed, this one would be written over it (a sibling subdomain's: sec61)
                left = islice(ours, COOKIES_TRIED - tried)
                if any(self._other(ident, other) for other in left):
                    return replace(ident, several=True)
                return ident
        # (one more that could be ours, untried; or more of its name, unread)
        unread = cut or next(ours, None) is not None or next(values, _NONE) is not _NONE
        return Identity(vid=new_vid(), is_new=True, issued_at=time.time(), unread=unread)

    def _other(self, ident: Identity, value: str) -> bool:
        """Whether ``value`` is a cookie of ours naming another visitor than ``ident``."""
        other = self._verified_or_read(value)
        return other is not None and (other.vid, other.user) != (ident.vid, ident.user)

    def _verified_or_read(self, value: str) -> Identity | None:
        """The visitor cookie ``value`` names, verified once, not per page; None when it does
        not hold (its signature, its age, its form)."""
        ident = self._verified.get(value)
        if ident is None or time.time() - ident.issued_at > self.cookie.max_age:
            ident = self.read(value)
            if ident is not None:
                if len(self._verified) >= 4096:
                    self._verified.clear()
                self._verified[value] = ident
        return ident

    def csrf_token(self, ident: Identity) -> str:
        """A per-visitor token for the forms Omotenashi serves (preferences, dismiss)."""
        token = self._csrf.get(ident.vid)
        if token is None:
            token = hmac.new(self._csrf_key, ident.vid.encode(), hashlib.sha256).hexdigest()[:32]
            if len(self._csrf) >= 4096:  # bounded: recent visitors only
                self._csrf.clear()
            self._csrf[ident.vid] = token
        return token

    def notice_mark(self, vid: str, notice: str, at: int | None = None) -> str:
        """``<time>.<mac>``: that ``notice`` (what the preferences page says was just done) was
        given now to the browser that sends ``vid`` next ("" for one that sends no cookie)."""
        at = int(time.time()) if at is None else at
        said = f"notice\0{vid}\0{notice}\0{at}".encode()
        return f"{at:x}.{hmac.new(self._csrf_key, said, hashlib.sha256).hexdigest()[:24]}"

    def notice_holds(self, vid: str, notice: str, mark: str) -> bool:
        """Whether ``mark`` is :meth:`notice_mark`'s for them, at most NOTICE_AGE seconds old."""
        at_text = mark.partition(".")[0]
        if len(mark) > 64 or not at_text.isascii() or not at_text.isalnum():
            return False
        at = int(at_text, 16) if all(c in "0123456789abcdef" for c in at_text) else -1
        if not -60 <= time.time() - at <= NOTICE_AGE:  # (a server whose clock is behind)
            return False
        return hmac.compare_digest(self.notice_mark(vid, notice, at).encode(), mark.encode())

    def check_csrf(self, ident: Identity, token: str) -> bool:
        """Whether ``token`` is this visitor's; any other value (non-ASCII too) is not."""
        expected = self.csrf_token(ident).encode()
        return hmac.compare_digest(expected, token.encode("utf-8", "surrogatepass"))

    def needs_refresh(self, ident: Identity) -> bool:
        return ident.is_new or time.time() - ident.issued_at > self.cookie.refresh_after

    def fit(
        self, ident: Identity, categories: Mapping[str, str], *, secure: bool
    ) -> tuple[Identity, Kept]:
        """The identity with choices that fit the cookie (see ``engine.restraint.fit``), given
        the rules in force as ``{rule id: category}``, and how they were kept. Its flash is
        kept only when every choice was kept as given and it fits too: it never costs one."""
        flash, ident = ident.flash, replace(ident, flash=None)

        def fits(prefs: Prefs) -> bool:
            candidate = replace(ident, prefs=prefs.to_cookie())
            return len(self._header(candidate, secure=secure)) <= SAVE_BUDGET

        prefs, kept = fit(Prefs.from_cookie(ident.prefs, exact=True), categories, fits)
        ident = replace(ident, prefs=prefs.to_cookie())
        said = replace(ident, flash=flash)
        if (
            flash is not None
            and not kept.notice
            and len(self._header(said, secure=secure)) <= SAVE_BUDGET
        ):
            ident = said
        return ident, kept

    def set_cookie_header(self, ident: Identity, *, secure: bool) -> bytes:
        header = self._header(ident, secure=secure)
        if len(header) > MAX_SET_COOKIE and ident.prefs:  # never a cookie the browser drops
            log.warning(
                "omotenashi: the visitor's choices no longer fit in the cookie; "
                "personalisation is switched off for them"
            )
            prefs = Prefs.from_cookie(ident.prefs)
            last = Prefs(nothing=True, consent=prefs.consent, withdrawn=prefs.withdrawn)
            header = self._header(replace(ident, prefs=last.to_cookie()), secure=secure)
        return header

    def expired_cookie_header(self, *, secure: bool) -> bytes:
        """The visitor cookie removed: the same name, path, domain and flags as when set."""
        c = self.cookie
        domain = f"; Domain={c.domain}" if c.domain else ""
        return (
            f"{c.name}=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path={c.path}; "
            f"HttpOnly; SameSite=Lax{domain}{'; Secure' if secure else ''}"
        ).encode("latin-1")

    def _header(self, ident: Identity, *, secure: bool) -> bytes:
        header = self._line(ident, secure=secure)
        if ident.renames is not None and len(header) > SAVE_BUDGET:  # former names never
            header = self._line(replace(ident, renames=None), secure=secure)  # cost a choice
        return header

    def _line(self, ident: Identity, *, secure: bool) -> bytes:
        c = self.cookie
        parts = [
            f"{c.name}={self.sign(ident)}",
            f"Max-Age={c.max_age}",
            f"Path={c.path}",
            "HttpOnly",
            "SameSite=Lax",
        ]
        if c.domain:
            parts.append(f"Domain={c.domain}")
        if secure:
            parts.append("Secure")
        return "; ".join(parts).encode("latin-1")


def derive_user_salt(keys: list[str]) -> str:
    """The salt of users' profile ids when OMOTENASHI_USER_SALT is unset: secret, derived from
    the last (oldest) signing key, so it survives adding new keys in front. Retiring that key
    changes it: set OMOTENASHI_USER_SALT before you do (see SECURITY.md)."""
    return hmac.new(keys[-1].encode(), b"omotenashi.user-salt", hashlib.sha256).hexdigest()


def cookie_value(header: str | None, name: str) -> str | None:
    """The value of cookie ``name`` in a Cookie header (first wins), as browsers send it;
    None when it is empty or longer than a browser keeps (4,096 bytes)."""
    if not header or name not in header:  # (most headers: no generator made)
        return None
    return next(cookie_values(header, name), None)


def cookie_values(header: str | None, name: str) -> Iterator[str | None]:
    """Each value of cookie ``name`` in a Cookie header, in the order sent (a browser sends the
    most specific path first, then the oldest): None for an empty one or one longer than a
    browser keeps (4,096 bytes).

    Looked for where the name is (searched in C), each cookie at most once, not by splitting
    the header: the work stays linear, and small beside the header's size, however it is made
    up.
    """
    if not header or name not in header:
        return
    find = _named(name).search
    boundary, pos = -1, 0  # the ";" before the cookie at pos (-1: the header's start)
    while (m := find(header, pos)) is not None:
        at, after = m.start(), m.end()
        semi = header.rfind(";", pos, at)
        boundary = semi if semi >= 0 else boundary
        stop = header.find(";", after)
        stop = len(header) if stop < 0 else stop
        if not header[boundary + 1 : at].strip():  # only white space before the name: ours
            long = stop - after > MAX_COOKIE
            yield None if long else header[after:stop].strip().strip('"') or None
            boundary = stop  # (a value holds no ";": on after it)
        else:  # the name inside another cookie: on to the next
            boundary = header.find(";", at)
        if boundary < 0 or boundary >= len(header):
            return
        pos = boundary + 1


@lru_cache(maxsize=16)
def _named(name: str) -> re.Pattern[str]:
    """A cookie's name, white space and "=" (a literal start: searched fast)."""
    return re.compile(re.escape(name) + r"\s*=")


def user_profile_id(secret: str, user_id: str) -> str:
    """A stable, opaque profile id for a site's user id (the raw id never leaves the server)."""
    raw = user_id.encode("utf-8", "surrogatepass")  # any str, even a lone surrogate from JSON
    digest = hmac.new(secret.encode(), b"omotenashi.user:" + raw, hashlib.sha256)
    return "u" + digest.hexdigest()[:32]
