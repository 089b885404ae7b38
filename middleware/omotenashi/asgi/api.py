"""The Python API for the app: events, attributes, sign-in and sign-out.

    await track(request, "add_to_cart", {"item": "kyoto-autumn"})
    await remember(request, first_name="Aiko")
    await identify(request, user.id)      # after login: the anonymous profile merges in
    await forget(request)                 # after logout: a fresh anonymous visitor

Each is a no-op for requests Omotenashi does not handle (bots, excluded paths).
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from omotenashi.asgi.visitor import Visitor, get_visitor
from omotenashi.engine.profile import Profile
from omotenashi.errors import PayloadError, StoreError
from omotenashi.identity.cookie import Identity, new_vid, user_profile_id

log = logging.getLogger("omotenashi")

EVENT_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MAX_EVENT_BYTES = 2048


def check_event(name: str, data: Mapping[str, Any] | None) -> dict[str, Any]:
    """The event's data as a plain dict, or PayloadError saying what is wrong with it."""
    if not isinstance(name, str) or not EVENT_NAME.match(name):
        raise PayloadError("event names are lowercase letters, digits and _", name)
    clean = dict(data or {})
    try:
        size = len(json.dumps(clean))
    except (TypeError, ValueError):
        raise PayloadError("event data must be plain JSON values", clean) from None
    if size > MAX_EVENT_BYTES:
        raise PayloadError(f"event data is over {MAX_EVENT_BYTES} bytes", size)
    return clean


async def track(request: Any, name: str, data: Mapping[str, Any] | None = None) -> None:
    """Record an event for this visitor (written after the response, with the page view).

    Built in: ``add_to_cart``/``remove_from_cart`` (``item``, ``qty``), ``purchase`` (empties
    the cart), ``view_item`` (``item``). Any other name is counted, for rules and the journey.
    """
    visitor = get_visitor(request)
    if visitor is not None:
        visitor.events.append((name, check_event(name, data)))


async def remember(request: Any, **attrs: Any) -> None:
    """Store profile attributes (``first_name=...``) that rules can test with ``attr:``."""
    visitor = get_visitor(request)
    if visitor is not None:
        json.dumps(attrs)  # refuse what cannot be stored, here rather than after the response
        visitor.attrs.update(attrs)


async def identify(request: Any, user_id: str) -> None:
    """Link a signed-in user: the anonymous profile merges into the user's, atomically.

    Later requests use the user's profile, on any device where they sign in.
    """
    visitor = get_visitor(request)
    if visitor is None or not user_id or visitor.private or visitor.services is None:
        return  # under GPC/DNT or without consent, nothing links this browser to a profile
    services = visitor.services
    pid = user_profile_id(services.user_salt, str(user_id))
    if visitor.identity.user == pid:
        return
    anon = visitor.id
    try:
        await services.store.merge(anon, pid, time.time(), services.half_life)
        visitor.profile = await services.store.load(pid)
    except StoreError as exc:
        log.warning("omotenashi: could not merge the profile at sign-in: %s", exc)
    _switch(visitor, replace(visitor.identity, user=pid, is_new=False))


async def forget(request: Any) -> None:
    """After sign-out: this browser becomes a new anonymous visitor with an empty profile."""
    visitor = get_visitor(request)
    if visitor is None:
        return
    visitor.profile = Profile()
    _switch(
        visitor,
        Identity(vid=new_vid(), is_new=True, issued_at=time.time(), prefs=visitor.identity.prefs),
    )


async def consent(request: Any, granted: bool = True) -> None:
    """Record the visitor's consent (or its withdrawal) when consent mode is on.

    Kept in the signed cookie. Without consent, Omotenashi writes no profile and uses only
    contextual rules. Withdrawing consent also erases the profile.
    """
    visitor = get_visitor(request)
    if visitor is None:
        return
    prefs = replace(visitor.prefs, consent=granted)
    if not granted and visitor.services is not None:
        try:
            await visitor.services.store.erase(visitor.id)
        except StoreError as exc:
            log.warning("omotenashi: could not erase the profile: %s", exc)
    _switch(visitor, replace(visitor.identity, prefs=prefs.to_cookie()))


def _switch(visitor: Visitor, identity: Identity) -> None:
    visitor.identity = identity
    visitor.identity_changed = True
