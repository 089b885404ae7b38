"""A signed value read with its time, a signature from a clock somewhat ahead of this one's
accepted (identity/cookie.py's visitor cookie, identity/preview.py's force links)."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from itsdangerous import SignatureExpired, URLSafeTimedSerializer

# How far in the future a signature may seem: signed by another server whose clock is ahead of
# this one's (itsdangerous refuses any, and the visitor would become a stranger, choices lost).
# A visitor cookie signed further ahead is read too (upgrade67: a node days ahead made every
# visitor it served a stranger to the others, their switches lost), as signed at no known time.
CLOCK_SKEW = 86400


class SignedAhead(SignatureExpired):
    """Signed more than :data:`CLOCK_SKEW` ahead of this server's clock."""


def loads_timed(
    serializer: URLSafeTimedSerializer, value: str, max_age: int, ahead: int = CLOCK_SKEW
) -> tuple[Any, datetime]:
    """``serializer.loads(value, max_age=max_age, return_timestamp=True)``, but a signature up
    to ``ahead`` seconds in the future is accepted (SignatureExpired past either)."""
    payload, signed = serializer.loads(value, return_timestamp=True)
    age = int(time.time()) - int(signed.timestamp())
    if age < -ahead:
        raise SignedAhead(f"signed {-age}s ahead of this clock, more than {ahead}s")
    if age > max_age:
        raise SignatureExpired(f"signature age {age}s over {max_age}s")
    return payload, signed
