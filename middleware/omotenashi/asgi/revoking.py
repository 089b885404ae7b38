"""``revoke``: the app ends personalisation for a user or a visitor id (asgi/api.py's other
calls act on the request's own visitor), and the site's user id as text."""

from __future__ import annotations

import time
from typing import Any
from uuid import UUID

from omotenashi.asgi.visitor import Services, get_visitor
from omotenashi.engine.profile import Profile
from omotenashi.errors import PayloadError
from omotenashi.identity.cookie import user_profile_id
from omotenashi.ids import is_user_id, is_visitor_id
from omotenashi.store import privacy as deny
from omotenashi.store.store import PARTS

MAX_DENY_TTL = 10 * 366 * 86400  # ten years: past any cookie (at most 400 days in browsers)


async def revoke(
    target: Any,
    *,
    user_id: str | None = None,
    visitor_id: str | None = None,
    ttl: int | None = None,
) -> None:
    """End personalisation for a user id (the site's own) or a visitor id (``Visitor.id``):
    their profile is erased and the id goes on a deny-list for ``ttl`` seconds (default: the
    cookie's lifetime). While listed, nothing about the id is read or written, and
    ``identify`` does not link it. ``target`` is any request Omotenashi handled, or the
    :class:`~omotenashi.Omotenashi` middleware itself (from an admin task, say). Raises
    :class:`~omotenashi.StoreError` when Redis cannot be reached: nothing was revoked then.
    """
    if callable(getattr(target, "services", None)):
        await target.startup()  # the middleware: its pool may not be open yet
    services = _services(target)
    if services is None:
        raise PayloadError("revoke needs a request Omotenashi handled, or the middleware", target)
    user = user_id is not None and user_id != ""  # (0 is a user, as identify links it)
    if not user and not visitor_id:
        raise PayloadError("revoke needs a user_id or a visitor_id", None)
    ids = []
    if user:
        ids.append(user_profile_id(services.user_salt, user_text(user_id)))
    if visitor_id:
        if not (is_visitor_id(visitor_id) or is_user_id(visitor_id)):
            raise PayloadError("not a visitor id", visitor_id)
        ids.append(visitor_id)
    life = ttl if ttl is not None else services.deny_ttl
    if isinstance(life, bool) or not isinstance(life, int) or not 1 <= life <= MAX_DENY_TTL:
        # (1.5 or 10**20 failed in Redis after the profile had gone: a marker for ever, api55)
        raise PayloadError(f"ttl is a whole number of seconds, 1 to {MAX_DENY_TTL}", ttl)
    for pid in ids:
        await deny.revoke(services.store, pid, PARTS, time.time() + life, life)
    visitor = get_visitor(target) if not hasattr(target, "services") else None
    if visitor is not None and visitor.id in ids:
        visitor.private, visitor.privacy, visitor.profile = True, "revoked", Profile()
        visitor.events.clear()
        visitor.attrs.clear()


def user_text(user_id: object) -> str:
    """The site's user id as text: a string, a whole number, a UUID or a MongoDB ObjectId; any
    other value is PayloadError (``b"42"`` was the user ``"b'42'"``: api55; Django's
    ``AnonymousUser()`` one user for every browser that passed it: eye55b)."""
    kind = type(user_id)
    if (kind is not bool and isinstance(user_id, str | int | UUID)) or kind.__name__ == "ObjectId":
        return str(user_id)
    raise PayloadError(
        "user ids are strings, whole numbers or UUIDs: pass str(x) yourself", user_id
    )


def _services(target: Any) -> Services | None:
    make = getattr(target, "services", None)
    if callable(make):  # the middleware
        services = make()
        return services if isinstance(services, Services) else None
    visitor = get_visitor(target)
    return visitor.services if visitor is not None else None
