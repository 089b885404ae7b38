"""Response headers: Vary, Cache-Control: private, Content-Length, Set-Cookie, Server-Timing."""

from __future__ import annotations

import re
from functools import lru_cache

Headers = list[tuple[bytes, bytes]]


def get(headers: Headers, name: bytes) -> bytes | None:
    """The first value of the header ``name`` (lower case); None when there is none."""
    size = len(name)  # (another length is another name: no lower-case copy made to compare)
    for key, value in headers:
        if len(key) == size and key.lower() == name:
            return value
    return None


def without(headers: Headers, *names: bytes) -> Headers:
    return [(k, v) for k, v in headers if k.lower() not in names]


def media_type(headers: Headers) -> tuple[str, str]:
    """(media type, charset) from Content-Type; charset defaults to utf-8."""
    media, charset = content_type(headers)
    return media, charset or "utf-8"


def content_type(headers: Headers) -> tuple[str, str | None]:
    """(media type, charset) from Content-Type; the charset is None when the header names none
    (the page's own ``<meta>`` may then, see :mod:`omotenashi.engine.charset`).

    The parameters are read as browsers read them (WHATWG MIME Sniffing, "parse a MIME type"):
    the first valid ``charset`` wins, a double-quoted value is unquoted (``\\`` escapes the next
    character), and a single quote is no quote but part of the label, which then names nothing
    a browser knows."""
    raw = get(headers, b"content-type") or b""
    if type(raw) is bytes and len(raw) <= 200:  # not a bytearray: unhashable, never kept
        return _content_type(raw)
    return _parse_content_type(raw)


_HTTP_SPACE = "\t\n\r "


def _parse_content_type(header: bytes) -> tuple[str, str | None]:
    media, _, params = header.decode("latin-1").partition(";")
    charset = (_parameter(params, "charset") or "").lower()
    return media.strip().lower(), charset or None  # charset="" names none


def _parameter(params: str, wanted: str) -> str | None:
    """The value of the first valid ``wanted`` parameter in what follows the media type's
    ``;``, as "parse a MIME type" reads parameters; None when there is none."""
    pos, end = 0, len(params)
    while pos < end:
        while pos < end and params[pos] in _HTTP_SPACE:
            pos += 1
        stop = pos
        while stop < end and params[stop] not in ";=":
            stop += 1
        name, pos = params[pos:stop].lower(), stop
        if pos >= end:
            break
        if params[pos] == ";":
            pos += 1
            continue
        pos += 1  # past "="
        if pos < end and params[pos] == '"':
            value, pos = _quoted(params, pos + 1)
            semicolon = params.find(";", pos)
            pos = end if semicolon < 0 else semicolon + 1
        else:
            semicolon = params.find(";", pos)
            stop = end if semicolon < 0 else semicolon
            value, pos = params[pos:stop].rstrip(_HTTP_SPACE), stop + 1
            if not value:
                continue
        if name == wanted and not any((c < " " and c != "\t") or c == "\x7f" for c in value):
            return value
    return None


def _quoted(text: str, pos: int) -> tuple[str, int]:
    """An HTTP quoted string's value from just past its opening quote, and where it ended."""
    value: list[str] = []
    end = len(text)
    while pos < end:
        char = text[pos]
        pos += 1
        if char == '"':
            break
        if char == "\\" and pos < end:
            char = text[pos]
            pos += 1
        value.append(char)
    return "".join(value), pos


def _parse_media_type(header: bytes) -> tuple[str, str]:
    media, charset = _parse_content_type(header)
    return media, charset or "utf-8"


# apps send the same few, again and again; keyed by the header alone (never the body's <meta>)
_content_type = lru_cache(maxsize=256)(_parse_content_type)


def add_vary(headers: Headers, *fields: bytes) -> Headers:
    """``Vary`` naming ``fields`` too (each once; none added to ``*``)."""
    existing = [bytes(v) for k, v in headers if k.lower() == b"vary"]  # (a bytearray too)
    names = {p.strip().lower() for v in existing for p in v.split(b",")}
    missing = [f for f in fields if f.lower() not in names]
    if b"*" in names or not missing:
        return headers
    rest = without(headers, b"vary")
    merged = b", ".join([*(v for v in existing if v.strip()), *missing])
    return [*rest, (b"vary", merged)]


def personal_vary(honour_gpc: bool) -> tuple[bytes, ...]:
    """What a page made for one visitor varies on: their cookie, and where the site honours
    Global Privacy Control, the signals that turn personalisation off (a browser switching GPC
    on must not be shown a personalised page it kept)."""
    return (b"Cookie", b"Sec-GPC", b"DNT") if honour_gpc else (b"Cookie",)


# Directives that only let shared caches keep more: dropped once a page is private.
SHARED_ONLY = (b"public", b"s-maxage", b"private")
# Headers that tell CDNs and proxies (never browsers) how long to keep a page: a page made for
# one visitor must not be kept for the next, so they go too.
SHARED_CACHE_HEADERS = (
    b"cdn-cache-control",
    b"surrogate-control",
    b"cloudflare-cdn-cache-control",
    b"vercel-cdn-cache-control",
    b"fastly-surrogate-control",
    b"edge-control",
    b"x-accel-expires",
)


# A directive: up to a comma outside quotes (``no-cache="Set-Cookie,X-Id"`` is one; a quote
# left open runs to the end). One pass: the alternatives start on different characters.
_DIRECTIVE = re.compile(rb'(?:[^,"]|"(?:[^"\\]|\\.)*"?)+')


def directives_of(value: bytes) -> list[bytes]:
    """A Cache-Control value's directives, each as written (quoted values kept whole)."""
    return [d.strip() for d in _DIRECTIVE.findall(value) if d.strip()]


def make_private(headers: Headers) -> Headers:
    """Cache-Control with ``private``: no shared cache may keep this page for someone else.

    Only ever stricter: every directive of the app's stays (``no-store``, ``no-cache``,
    ``max-age`` as it was ...) except ``public`` and ``s-maxage``, and ``private`` is added.
    CDN-only headers (``CDN-Cache-Control``, ``Surrogate-Control`` ...) are dropped.
    """
    raw = b", ".join(v for k, v in headers if k.lower() == b"cache-control")
    directives = directives_of(raw)
    kept = [d for d in directives if d.split(b"=")[0].strip().lower() not in SHARED_ONLY]
    value = b", ".join([b"private", *kept])
    rest = without(headers, b"cache-control", *SHARED_CACHE_HEADERS)
    return [*rest, (b"cache-control", value)]


# Directives that let a browser show a page again without asking: gone from a page rewritten for
# one visitor, which is true of them when it is made (their cart, their stage, their choices
# kept in Redis, not in the request) and not when a kept copy is shown (http50)
REUSE = (b"max-age", b"immutable", b"stale-while-revalidate", b"stale-if-error")


def asked_each_time(headers: Headers) -> Headers:
    """The private headers of a page rewritten for one visitor (:func:`make_private`'s): no
    browser keeps it to show again (the app's :data:`REUSE` directives go, ``no-store`` is
    added), and ``Age`` and ``Expires``, which describe the app's copy, go too. ``no-store``,
    not ``no-cache``: Back restored a page from the back/forward cache, which ``no-cache``
    does not keep pages out of, with a block switched off, a cart booked or a history erased
    since still shown (qa50); the page has no validator, so keeping it saved no bytes. Its
    last line is the Cache-Control (make_private puts it there)."""
    directives = directives_of(headers[-1][1])
    names = [d.split(b"=")[0].strip().lower() for d in directives]
    kept = [d for d, name in zip(directives, names, strict=True) if name not in REUSE]
    if b"no-store" not in names:
        kept.append(b"no-store")
    rest = without(headers[:-1], b"age", b"expires")
    return [*rest, (b"cache-control", b", ".join(kept))]
