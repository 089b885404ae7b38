"""When a visitor's cookie was last replaced by a choice of theirs, so that a page already in
flight does not give their browser back the cookie from before it (race53).

A page re-signs the cookie it came with when that is getting old (asgi/setcookie.py
``renews``), and a page that said a choice's confirmation re-sets it without it. A choice
saved in another tab meanwhile (a switch off, "personalise nothing", an erase's new id)
answered with its own cookie first; the slower page's came after it, the browser kept that
one, and the choice was undone without a word.

So a choice marks the id it was made under with the second its new cookie is signed in
(taken just before signing: cookies carry whole seconds), and a page whose cookie was signed
before the mark sends none (:meth:`Moves.outdated`). The marks are this process's, in memory
(nothing is stored: a choice under "personalise nothing" or an erase keeps nothing new).
Another process's choice is not known here; so a page that renews a cookie renews it only
when it answers within :data:`RENEW_WITHIN` of its arrival, when a choice made meanwhile in
another tab is all but impossible (a renewal then waits for a later page). A page that ends a
confirmation ends it however long it took (else the confirmation would show again).
"""

from __future__ import annotations

import time
from typing import Protocol

#: Ids remembered (the oldest forgotten first): far more than choices in the life of a page.
KEEP = 10_000
#: Seconds from a page's arrival within which it may renew the visitor's cookie.
RENEW_WITHIN = 1.0


class _Signed(Protocol):
    @property
    def vid(self) -> str: ...
    @property
    def issued_at(self) -> float: ...


GONE = 2**62  # the mark of an id given up (a sign-out): every cookie of it is outdated


def stamp() -> int:
    """The mark of a choice made now: the second its cookie is signed in, or one before."""
    return int(time.time())


class Moves:
    def __init__(self, keep: int = KEEP) -> None:
        self.keep = keep
        self._at: dict[str, int] = {}  # id -> the second its cookie was last replaced

    def mark(self, vid: str, at: int) -> None:
        """The cookie of ``vid`` was replaced by a choice, signed at ``at`` or after."""
        was = self._at.pop(vid, None)  # (moved to the end: the newest)
        self._at[vid] = GONE if was == GONE else at  # (an id given up stays given up: last61c)
        while len(self._at) > self.keep:
            del self._at[next(iter(self._at))]

    def gone(self, vid: str) -> bool:
        """Whether ``vid`` was given up here (a sign-out, a user switched: its cookie is no
        more this browser's)."""
        return self._at.get(vid) == GONE

    def outdated(self, ident: _Signed) -> bool:
        """Whether a choice replaced ``ident``'s cookie after it was signed."""
        at = self._at.get(ident.vid)
        return at is not None and at > int(ident.issued_at)
