"""The HTTP side of a page the engine may rewrite: which responses it takes
(:func:`can_personalise`: HTML as browsers read ``Content-Type``, :func:`_browser_type_of`, and
not a download, :func:`download`), the gzip body it reads (:func:`gunzip`), and the headers a page
made for one visitor goes out with (:func:`private_headers`, :func:`head_headers`). Split
out of engine/page.py, which makes the page itself; no I/O here either."""

from __future__ import annotations

import json
import re
import zlib
from functools import lru_cache

from omotenashi.engine.headers import (
    Headers,
    add_vary,
    asked_each_time,
    content_type,
    directives_of,
    get,
    make_private,
    without,
)
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


def can_personalise(method: str, status: int, headers: Headers, limit: int | None = None) -> bool:
    """Only a 200 GET of HTML, identity- or gzip-encoded, that the app did not opt out: HTML as
    browsers take it (every ``Content-Type`` line, :func:`_browser_type_of`, read as the engine
    reads the first), a page to show, not a file to save (:func:`download`); ``limit``: nor
    one whose ``Content-Length`` says it is longer (OMOTENASHI_MAX_BODY: it would go out as
    sent once held so far; a HEAD's headers are then the app's, as its GET's: streams60)."""
    if method != "GET" or status != 200:
        return False
    if limit is not None and (said := get(headers, b"content-length")) is not None:
        if said.strip().isdigit() and int(said) > limit:
            return False
    if not _html(_type_lines(headers)):  # (its Content-Type lines, read once)
        return False
    if coding_of(headers) is None:  # br, deflate, chains: passed untouched
        return False
    if opted_out(headers) or no_transform(headers):
        return False
    return not download(headers)


def no_transform(headers: Headers) -> bool:
    """``Cache-Control: no-transform``: the app (or the proxy's origin) asks that nothing
    between it and the browser change the body (RFC 9111 5.2.2.6); honoured as an opt-out
    (proxy51: it was personalised and the header kept, saying no change was made)."""
    for k, v in headers:
        if len(k) == 13 and k.lower() == b"cache-control" and b"no-transform" in v.lower():
            if any(d.lower() == b"no-transform" for d in directives_of(bytes(v))):
                return True
    return False


def opted_out(headers: Headers) -> bool:
    """Whether the app opted the response out: an ``X-Omotenashi`` line, or an element of one
    (a comma-separated list, as proxies join repeated lines), is ``off`` in any case, trimmed;
    whatever else it has (``on``, ``on, off`` on one line or two: off wins)."""
    size = len(SKIP_HEADER)
    return any(
        part.strip(_HTTP_SPACE).lower() == b"off"
        for k, v in headers
        if len(k) == size and k.lower() == SKIP_HEADER
        for part in bytes(v).split(b",")
    )


def _type_lines(headers: Headers) -> tuple[bytes, ...]:
    lines = []  # (a loop: quicker than a comprehension for the few headers a response has)
    for k, v in headers:
        if len(k) == 12 and k.lower() == b"content-type":
            lines.append(bytes(v))
    return tuple(lines)


def _html(lines: tuple[bytes, ...]) -> bool:
    """Whether ``Content-Type`` ``lines`` make the response HTML as the engine reads the first
    (``content_type``) and as browsers read them all (:func:`_browser_type_of`), alike."""
    # (apps send the same one or two, again and again: kept; one line, the usual: not summed)
    kept = len(lines[0]) <= 400 if len(lines) == 1 else sum(map(len, lines)) <= 400
    return _html_alike(lines) if kept else _html_alike.__wrapped__(lines)


@lru_cache(maxsize=256)
def _html_alike(lines: tuple[bytes, ...]) -> bool:
    declared = content_type([(b"content-type", lines[0])] if lines else [])
    return declared[0] in HTML_TYPES and _browser_type_of(lines) == declared


def _browser_type_of(lines: tuple[bytes, ...]) -> tuple[str, str | None] | None:
    """(media type, charset) of a response as browsers read its ``Content-Type`` ``lines``
    (Fetch, "extract a MIME type"; Chromium too): one list, split at commas outside quotes,
    whose last valid type wins; its charset is that entry's, else one an entry of the same
    type before it gave. None: no valid type (browsers sniff), a charset Chromium and Fetch
    take differently from such a list, or entries not all of one type."""
    if sum(map(len, lines)) <= 400:
        return _browser_type(lines)
    return _browser_type.__wrapped__(lines)


@lru_cache(maxsize=256)
def _browser_type(lines: tuple[bytes, ...]) -> tuple[str, str | None] | None:
    values = header_values(lines)
    essence = values[0].partition(b";")[0].strip(_HTTP_SPACE).lower()
    if any(value.partition(b";")[0].strip(_HTTP_SPACE).lower() != essence for value in values):
        return None  # (a missed page is safe; a text file rewritten as HTML is not)
    if not _ESSENCE.fullmatch(essence) or essence == b"*/*":
        return None  # not a type (both browsers skip it, then sniff), or one that says nothing
    # every entry is of that one type: the first's charset (Fetch), the last given
    # (Chromium), and the last entry's own, which both take when it names one
    charsets = [_charset(value) for value in values]
    given = next((c for c in reversed(charsets) if c is not None), None)
    own = charsets[-1]
    if own is None and charsets[0] != given:
        return None  # Fetch takes the first charset, Chromium the last: which, unknowable
    return essence.decode("latin-1"), (own if own is not None else given) or None


def _charset(value: bytes) -> str | None:
    """An entry's charset, as the engine reads one; "" for one named but not read
    (``charset=""``: the default, in both browsers); None when it names none."""
    charset = content_type([(b"content-type", value)])[1]
    if charset is None and b"charset" in value.lower():
        return ""
    return charset


def download(headers: Headers) -> bool:
    """Whether browsers save this response as a file rather than show it: its
    ``Content-Disposition`` type is ``attachment`` or one they do not know (RFC 6266 4.2; a
    value that starts with a parameter, ``filename=...``, is ``inline``), or it has several
    different ones (Chromium shows an error: ERR_RESPONSE_HEADERS_MULTIPLE_CONTENT_DISPOSITION).
    Either way it is no page view."""
    lines = [bytes(v) for k, v in headers if len(k) == 19 and k.lower() == b"content-disposition"]
    if not lines:
        return False
    values = set(header_values(lines))
    if len(values) > 1:
        return True
    kind = values.pop().partition(b";")[0].strip(_HTTP_SPACE)
    return _TOKEN.fullmatch(kind) is not None and kind.lower() != b"inline"


def header_values(lines: tuple[bytes, ...] | list[bytes]) -> list[bytes]:
    """A header's lines as one list of values (Fetch, "get, decode, and split"): joined with
    commas, split at each comma outside a double-quoted string (in which ``\\`` escapes the
    next byte, and which an unclosed quote runs to the end), each trimmed of spaces and tabs;
    an empty value is one too (``inline,`` is two)."""
    text = b", ".join(lines)
    out: list[bytes] = []
    start, pos, end = 0, 0, len(text)
    while pos < end:
        byte = text[pos]
        if byte == 0x22:  # '"': to its closing quote
            pos += 1
            while pos < end and text[pos] != 0x22:
                pos += 2 if text[pos] == 0x5C else 1
        elif byte == 0x2C:  # ','
            out.append(text[start:pos].strip(b" \t"))
            start = pos + 1
        pos += 1
    out.append(text[start:].strip(b" \t"))
    return out


_HTTP_SPACE = b"\t\n\r "
_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_ESSENCE = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+/[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


def is_gzip(headers: Headers) -> bool:
    """Whether the body is gzip-encoded (the only encoding personalised: others pass as sent)."""
    return coding_of(headers) == b"gzip"


def coding_of(headers: Headers) -> bytes | None:
    """The body's coding as every ``Content-Encoding`` line says it (lines join as a list,
    as proxies join them; ``identity`` names none): ``identity``, ``gzip``, or None for any
    other or a chain. Only the first line was read: ``identity`` then ``gzip`` had the gzip
    bytes read as a latin-1 page (http50)."""
    codings = []
    for k, v in headers:
        if len(k) == 16 and k.lower() == b"content-encoding":
            for part in bytes(v).split(b","):
                if (coding := part.strip(_HTTP_SPACE).lower()) and coding != b"identity":
                    codings.append(coding)
    if not codings:
        return b"identity"
    # (x-gzip: gzip's old name, which browsers take as gzip; RFC 9110 8.4.1.3; proxy60)
    return b"gzip" if codings == [b"gzip"] or codings == [b"x-gzip"] else None


_LEADING = re.compile(r"[\ufeff \t\r\n]*")  # what may come before a JSON text's first byte


def is_json(text: str) -> bool:
    """Whether ``text`` is a JSON object or array (an API's answer labelled text/html, as PHP
    labels any): one that begins as one is parsed; an HTML fragment or a template in
    brackets or braces fails at once (last60: ``[<b>3 new</b>] ...``, ``{{#items}}``)."""
    leading = _LEADING.match(text)
    first = leading.end() if leading is not None else 0
    if text[first : first + 1] not in ("{", "["):
        return False
    try:
        json.loads(text[first:] if first else text)
    except (ValueError, RecursionError):
        return False
    return True


def gunzip(data: bytes, limit: int) -> bytes:
    """A gzip body, its members one after another as browsers read them (Django's GZip makes
    one of each chunk of a stream: mount61), refused (:class:`PageRefused`) when it inflates
    past ``limit`` bytes, a member is truncated or what follows one is not another."""
    inflated = gunzip_few(data, limit, 0)
    assert inflated is not None  # (no bound on members)
    return inflated


def gunzip_few(data: bytes, limit: int, members: int) -> bytes | None:
    """:func:`gunzip`, or None for a body of more than ``members`` members (0: any number):
    each costs a few microseconds, so thousands of tiny ones are inflated off the event loop
    (linear62: 13,000 empty members, 20 ms)."""
    # Each member is fed in windows that double from 64 bytes: what follows its end comes
    # back copied (``unused_data``), at most the last window, about the member's size; the whole
    # rest each time would cost the body's size per member (linear time on any input)
    view, at, parts, size, count = memoryview(data), 0, [], 0, 0
    while True:
        count += 1
        if count > members > 0:
            return None
        inflater, window = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS), 64
        while not inflater.eof:
            fed = view[at : at + window]
            try:
                part = inflater.decompress(fed, limit + 1 - size)  # (at least 1: 0 is no limit)
            except zlib.error as exc:
                raise PageRefused("the gzip body does not inflate", str(exc)) from None
            parts.append(part)
            size += len(part)
            if size > limit or inflater.unconsumed_tail:
                raise PageRefused("the gzip page inflates past OMOTENASHI_MAX_BODY bytes", limit)
            at += len(fed) - len(inflater.unused_data)
            if not inflater.eof and at >= len(data):
                raise PageRefused("the gzip body is truncated")
            window *= 2
        if at >= len(data):
            return parts[0] if len(parts) == 1 else b"".join(parts)


def head_headers(headers: Headers, vary: tuple[bytes, ...] = (b"Cookie",)) -> Headers:
    """The app's headers for a HEAD of a page a GET would personalise: what the GET gets
    (``Cache-Control: private``, ``Vary: Cookie`` and ``vary``'s others, no validators), without
    a length, checksum or ``Accept-Ranges``, which only the GET's own body decides (RFC 9110
    9.3.2: a HEAD may leave out what is known only once the body is made)."""
    private = make_private(add_vary(without(list(headers), *_DROPPED, *BODY_BYTES), *vary))
    return asked_each_time(private)  # (as a rewritten GET's: the HEAD cannot know it is not)


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
    private = make_private(add_vary(new, *vary))
    shape = tuple(asked_each_time(private) if rewritten else private)
    return shape, shape.index(_NO_LENGTH)


_NO_LENGTH = (b"content-length", b"")


def _with_length(shape: tuple[tuple[tuple[bytes, bytes], ...], int], length: int) -> Headers:
    out = list(shape[0])
    out[shape[1]] = (b"content-length", str(length).encode())
    return out
