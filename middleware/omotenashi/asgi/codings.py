"""Which content codings a request accepts, and which of them the engine can read: a page
request's ``Accept-Encoding`` is narrowed to those (asgi/arrival.py), as the proxy asks its
origin for them (proxy/forwarding.py). A request's ``Accept-Encoding`` lines are one list, read
in order (RFC 9110 5.3: :func:`combined`); of it, the first 32 codings."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

_READABLE = frozenset({"gzip", "x-gzip", "identity"})  # content codings the engine reads
MAX_CODINGS = 32  # past these, codings are not read (and a value naming more is not readable)


def combined(headers: Iterable[tuple[bytes, bytes]]) -> str | None:
    """Every ``Accept-Encoding`` line of ``headers``, joined in order with commas as one value
    (RFC 9110 5.3); None without one."""
    lines = [v for k, v in headers if k.lower() == b"accept-encoding"]
    return b", ".join(lines).decode("latin-1") if lines else None


def readable_codings(accept_encoding: str) -> bool:
    """Whether an ``Accept-Encoding`` names only codings the engine reads (not br, zstd ...)."""
    tokens = accept_encoding.split(",", MAX_CODINGS)  # past 32 codings: not read, not readable
    return len(tokens) <= MAX_CODINGS and all(
        token.split(";", 1)[0].strip().lower() in _READABLE for token in tokens if token.strip()
    )


def takes(accept_encoding: str) -> tuple[bool, bool]:
    """Whether an ``Accept-Encoding`` takes gzip, and identity (RFC 9110 12.5.3): a coding
    named (``gzip`` or ``x-gzip``; ``identity``) is taken unless at ``q=0``; one not named,
    as ``*`` says; with no ``*`` either, gzip is not taken and identity is."""
    gzip = identity = star = None
    for token in accept_encoding.split(",", MAX_CODINGS)[:MAX_CODINGS]:
        coding, _, params = token.strip().lower().partition(";")
        q = params.strip()
        taken = not (q.startswith("q=") and _zero(q[2:]))
        coding = coding.strip()
        if coding in ("gzip", "x-gzip"):
            gzip = taken if gzip is None else gzip or taken
        elif coding == "identity":
            identity = taken if identity is None else identity or taken
        elif coding == "*":
            star = taken
    return (
        bool(star) if gzip is None else gzip,
        star is not False if identity is None else identity,
    )


def page_coding(accept_encoding: str) -> str | None:
    """The coding a page is asked for in so that the engine reads it: ``gzip``, else
    ``identity``; None when the client takes neither (``identity;q=0, br``, ``*;q=0``): no
    page it takes can be rewritten, so its request and page pass as they are."""
    gzip, identity = takes(accept_encoding)
    return "gzip" if gzip else "identity" if identity else None


def _narrowed(accept_encoding: str) -> str | None:
    coding = page_coding(accept_encoding)
    return "" if coding is not None and readable_codings(accept_encoding) else coding


_narrowed_kept = lru_cache(maxsize=64)(_narrowed)


def narrowed(accept_encoding: str) -> str | None:
    """A page request's ``Accept-Encoding`` (all its lines: :func:`combined`) as the app gets
    it: "" as sent when it names only codings the engine reads; else :func:`page_coding`
    (None: the client takes neither gzip nor identity, and nothing is changed). A browser's
    few values remembered."""
    if len(accept_encoding) <= 100:
        return _narrowed_kept(accept_encoding)
    return _narrowed(accept_encoding)


def accepts_gzip(headers: Iterable[tuple[bytes, bytes]]) -> bool:
    """Whether a request's ``Accept-Encoding`` lines take gzip (:func:`takes`)."""
    return takes(combined(headers) or "")[0]


def _zero(q: str) -> bool:
    try:
        return float(q) == 0
    except ValueError:
        return False
