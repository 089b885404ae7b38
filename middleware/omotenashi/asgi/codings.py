"""Which content codings a request accepts, and which of them the engine can read: a page
request's ``Accept-Encoding`` is narrowed to those (asgi/arrival.py), as the proxy asks its
origin for them (proxy/forwarding.py)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

_READABLE = frozenset({"gzip", "x-gzip", "identity"})  # content codings the engine reads


def readable_codings(accept_encoding: str) -> bool:
    """Whether an ``Accept-Encoding`` names only codings the engine reads (not br, zstd ...);
    a browser's few values remembered."""
    if len(accept_encoding) <= 100:
        return _readable(accept_encoding)
    return _codings_readable(accept_encoding)


def _codings_readable(accept_encoding: str) -> bool:
    tokens = accept_encoding.split(",", 32)  # past 32 codings: not read, so not readable
    return len(tokens) <= 32 and all(
        token.split(";", 1)[0].strip().lower() in _READABLE for token in tokens if token.strip()
    )


_readable = lru_cache(maxsize=64)(_codings_readable)


def accepts_gzip(headers: Iterable[tuple[bytes, bytes]]) -> bool:
    """Whether a request's ``Accept-Encoding`` takes gzip: ``gzip`` or ``x-gzip`` named and not
    at ``q=0``, or, gzip not named, ``*`` not at ``q=0`` (RFC 9110 12.5.3)."""
    named = star = None
    for key, value in headers:
        if key.lower() != b"accept-encoding":
            continue
        for token in value.split(b",", 32)[:32]:
            coding, _, params = token.strip().lower().partition(b";")
            q = params.strip()
            taken = not (q.startswith(b"q=") and _zero(q[2:]))
            if coding.strip() in (b"gzip", b"x-gzip"):
                named = taken if named is None else named or taken
            elif coding.strip() == b"*":
                star = taken
    return bool(named) if named is not None else bool(star)


def _zero(q: bytes) -> bool:
    try:
        return float(q) == 0
    except ValueError:
        return False
