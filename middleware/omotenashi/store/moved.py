"""When a visitor's cookie last changed by their own choice, so that a page already in flight
does not give their browser the cookie from before it (race53).

A page re-signs the cookie it came with when that is getting old (asgi/setcookie.py
``renews``), and a page that said a choice's confirmation re-sets it without it. A choice saved
in another tab meanwhile (a switch off, "personalise nothing", an erase's new id) answered
with its own cookie first; the slower page's cookie came after it, and the browser kept that
one: the choice was undone without a word. So a choice marks the id it was made under with
the second its new cookie is signed in (``issued_at``, whole seconds, taken before signing),
and a page re-sends its cookie only if that cookie was signed no earlier than the mark.

One small key per choice, gone after :data:`TTL` (longer than a page can be in flight), named
by a keyed hash of the id (``<prefix>:moved:<hash>``): it holds a time and nothing else, under
no key of the visitor's (an erase leaves none of those). A private visitor's choice (GPC, no
consent) writes none: nothing is kept of them, and a page of theirs in flight can still give
back the cookie from before their choice.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from omotenashi.errors import StoreError

#: Seconds a mark is kept: a request in flight longer than this is one no server still serves.
TTL = 900


def stamp() -> int:
    """The mark of a choice made now: the second its cookie is signed in, or one before."""
    return int(time.time())


def key(store: Any, signer: Any, ident: Any) -> str:
    """The mark's key: one-way from the id's form token (itself a keyed hash of the id)."""
    token = signer.csrf_token(ident).encode()
    return f"{store.cfg.key_prefix}:moved:{hashlib.sha256(b'moved:' + token).hexdigest()[:32]}"


async def mark(store: Any, signer: Any, ident: Any, at: int) -> None:
    """Mark the cookie of ``ident`` (its id) as replaced at ``at`` by a choice (a failure:
    the page's old behaviour)."""
    name = key(store, signer, ident)

    async def op() -> Any:
        return await store.client.set(name, at, ex=TTL)

    try:
        await store._run(op, store.cfg.write_timeout)
    except StoreError:
        pass


async def outdated(store: Any, signer: Any, ident: Any) -> bool | None:
    """Whether a choice was made under ``ident``'s id after its cookie was signed (None:
    Redis did not say)."""
    name = key(store, signer, ident)

    async def op() -> Any:
        return await store.client.get(name)

    try:
        got = await store._run(op, store.cfg.read_timeout, "redis_read")
    except StoreError:
        return None
    try:
        return got is not None and int(got) > int(ident.issued_at)
    except ValueError:
        return None
