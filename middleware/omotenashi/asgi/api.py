"""The Python API for the app: events, attributes, sign-in and sign-out.

    await track(request, "add_to_cart", {"item": "kyoto-autumn"})
    await remember(request, first_name="Aiko")
    await identify(request, user.id)      # after login: the anonymous profile merges in
    await forget(request)                 # after logout: a fresh anonymous visitor
    await revoke(request, user_id="42")   # end a user's (or visitor's) personalisation

Each is a no-op for requests Omotenashi does not handle (bots, excluded paths), and nothing is
stored for a visitor whose privacy decision (``respect.privacy.decide_privacy``: GPC/DNT, no
consent, withdrawn consent, a revoked id) says so.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import time
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from omotenashi.asgi.revoking import revoke as revoke
from omotenashi.asgi.revoking import user_text
from omotenashi.asgi.visitor import Visitor, get_visitor, left_alone
from omotenashi.engine import limits
from omotenashi.engine.profile import Profile
from omotenashi.engine.recommending import carried
from omotenashi.errors import PayloadError, StoreError
from omotenashi.identity.cookie import Identity, user_profile_id
from omotenashi.ids import new_vid
from omotenashi.quiet import Quiet
from omotenashi.respect.preferences import unlinked
from omotenashi.store import privacy as deny

log = logging.getLogger("omotenashi")
_QUIET = Quiet(log)

EVENT_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
NAME_RULE = "an event name is 1 to 40 lowercase letters, digits and _, starting with a letter"
MAX_EVENT_BYTES = 2048


def check_event(name: str, data: Mapping[str, Any] | None) -> dict[str, Any]:
    """The event's data as a plain dict, or PayloadError saying what is wrong with it (the
    bad value named: api55, a datetime was named by the whole data)."""
    if not isinstance(name, str) or not EVENT_NAME.fullmatch(name):  # ("a\n": api55)
        raise PayloadError(NAME_RULE, name)  # (journey65: "_x" was told "lowercase letters")
    if data is not None and not isinstance(data, Mapping):
        raise PayloadError("event data is a dict of names and plain JSON values", data)
    clean = dict(data or {})
    try:  # (a lone surrogate is taken, and left out when written)
        size = len(json.dumps(clean))
    except (TypeError, ValueError, RecursionError):  # the value at fault named, if one is
        for key, value in clean.items():
            try:
                json.dumps(value)
            except (TypeError, ValueError, RecursionError):
                raise PayloadError(f"event data {key!r} must be plain JSON values", value) from None
        raise PayloadError("event data's names are strings or numbers", list(clean)) from None
    if size > MAX_EVENT_BYTES:
        raise PayloadError(f"event data is over {MAX_EVENT_BYTES} bytes", size)
    return clean


async def track(request: Any, name: str, data: Mapping[str, Any] | None = None) -> None:
    """Record an event for this visitor (written after the response, with the page view).

    Built in: ``add_to_cart``/``remove_from_cart`` (``item``, ``qty``), ``purchase`` (empties
    the cart), ``view_item`` (``item``). Any other name is counted, for rules and the journey.
    """
    visitor = get_visitor(request)
    if visitor is None:
        _left_alone(request, "track")
        return
    event = check_event(name, data)  # a bad call is the app's bug, private or not
    if not visitor.private and not _ended(visitor, "track"):
        visitor.events.append((name, event))


async def remember(request: Any, **attrs: Any) -> None:
    """Store profile attributes (``first_name=...``) that rules can test with ``attr:``."""
    visitor = get_visitor(request)
    if visitor is None:
        _left_alone(request, "remember")
        return
    check_attrs(attrs)  # refuse what cannot be stored, here rather than after the response
    if len({**visitor.attrs, **attrs}) > limits.MAX_ATTRS:
        raise PayloadError(f"at most {limits.MAX_ATTRS} attributes", sorted(attrs))
    if not visitor.private and not _ended(visitor, "remember"):
        visitor.attrs.update(attrs)


def check_attrs(attrs: Mapping[str, Any]) -> None:
    """PayloadError unless every attribute has a short name and a small JSON value."""
    for key, value in attrs.items():
        if not 0 < len(key.encode("utf-8", "replace")) <= limits.MAX_ATTR_NAME:
            raise PayloadError(f"attribute names are 1-{limits.MAX_ATTR_NAME} bytes (UTF-8)", key)
        if not key.isprintable():
            raise PayloadError("attribute names are printable characters", key)
        try:
            size = len(json.dumps(value, allow_nan=False).encode())  # NaN: no JSON
        except (TypeError, ValueError, RecursionError):
            raise PayloadError("attribute values must be plain JSON values", key) from None
        if size > limits.MAX_ATTR_BYTES:
            raise PayloadError(f"attribute {key!r} is over {limits.MAX_ATTR_BYTES} bytes", size)


async def identify(request: Any, user_id: str) -> None:
    """Link a signed-in user: the anonymous profile merges into the user's, atomically.

    Later requests use the user's profile, on any device where they sign in. Only an anonymous
    profile merges: when another user was signed in in this browser, the new user starts from
    a fresh anonymous id and the other user's profile is left as it is (and what this request
    tracked before, theirs, is dropped). ``None`` and ``""`` are no user; ``0`` is one. Called
    after the response's headers went out, it changes nothing (the cookie cannot), and says so.
    """
    visitor = get_visitor(request)
    if visitor is None:
        _left_alone(request, "identify")
    if visitor is None or user_id is None or user_id == "" or visitor.services is None:
        return  # (0 is an id: only None and "" are none)
    user_text(user_id)
    if _too_late(visitor, "identify"):
        return
    services = visitor.services
    pid = user_profile_id(services.user_salt, str(user_id))
    identity = visitor.identity
    await visitor.loaded()  # a revoked id is private too, known once its read is back
    if visitor.privacy == "revoked" and identity.user not in (None, pid) and visitor.private:
        # a revoked user is signed in here: the user signing in now takes the browser, from a
        # fresh id, nothing of theirs merged (eye55b: no one could be linked there any more);
        # private until their next request. (A revoked browser id links no one: it stays.)
        _switch(visitor, _signed_in(identity, pid))
        return
    # under "Personalise nothing" the visitor signs in as ever (visitor64: linked to nothing,
    # the account's cart never came back, nor did it once they unticked it): what was kept
    # before the choice joins the account, and nothing new is kept while the choice holds
    if visitor.private and (visitor.privacy != "nothing" or await _revoked_here(visitor)):
        if identity.unread or (identity.user is not None and identity.user != pid):
            await _leave(visitor)  # under GPC/DNT, without consent, nothing links this, and
        return  # another user's id must not stay in it (unread: it may hold one: identity61)
    if identity.user == pid:
        return
    switching = identity.user is not None  # another user was signed in here
    if switching:  # what this request tracked so far was the other user's: not the new one's
        visitor.events.clear()
        visitor.attrs.clear()
    try:
        if await deny.is_revoked(services.store, pid):
            visitor.private, visitor.privacy, visitor.profile = True, "revoked", Profile()
            visitor.events.clear()
            visitor.attrs.clear()
            # a revoked user: nothing merged or written, but signed in, in the cookie, so this
            # browser stays private while the deny-list holds them (api55: its next pages
            # were kept anonymously), another user signed in here goes (eye55: they browsed
            # on as that one), and a sign-out or another's sign-in frees it (eye55b)
            _switch(visitor, _signed_in(identity, pid))
            if not switching:  # what this browser did before the sign-in was theirs
                await services.store.erase(identity.vid)
            return
        mark = services.store.erasures.mark  # (the user's profile is read after it)
        # what was kept under the anonymous id joins the account whenever the cookie becomes
        # the user's: a page fetched ahead that records nothing, a "personalise nothing"
        # browser shown the app's own pages, one whose read failed at arrival (privacy66: it
        # was left behind, out of reach of the cookie; a merge is the sign-in's, not a page
        # counted); a preview browser too (its own pages are never kept: identity61)
        if not switching:
            rules = visitor.ruleset
            keep = carried(
                visitor.prefs,
                services.respect,
                visitor.journey,
                rules.rules if rules is not None else (),
            )
            gap = services.session_gap  # (a visit going on: one visit, not two)
            await services.store.merge(
                identity.vid, pid, time.time(), services.half_life, keep, gap
            )
        visitor.profile, visitor.read_mark = await services.store.load(pid), mark
    except StoreError as exc:  # the store's breaker logs an outage once
        log.debug("omotenashi: sign-in: the store failed: %s", exc)
        if not switching:  # the cookie stays anonymous: the views kept under it are merged
            return  # at the next sign-in, not left behind unlinked
        # another user's id must go: a fresh one for this user, nothing merged or read; and
        # this page is not made from, nor recorded into, the other user's profile
        visitor.profile, visitor.degraded = Profile(), True
    vid = new_vid() if switching else identity.vid
    _switch(visitor, replace(identity, vid=vid, user=pid, is_new=False))


async def forget(request: Any) -> None:
    """After sign-out: this browser becomes a new anonymous visitor with an empty profile.

    A private visitor (GPC/DNT, no consent, a revoked id) gets no new visitor cookie: the one
    their browser sent, when it holds a user, is expired, so no signed-in user's id stays
    behind; if it keeps choices of theirs (switches, "personalise nothing", consent
    withdrawn) it is renewed instead, with a fresh id, no user and those choices, so the
    choices hold. One that holds no user (nothing links a private visitor's id to a user)
    stays as it is: its id is the browser's own, and reaches what was kept under it before.
    """
    visitor = get_visitor(request)
    if visitor is None:
        _left_alone(request, "forget")
    elif not _too_late(visitor, "forget"):
        await _leave(visitor)


async def _leave(visitor: Visitor) -> None:
    """This browser becomes a new anonymous visitor (``forget``'s work). What the request
    tracked or remembered before was the signed-out user's: it is dropped, not written into the
    new anonymous profile (the next person on this browser would be shown it, and it would
    join their account at their sign-in)."""
    await visitor.loaded()  # a revoked id is private too, known once its read is back
    if visitor.identity.unread:  # ours could not be read: it may hold a user (identity61),
        visitor.identity_changed = visitor.expire_cookie = True  # so it goes, none comes
        return
    if visitor.private and visitor.identity.user is None:  # no user was linked to this id
        return  # (it is this browser's own, and a profile kept under it before GPC or a
        # refusal stays the visitor's to see and erase: qa46b, a sign-out had orphaned it)
    sent, choices = not visitor.is_new, bool(visitor.identity.prefs)
    if sent and visitor.identity.user is None and not visitor.private:  # no user to go on
        await _erase(visitor, "a sign-out")  # with it: what this id kept goes (privacy66: it
    visitor.profile = Profile()  # stayed for days, out of reach once the cookie changed)
    visitor.events.clear()
    visitor.attrs.clear()
    _switch(
        visitor,
        Identity(vid=new_vid(), is_new=True, issued_at=time.time(), prefs=visitor.identity.prefs),
    )
    if visitor.private and not (sent and choices):  # their own choices are no tracking
        visitor.identity_changed = visitor.expire_cookie = sent  # none sent: nothing to expire


async def _erase(visitor: Visitor, what: str) -> None:
    """Erase what is kept under the visitor's id; a store that fails is logged (a line a
    minute, not a request) and the request goes on."""
    if visitor.services is not None:
        try:
            await visitor.services.store.erase(visitor.id)
        except StoreError as exc:
            said = "omotenashi: %s could not erase the profile: %s"
            _QUIET.say(logging.WARNING, "erase", said, what, exc)


async def consent(request: Any, granted: bool = True) -> None:
    """Record the visitor's consent, or its withdrawal.

    Kept in the signed cookie. Without consent (in consent mode), Omotenashi writes no profile
    and uses only contextual rules. Withdrawing consent erases the profile and holds in every
    mode, whatever a consent banner's cookie says, until ``consent(request, True)``.
    """
    if not isinstance(granted, bool):  # "no" or "false" from a form gave consent (api55)
        raise PayloadError("consent takes True or False", granted)
    visitor = get_visitor(request)
    if visitor is None:
        _left_alone(request, "consent")
    if visitor is None or (granted and _too_late(visitor, "consent")):
        return
    if visitor.identity.unread and granted:  # ours could not be read: not kept (a new one
        return  # would replace theirs: last61); a withdrawal is, below (last61b)
    if visitor.answered:  # a withdrawal late: what is kept goes, but the cookie cannot say so
        log.warning(
            "omotenashi: consent(request, False) was called after the response's headers went "
            "out: the profile is erased, but this browser's cookie cannot change, so the next "
            "request keeps the consent it had (call it before responding)"
        )
    prefs = replace(visitor.prefs, consent=granted, withdrawn=not granted)
    if not granted:
        await visitor.loaded()  # a revoked id is private too, known once its read is back
        revoked = visitor.privacy == "revoked"  # (a private visitor's is never read)
        ident, services = visitor.identity, visitor.services
        if not revoked and services is not None and not (ident.unread or ident.is_new):
            # asked here (last62: a revoked id under GPC withdrew to a new, free id); not known
            # (Redis failing): not revoked, so a new id (its erase may fail too: last62b)
            with contextlib.suppress(StoreError):
                revoked = await deny.is_revoked(services.store, visitor.id)
        visitor.private, visitor.profile = True, Profile()  # this request writes nothing either
        if not revoked:  # (the reason respect/privacy.py puts before it)
            visitor.privacy = "withdrawn"
        visitor.events.clear()
        visitor.attrs.clear()
        if not visitor.identity.unread:  # (theirs: unknown)
            await _erase(visitor, "a withdrawal of consent")
        # a new id, no user, as an erase gives: consent given again starts unlinked (not
        # where the site revoked this id: a new one would be free of it, privacy62)
        if not revoked:
            _switch(visitor, unlinked(prefs.to_cookie()))
            return
    _switch(visitor, replace(visitor.identity, prefs=prefs.to_cookie()))


async def _revoked_here(visitor: Visitor) -> bool:
    """Whether this browser's id is revoked (a "Personalise nothing" visitor's profile is never
    read, so its privacy does not say it: last64); a store that fails: as if it were."""
    services = visitor.services
    assert services is not None
    try:
        return await deny.is_revoked(services.store, visitor.identity.vid)
    except StoreError:
        return True


def _signed_in(identity: Identity, pid: str) -> Identity:
    """This browser with the user ``pid`` signed in, from a fresh id (nothing merged)."""
    return replace(identity, vid=new_vid(), user=pid, is_new=False, issued_at=time.time())


def _ended(visitor: Visitor, call: str) -> bool:
    """Whether this request's writes are done (a task that outlived it): what it tracks or
    remembers now is not written, and it says so, a line a minute at most (api55)."""
    if visitor.ended:
        said = "omotenashi: %s was called after its request ended (a task that outlived it): "
        said += "not written (call it within the request: a BackgroundTask runs within it)"
        _QUIET.say(logging.WARNING, "ended", said, call)
    return visitor.ended


def _left_alone(request: Any, call: str) -> None:
    """A call on a request of a path Omotenashi leaves alone (OMOTENASHI_EXCLUDE_PATHS):
    nothing is done, and it says so, a line a minute at most (api55: a sign-out under
    ``/admin/`` left the user signed in)."""
    if left_alone(request) == "excluded":
        said = "omotenashi: %s changed nothing: OMOTENASHI_EXCLUDE_PATHS leaves this path alone "
        said += "(call it on a path Omotenashi handles)"
        _QUIET.say(logging.WARNING, "excluded", said, call)


def _too_late(visitor: Visitor, call: str) -> bool:
    """Whether the response's headers have gone (a call from a background task): the browser's
    cookie can no longer change, so a sign-in or sign-out changes nothing, and says so."""
    if visitor.answered:
        log.warning(
            "omotenashi: %s was called after the response's headers went out: this browser's "
            "cookie cannot change any more, so it changed nothing (call it before responding)",
            call,
        )
    return visitor.answered


def _switch(visitor: Visitor, identity: Identity) -> None:
    if visitor.replaced is None and not visitor.identity.is_new:  # (its cookie: outdated once
        visitor.replaced = visitor.identity.vid  # this one is set, asgi/setcookie.py cookie)
    visitor.identity = identity
    visitor.identity_changed, visitor.expire_cookie = True, False
