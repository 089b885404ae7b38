"""What is read of a request's headers: each to its bound, so no work grows with one's size."""

from __future__ import annotations

from typing import Any

from omotenashi.engine.facts import MAX_LANGUAGES, MAX_REFERER
from omotenashi.identity.device import MAX_USER_AGENT
from omotenashi.respect.privacy import says_one

Scope = dict[str, Any]

# What is read of a request header: names longer than any we read are skipped, and of a value
# the first MAX_HEADER bytes (no header we read is longer, and no work may grow with one's
# size); of the Cookie headers, their first MAX_COOKIES bytes (servers refuse longer headers:
# uvicorn's h11 takes 16 KiB in all); of these, only what their readers read (CUT), and a
# Referer over MAX_REFERER is none (WHOLE: browsers send the origin alone of a longer URL).
MAX_HEADER_NAME, MAX_HEADER, MAX_COOKIES = 64, 8192, 16384
# Said among the headers read when the Cookie headers were longer than MAX_COOKIES (a name no
# header sent has: HTTP names hold no ":"; and sent, it would only make a visitor unread)
COOKIES_CUT = ":cookies-cut"
# (Accept-Language: one more, by which its reader tells an entry the cap cut short)
CUT = {"user-agent": MAX_USER_AGENT, "accept-language": MAX_LANGUAGES + 1}
WHOLE = {"referer": MAX_REFERER}  # read whole, or as absent ("") when longer
# Header names as sent -> as read (lower case), the bound of their value (negative: WHOLE's)
NAMES_KEPT = 512
_NAMES: dict[bytes, tuple[str, int]] = {}


def request_headers(scope: Scope) -> dict[str, str]:
    """Lower-case header names; several Cookie headers are joined as browsers would send one,
    several Accept-Encoding lines as one list (of the others, the last line is read, but a
    Sec-GPC or DNT "1" holds). Each value is read to its bound (:data:`MAX_HEADER` ...)."""
    out: dict[str, str] = {}
    cookies: list[str] = []
    codings: list[str] = []  # Accept-Encoding's lines, joined once (not a copy per line)
    room, coding_room = MAX_COOKIES, MAX_HEADER
    names = _NAMES
    for key, value in scope.get("headers", ()):
        known = names.get(key) if type(key) is bytes else None
        if known is None:
            if len(key) > MAX_HEADER_NAME:
                continue
            name = key.decode("latin-1").lower()
            known = name, -WHOLE[name] if name in WHOLE else CUT.get(name, MAX_HEADER)
            if type(key) is bytes:
                if len(names) >= NAMES_KEPT:  # bounded: names come from outside
                    names.clear()
                names[key] = known
        name, cap = known
        if name == "cookie":
            if room > 0:  # (HTTP/2 sends a header per cookie) joined once below
                text = value if len(value) <= room else memoryview(value)[:room]  # (no copy)
                cookies.append(str(text, "latin-1"))
            room -= len(value) + 2
        elif name == "accept-encoding":  # its lines are one list, in order (RFC 9110 5.3)
            if coding_room > 0:
                codings.append(value[:coding_room].decode("latin-1"))
                coding_room -= len(value) + 2
        elif cap > 0:
            if name in ("sec-gpc", "dnt") and says_one(out.get(name)):
                continue  # a privacy signal sent on one of its lines holds (inputs60)
            out[name] = value[:cap].decode("latin-1")
        else:
            out[name] = value.decode("latin-1") if len(value) <= -cap else ""
    if cookies:
        out["cookie"] = "; ".join(cookies)
        if room < -2:  # more than was read: ours may be past it (CookieSigner.identify)
            out[COOKIES_CUT] = "1"
    if codings:
        out["accept-encoding"] = ", ".join(codings)[:MAX_HEADER]
    return out
