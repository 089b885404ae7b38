"""The origin's request target from the visitor's: its path confined under the origin's base
(dot segments removed, a ``..`` the origin might read behind another separator refused), an
absolute-form target's path alone, and what no origin may be sent escaped."""

from __future__ import annotations

import re

from omotenashi.engine.paths import origin_form as origin_form  # (where it was first)

# What some origins read as a segment's end (after lower()): a slash or backslash, plain or
# encoded, and the ";" of path parameters (Tomcat reads "..;x" as "..").
_SEPARATORS = re.compile(rb"/|\\|%2f|%5c|;|%3b")


def confined_path(raw_path: bytes) -> bytes | None:
    """The visitor's path with its dot segments removed (RFC 3986 5.2.4), or None to refuse it.

    A segment is a dot segment when it reads ``.`` or ``..`` once ``%2e`` is decoded, in any
    case. ``..`` never climbs above ``/`` (as a browser resolves it), so once the origin's base
    path is put in front, the request stays under it: ``/a/../../etc`` becomes ``/etc``. A
    ``..`` hidden behind an encoded slash, a backslash or a ``;`` (``/..%2f..%2fetc``,
    ``/..\\etc``, ``/..;/admin``) is refused: whether the origin reads those as separators is
    up to the origin, and no browser sends them. The result always starts with ``/``.
    """
    segments = raw_path.split(b"/")
    if raw_path.startswith(b"/"):
        del segments[0]
    kept: list[bytes] = []
    last = len(segments) - 1
    for index, segment in enumerate(segments):
        plain = segment.lower().replace(b"%2e", b".")
        if plain not in (b".", b".."):
            if b".." in _SEPARATORS.split(plain):
                return None
            kept.append(segment)
            continue
        if plain == b".." and kept:
            kept.pop()
        if index == last:  # "/a/b/.." is "/a/": the trailing slash stays
            kept.append(b"")
    return b"/" + b"/".join(kept)


# Bytes a URL cannot carry as they are: "#" (it would start a fragment; here it can only be
# data), space, controls and anything past ASCII.
_UNSAFE = re.compile(rb"[^\x21\x22\x24-\x7e]")


def escaped(raw: bytes) -> bytes:
    return _UNSAFE.sub(lambda m: b"%%%02X" % m[0][0], raw)
