"""The HTTP side of a page the engine may rewrite: which responses it takes
(:func:`can_personalise`), the gzip body it reads (:func:`gunzip`), and the headers a page
made for one visitor goes out with (:func:`private_headers`, :func:`head_headers`). Split
out of engine/page.py, which makes the page itself; no I/O here either."""

from __future__ import annotations

import zlib
from functools import lru_cache

from omotenashi.engine.headers import Headers, add_vary, get, make_private, media_type, without
from omotenashi.errors import PageRefused

SKIP_HEADER = b"x-omotenashi"
HTML_TYPES = ("text/html",)  # XHTML is XML: an HTML rewrite could make it ill-formed

VALIDATORS = (b"etag", b"last-modified")
# What describes the exact bytes of the app's body: checksums (RFC 9530 Content-Digest and
# Repr-Digest, RFC 3230 Digest, Content-MD5), a signature that may cover them (RFC 9421), and
# the promise of byte ranges of it (a Range request gets the app's bytes, not this page's).
BODY_BYTES = (
    b"content-digest",
    b"repr-digest",
    b"digest",
    b"content-md5",
    b"signature",
    b"signature-input",
    b"accept-ranges",
)


def can_personalise(method: str, status: int, headers: Headers) -> bool:
    """Only a 200 GET of HTML, identity- or gzip-encoded, that the app did not opt out."""
    if method != "GET" or status != 200:
        return False
    media, _ = media_type(headers)
    if media not in HTML_TYPES:
        return False
    encoding = (get(headers, b"content-encoding") or b"identity").strip().lower()
    if encoding not in (b"identity", b"gzip"):  # br, deflate, chains: passed untouched
        return False
    return (get(headers, SKIP_HEADER) or b"").strip().lower() != b"off"


def gunzip(data: bytes, limit: int) -> bytes:
    """A gzip body, refused (:class:`PageRefused`) when it inflates past ``limit`` bytes or is
    not one whole gzip member."""
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, limit + 1)
    except zlib.error as exc:
        raise PageRefused("the gzip body does not inflate", str(exc)) from None
    if len(out) > limit or inflater.unconsumed_tail:
        raise PageRefused("the gzip page inflates past OMOTENASHI_MAX_BODY bytes", limit)
    if not inflater.eof:
        raise PageRefused("the gzip body is truncated")
    if inflater.unused_data:  # several gzip members: browsers read them all; we pass it on
        raise PageRefused("the gzip body has more than one member")
    return out


def head_headers(headers: Headers, vary: tuple[bytes, ...] = (b"Cookie",)) -> Headers:
    """The app's headers for a HEAD of a page a GET would personalise: what the GET gets
    (``Cache-Control: private``, ``Vary: Cookie`` and ``vary``'s others, no validators), without
    a length, checksum or ``Accept-Ranges``, which only the GET's own body decides (RFC 9110
    9.3.2: a HEAD may leave out what is known only once the body is made)."""
    return make_private(add_vary(without(list(headers), *_DROPPED, *BODY_BYTES), *vary))


def private_headers(
    headers: Headers, length: int, vary: tuple[bytes, ...], *, rewritten: bool = True
) -> Headers:
    """The app's headers for a page made for one visitor: no length, validators or opt-out
    header of the app's, its length, ``Vary`` naming ``vary`` (headers.personal_vary) and
    ``Cache-Control: private``; and, when its body was ``rewritten``, none of the
    :data:`BODY_BYTES` headers."""
    # keyed without the headers dropped anyway: an app's length and validators differ from
    # page to page, the rest seldom does
    kept = []
    size = 0  # past 4096 (or not bytes, so not hashable: a bytearray), not worth keeping
    for k, v in headers:
        if k.lower() not in _DROPPED:
            kept.append((k, v))
            size += len(k) + len(v) if type(k) is bytes and type(v) is bytes else 4097
    key = tuple(kept)
    if size > 4096:
        return _with_length(_private_shape.__wrapped__(key, rewritten, vary), length)
    return _with_length(_private_shape(key, rewritten, vary), length)


# (and the app's Transfer-Encoding: the page goes whole with a length; both, RFC 9112 forbids)
_DROPPED = (b"content-length", b"transfer-encoding", SKIP_HEADER, *VALIDATORS)


@lru_cache(maxsize=256)  # an app sends the same few sets of headers, page after page
def _private_shape(
    headers: tuple[tuple[bytes, bytes], ...], rewritten: bool, vary: tuple[bytes, ...]
) -> tuple[tuple[tuple[bytes, bytes], ...], int]:
    """The headers, and where in them the length goes (filled in per response)."""
    new = without(list(headers), *_DROPPED, *(BODY_BYTES if rewritten else ()))
    new.append(_NO_LENGTH)  # (the app's lengths are dropped: the only one)
    shape = tuple(make_private(add_vary(new, *vary)))
    return shape, shape.index(_NO_LENGTH)


_NO_LENGTH = (b"content-length", b"")


def _with_length(shape: tuple[tuple[tuple[bytes, bytes], ...], int], length: int) -> Headers:
    out = list(shape[0])
    out[shape[1]] = (b"content-length", str(length).encode())
    return out
