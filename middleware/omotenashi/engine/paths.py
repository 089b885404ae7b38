"""Path globs that hold for every spelling of a path (the excluded and untracked paths).

Servers and origins serve one page under many spellings: nginx merges slashes, Tomcat and
Jetty drop a segment's ``;params``, IIS and case-insensitive file systems fold case and read a
backslash as a slash, Windows drops a name's trailing dots and spaces, and some servers hand
the path over still percent-encoded. A glob holds when the path as sent OR its normal form
(:func:`normal_path`) matches: over-matching leaves a page alone that could have been
personalised, under-matching would personalise and count an admin page.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterable
from urllib.parse import unquote_to_bytes

from omotenashi.engine.globs import matcher
from omotenashi.rules.text import nfc

_HEX = frozenset(string.hexdigits)
# Decoded wherever they are encoded: the unreserved characters (RFC 3986 2.3), which mean
# the same encoded or not, and the separators an origin may decode before it splits.
_DECODED = frozenset(string.ascii_letters + string.digits + "-._~/\\")
_DOTS = (".", "..")


def _plain(path: str) -> bool:
    """Whether :func:`normal_path` leaves the path as it is: ASCII, no capital, no "%", ";",
    backslash or space, no doubled slash, no name ending in a dot. Most paths are plain, and
    a handful of ``in`` tests (no regular expression) tell it fastest."""
    return (
        path.isascii()
        and path.lower() == path
        and "%" not in path
        and ";" not in path
        and "\\" not in path
        and " " not in path
        and "//" not in path
        and "./" not in path
        and path[-1:] != "."
    )


def _decoded(path: str) -> str:
    """``%XX`` of a character in ``_DECODED`` decoded, also where decoding made a new one
    (``%%34%31`` is ``%41``, so ``A``): one pass, each step shortens the text."""
    out: list[str] = []
    for char in path:
        out.append(char)
        while len(out) >= 3 and out[-3] == "%" and out[-2] in _HEX and out[-1] in _HEX:
            plain = chr(int(out[-2] + out[-1], 16))
            if plain not in _DECODED:
                break
            del out[-3:]
            out.append(plain)
    return "".join(out)


def normal_path(path: str) -> str:
    """The path as a lenient server reads it: plain characters percent-decoded, lower case,
    backslashes as slashes, each name without its ``;params`` and trailing dots and spaces,
    slashes merged, in Unicode NFC (macOS file systems serve ``/cafe\u0301`` as ``/café``).
    ``.`` and ``..`` segments stay (where they lead is the app's to say).

    Linear in the path's length, never raises, and ``normal_path(normal_path(p)) ==
    normal_path(p)``: ``/ADMIN;jsessionid=1//%78.`` is ``/admin/x``."""
    if _plain(path):
        return path
    text = nfc((_decoded(path) if "%" in path else path).lower()).replace("\\", "/")
    segments = text.split("/")
    names: list[str] = []
    name = ""
    for segment in segments[1:] if text.startswith("/") else segments:
        name = segment.partition(";")[0].rstrip(" ")
        if name not in _DOTS:
            name = name.rstrip(". ")
        if name:
            names.append(name)
    start = "/" if text.startswith("/") else ""
    end = "/" if names and not name else ""
    return start + "/".join(names) + end


def dotted(path: str) -> bool:
    """Whether the path has a ``.`` or ``..`` segment, which no browser sends."""
    return "/." in path and any(part in _DOTS for part in path.split("/"))


def path_matcher(globs: Iterable[str], *, dot_segments: bool = False) -> Callable[[str], bool]:
    """A test of a path: does a glob match it as sent (case and all), or its
    :func:`normal_path` (the globs in lower case)? ``dot_segments``: a path with a ``.`` or
    ``..`` segment, as sent or once normal (``/x/..;/admin``), matches too.

    The globs are compiled once; a plain path (the usual one) costs a few ``in`` tests and
    one match."""
    exact = list(dict.fromkeys(map(nfc, globs)))  # as the path they meet (asgi/arrival.py)
    folded = [nfc(glob.lower()) for glob in exact]
    as_sent, normal, either = matcher(exact), matcher(folded), matcher(exact + folded)

    def matches(path: str) -> bool:
        if _plain(path):  # its own normal form, and no dot segment
            return either(path)
        if as_sent(path) or (dot_segments and dotted(path)):
            return True
        plain = normal_path(path)
        return normal(plain) or (dot_segments and dotted(plain))

    return matches


def folders(globs: Iterable[str]) -> list[str]:
    """The globs of an area of a site (the paths left alone, or not counted): one that ends in
    ``/*`` names a folder, and the folder's own page too (``/admin/*``: ``/admin`` as well,
    an admin's home page in some frameworks). Rule conditions keep globs as written."""
    out: list[str] = []
    for glob in globs:
        out.append(glob)
        if glob.endswith("/*") and len(glob) > 2:
            out.append(glob[:-2])
    return out


_ABSOLUTE = re.compile(rb"https?://[^/?#]*", re.IGNORECASE)


def origin_form(target: bytes) -> bytes:
    """The path of a request target: an absolute-form one (``GET http://host/a HTTP/1.1``,
    which a server must accept, RFC 9112 3.2.2; servers on h11 pass it on whole) without its
    scheme and authority, which name no other origin here: ``/a``; any other as it is."""
    if target[:1] == b"/" or (m := _ABSOLUTE.match(target)) is None:
        return target
    return target[m.end() :] or b"/"


def origin_path(path: str, raw: object = None) -> str:
    """The path the excluded and untracked paths, the rules and our endpoints judge: ASGI's
    ``path``, or, when it does not start with "/" (an absolute-form target, ``http://x/admin/``,
    or none at all, ``admin/``), the path a proxy sends on: the request target as written
    (``raw``, ASGI ``raw_path``) without its scheme and authority (read before decoding: in
    ``http://x%3F/admin/`` the ``?`` is the authority's), decoded, with a "/" first (proxy51,
    eye51b)."""
    if path[:1] == "/":
        return path
    target = raw if isinstance(raw, bytes) else path.encode("utf-8", "surrogateescape")
    sent = unquote_to_bytes(origin_form(target).partition(b"?")[0]).decode("utf-8", "replace")
    return sent if sent[:1] == "/" else "/" + sent


# Paths come from outside: their judgements (excluded, untracked) are kept for PATHS_KEPT, none
# over LONGEST_KEPT.
PATHS_KEPT, LONGEST_KEPT = 4096, 512


def remembered(judge: Callable[[str], bool]) -> Callable[[str], bool]:
    """``judge`` of a path, worked out once per path (its answer depends on nothing else)."""
    known: dict[str, bool] = {}

    def judged(path: str) -> bool:
        answer = known.get(path)
        if answer is None:
            answer = judge(path)
            if len(path) <= LONGEST_KEPT:
                if len(known) >= PATHS_KEPT:
                    known.clear()
                known[path] = answer
        return answer

    return judged
