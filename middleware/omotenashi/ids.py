"""Profile ids: what an anonymous visitor's and a signed-in user's look like.

New anonymous ids are 128 random bits in 22 URL-safe base64 characters (a visitor's Redis keys
carry the id: shorter keys, less memory); the 32 hex digits given before are still read, so a
returning visitor keeps theirs. A signed-in user's id is ``u`` and 32 hex digits
(identity/cookie.py ``user_profile_id``), a form no anonymous id takes: a 22-character id may
start with ``u`` too, and only the length tells them apart.
"""

from __future__ import annotations

import re
import secrets

_VISITOR = re.compile(r"[A-Za-z0-9_-]{22}|[0-9a-f]{32}")
_USER = re.compile(r"u[0-9a-f]{32}")


def new_vid() -> str:
    """A new anonymous visitor id; never one starting with ``-``, which a command line (the
    ``omotenashi profile`` commands) would read as an option."""
    while (vid := secrets.token_urlsafe(16))[0] == "-":
        pass
    return vid


def is_visitor_id(text: str) -> bool:
    """Whether ``text`` is an anonymous visitor's id (either form)."""
    return _VISITOR.fullmatch(text) is not None


def is_user_id(text: str) -> bool:
    """Whether ``text`` is a signed-in user's profile id."""
    return _USER.fullmatch(text) is not None
