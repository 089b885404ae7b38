"""When a visitor's cookie was last replaced by a choice of theirs, so that a page already in
flight does not give their browser back the cookie from before it (race53).

A page re-signs the cookie it came with when that is getting old (asgi/setcookie.py
``renews``), and a page that said a choice's confirmation re-sets it without it. A choice
saved in another tab meanwhile (a switch off, "personalise nothing", an erase's new id)
answered with its own cookie first; the slower page's came after it, the browser kept that
one, and the choice was undone without a word.

So a choice marks the id it was made under with the second its new cookie is signed in
(taken just before signing: cookies carry whole seconds) and that cookie's value, and a page
whose cookie was signed before the mark, or in its second and is not that cookie, sends none
(:meth:`Moves.outdated`). The marks are this process's, in memory
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
    @property
    def signed(self) -> str: ...


GONE = 2**62  # the mark of an id given up (a sign-out): every cookie of it is outdated


def stamp() -> int:
    """The mark of a choice made now: the second its cookie is signed in, or one before."""
    return int(time.time())


def cookie_value(header: bytes) -> str:
    """The value a ``Set-Cookie`` header gives its cookie ("" for one that removes it)."""
    return header.split(b";", 1)[0].partition(b"=")[2].decode("latin-1")


class Moves:
    def __init__(self, keep: int = KEEP) -> None:
        self.keep = keep
        # id -> the second its cookie was last replaced, and the values this process signed
        # for that id in that second since (the choice's own first)
        self._at: dict[str, tuple[int, set[str]]] = {}

    def mark(self, vid: str, at: int, value: str = "") -> None:
        """The cookie of ``vid`` was replaced by a choice, signed at ``at`` or after, by
        ``value`` ("": by none of that id's, an erase's or a removal)."""
        was = self._at.pop(vid, None)  # (moved to the end: the newest)
        gone = was is not None and was[0] == GONE  # (an id given up stays given up: last61c)
        self._at[vid] = (GONE, set()) if gone else (at, {value} - {""})
        while len(self._at) > self.keep:
            del self._at[next(iter(self._at))]

    def note_signed(self, vid: str, at: int, value: str) -> None:
        """This process signed ``value`` for ``vid`` in the second ``at``: after a choice made
        in that second, it is as new as the choice's own (the page after a "Don't show me
        this" ends its confirmation with one: review69, never renewed again otherwise)."""
        was = self._at.get(vid)
        if was is not None and was[0] == at and len(was[1]) < _SIGNED_MOST:
            was[1].add(value)

    def gone(self, vid: str) -> bool:
        """Whether ``vid`` was given up here (a sign-out, a user switched: its cookie is no
        more this browser's)."""
        was = self._at.get(vid)
        return was is not None and was[0] == GONE

    def outdated(self, ident: _Signed) -> bool:
        """Whether a choice replaced ``ident``'s cookie after it was signed: in a later second,
        or in the same second when it is none this process signed since (concurrency67:
        cookies carry whole seconds, and one signed just before a choice, in its second, was
        taken for the choice's own)."""
        was = self._at.get(ident.vid)
        if was is None:
            return False
        at, values = was
        issued = int(ident.issued_at)
        return at > issued or (at == issued and ident.signed not in values)


_SIGNED_MOST = 16  # values kept per mark (a page's renewals in one second: a few)
