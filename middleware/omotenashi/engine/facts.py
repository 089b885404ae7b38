"""What is known about one request and its visitor: the only input rule conditions see."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from omotenashi.quick import quick_dict
from omotenashi.rules.text import nfc

# What rules may read of a query string: its first 8 KiB and 100 parameters (parsing stays
# cheap and bounded: 8 KiB of "a=1&a=1..." took 1.2 ms to parse whole).
MAX_QUERY, MAX_PARAMS = 8192, 100
# What rules may read of Accept-Language: its first 1 KiB and 20 entries (browsers send a few
# dozen characters); of Referer, one of up to 4 KiB, a longer one is none (browsers send no
# longer one: Chrome and Firefox send the origin alone of a longer URL).
MAX_LANGUAGES, MAX_LANGUAGE_ENTRIES, MAX_REFERER = 1024, 20, 4096
URL_PATH_SAFE = "/!$&'()*+,;=:@"  # RFC 3986 pchar and "/", besides letters, digits and -._~
# A query a URL can carry as it is: printable ASCII, no space, no "#" (a fragment would begin),
# no "\\" (read as "/" by browsers: respect/preferences.py ``safe_next`` refuses it).
_SURROGATE = re.compile("[\ud800-\udfff]")
_PLAIN_QUERY = re.compile(r'[!"$-\[\]-~]+')
_PLAIN_PATH = re.compile(r"/[A-Za-z0-9\-._~!$&'()*+,;=:@/%]*")  # percent-encoded pchar and "/"
_COUNTRY = re.compile(r"[A-Za-z][A-Za-z0-9]|[A-Za-z]{3}", re.ASCII)  # as rules name them


def site_of(url: str) -> str:
    """A URL's site alone, ``<scheme>://<host>/`` ("" for no URL): never the page, its query, a
    search's words or a login in it. The first referrer is kept so (and a value kept whole
    before it was is read so: store/replies.py; the record script cuts it: store/scripts.py)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    host = parts.netloc.rpartition("@")[2]
    return f"{parts.scheme}://{host}/" if parts.scheme and host else ""


@dataclass(frozen=True, slots=True)
class Device:
    """What the User-Agent says (parsed by the identity stage)."""

    kind: str  # "mobile" | "tablet" | "desktop" | "bot" | "other"
    browser: str
    os: str
    is_bot: bool


@dataclass(frozen=True)
class Forced:
    """A QA preview: rules that win their slot whatever their conditions, a stage, segments and
    attributes that override the profile's. Forced views are never recorded."""

    rules: frozenset[str] = frozenset()
    stage: str | None = None
    segments: frozenset[str] = frozenset()
    attrs: dict[str, Any] = field(default_factory=dict)
    expires: float = 0.0
    at: float | None = None  # the moment schedules and time conditions see (``force --time``)

    def moment(self, now: datetime) -> datetime:
        """What schedules and time conditions see: the link's moment, else ``now``."""
        return now if self.at is None else datetime.fromtimestamp(self.at, UTC)


@dataclass(frozen=True)
class RequestInfo:
    """The request as rules see it: no headers beyond these, no cookies, no body."""

    path: str = "/"
    query: Mapping[str, str] = field(default_factory=dict)
    host: str = ""
    referrer: str = ""
    languages: tuple[str, ...] = ()
    country: str = ""
    secure: bool = False
    # What the browser's URLs carry before ``path`` (the ASGI root_path, as a URL path: "" or
    # "/app"): the links and forms written into the page start with it; rules never see it.
    root: str = ""
    # The browser fetches the page ahead of use (:func:`fetched_ahead`): personalised as any
    # page, recorded not at all (asgi/responder.py decides); rules never see it.
    prefetch: bool = False
    # A page the visitor is taken to (:func:`navigates`), not HTML a page's script fetches
    # for a part of itself: only such a page says a choice's one-time word (engine/flash.py).
    navigation: bool = True
    # The query as the browser sent it (cut past MAX_QUERY): a choice made on the page returns to
    # the page with it (:attr:`back`); rules see ``query``.
    query_string: str = ""
    # The path as the browser wrote it (ASGI ``raw_path``, without a root): :attr:`back` returns
    # to it when it is plain URL text that decodes to ``path`` (``%2F``, NFD: ``path`` lost them)
    raw_path: str = ""
    # The page's own origin as the browser asked for it ("https://shop.example", "" when not
    # known): on a page whose <base href> names another host, our links and forms are written
    # absolute with it (engine/disclosure.py reach); rules never see it.
    origin: str = ""

    @classmethod
    def from_parts(
        cls,
        path: str,
        query_string: str,
        headers: Mapping[str, str],
        *,
        country_header: str = "",
        secure: bool = False,
        root: str = "",
        raw_path: str = "",
        origin: str = "",
    ) -> RequestInfo:
        referrer = headers.get("referer", "")  # (over MAX_REFERER: none, as on every path)
        return quick_dict(  # every field: built in one step
            cls,
            {
                "path": path,
                "query": query_params(query_string) if query_string else {},
                "host": headers.get("host", ""),
                "referrer": referrer if len(referrer) <= MAX_REFERER else "",
                "languages": _languages(headers.get("accept-language", "")),
                "country": country_code(headers.get(country_header.lower(), ""))
                if country_header
                else "",
                "secure": secure,
                "root": root,
                "prefetch": fetched_ahead(headers),
                "navigation": navigates(headers),
                "query_string": query_string,
                "raw_path": raw_path,
                "origin": origin,
            },
        )

    @property
    def back(self) -> str:
        """The page's URL for a form on it to return to (root, path and query): the path is
        given decoded, so it is percent-encoded again (``/new york``, ``/50%-off``, a ``?`` in
        it); the query goes as sent when it is plain URL text (else the path alone), but a
        force link's token, which its cookie carries on (qa70: repeated in the page's forms)."""
        url = self.url_path
        query = self.query_string  # (longer than MAX_QUERY: cut, so the path alone)
        if "omo_preview=" in query:  # (identity/preview.py PARAM)
            query = "&".join(p for p in query.split("&") if not p.startswith("omo_preview="))
        plain = len(query) <= MAX_QUERY and _PLAIN_QUERY.fullmatch(query)
        return f"{url}?{query}" if query and plain else url

    @property
    def url_path(self) -> str:
        """The page's path in its URL (root and path) as the browser has it: as written, or
        percent-encoded again (a relative link on the page is read against it)."""
        if written := self._written:
            return written
        try:
            return self.root + quote(self.path, safe=URL_PATH_SAFE)
        except UnicodeEncodeError:  # a lone surrogate (a server that decodes paths so): as
            path = _SURROGATE.sub("\ufffd", self.path)  # U+FFFD, as uvicorn gives (fuzz53)
            return self.root + quote(path, safe=URL_PATH_SAFE)

    @property
    def _written(self) -> str:
        """:attr:`raw_path`, with the root, when it is this page's URL as a browser can carry
        it ("" when not): a server behind a proxy that strips the root gets the path alone, a
        mount (Starlette's ``Mount``) passes on the root and the path as written."""
        raw = self.raw_path
        if not raw or not _PLAIN_PATH.fullmatch(raw) or raw.startswith("//"):
            return ""
        written = nfc(unquote(raw)) if "%" in raw else raw  # (plain: ASCII, as written)
        if written == self.path:
            return self.root + raw
        return raw if self.root and written == nfc(unquote(self.root)) + self.path else ""

    @property
    def referring_site(self) -> str:
        """:attr:`external_referrer`'s site alone: how a visitor first came, as it is kept."""
        return site_of(self.external_referrer)

    @property
    def external_referrer(self) -> str:
        try:
            host = urlsplit(self.referrer).netloc if self.referrer else ""
        except ValueError:  # a malformed Referer (e.g. "http://[::1") is no referrer
            return ""
        return self.referrer if host and host != self.host else ""


def country_code(value: str) -> str:
    """The country header's value when it is a code (ISO 3166 two letters, a CDN's own such
    as ``T1`` and ``XX``, or three letters, as rules may name them), else "": no country. The
    header is the client's to send wherever no CDN sets it, and why sentences name it."""
    value = value.strip()
    return value if _COUNTRY.fullmatch(value) else ""


# Request headers by which a browser says it fetches a page ahead of use, not to show it now
# (speculation rules, ``<link rel=prefetch>``, prerender), and the tokens that say so: Chrome
# and Edge send ``Sec-Purpose: prefetch`` (``prefetch;prerender``,
# ``prefetch;anonymous-client-ip``), older Chrome and Firefox ``Purpose: prefetch``, older
# Firefox ``X-Moz: prefetch``, Safari's Top Sites ``X-Purpose: preview``, Turbo's hover
# prefetch ``X-Sec-Purpose: prefetch``.
AHEAD = {
    "sec-purpose": frozenset({"prefetch"}),
    "purpose": frozenset({"prefetch"}),
    "x-moz": frozenset({"prefetch"}),
    "x-purpose": frozenset({"prefetch", "preview"}),
    "x-sec-purpose": frozenset({"prefetch"}),  # Turbo 8's hover prefetch (no script sends Sec-)
}
MAX_PURPOSE = 256  # what is read of each such header: browsers send a few dozen characters


def fetched_ahead(headers: Mapping[str, str]) -> bool:
    """Whether the request is a page the browser fetches ahead of use (:data:`AHEAD`)."""
    for name, tokens in AHEAD.items():
        value = headers.get(name)
        if value and not tokens.isdisjoint(purpose_tokens(value)):
            return True
    return False


def navigates(headers: Mapping[str, str]) -> bool:
    """Whether the request takes the visitor to the page: a browser's navigation
    (``Sec-Fetch-Mode: navigate`` to a document, not an iframe's; or no such header: older
    browsers and plain clients), a
    Turbo Drive visit (``X-Turbo-Request-Id`` without ``Turbo-Frame``) or an htmx boosted link
    (``HX-Boosted``); not HTML a script fetches for a part of its page (a quick view, the next
    page of a list, a Turbo frame)."""
    mode = headers.get("sec-fetch-mode")
    if mode is None:
        return True
    if mode.strip().lower() == "navigate":  # the page itself, not one in an <iframe>
        return headers.get("sec-fetch-dest", "document").strip().lower() == "document"
    turbo = "x-turbo-request-id" in headers and "turbo-frame" not in headers
    return turbo or headers.get("hx-boosted", "").strip().lower() == "true"


def purpose_tokens(value: str) -> set[str]:
    """The tokens of a purpose header's list (RFC 8941: members split by commas, each a token
    and its ``;`` parameters), lower-case: ``"prefetch;prerender, X"`` names ``prefetch`` and
    ``x``; ``'"prefetch"'`` is a string, not that token. Only the first
    :data:`MAX_PURPOSE` characters are read, and a member they cut short is not: the work is
    bounded whatever the header's length."""
    members = value[:MAX_PURPOSE].split(",")
    if len(value) > MAX_PURPOSE:
        members.pop()
    return {member.partition(";")[0].strip(" \t").lower() for member in members}


def query_params(query_string: str, charset: str = "utf-8") -> dict[str, str]:
    """The first value of each of the first :data:`MAX_PARAMS` parameters in the first
    :data:`MAX_QUERY` characters of a query string, as ``parse_qs`` reads them (one without
    ``=`` or with an empty value is none). ``charset``: the codec of the page it asks for; a
    form on a page in Shift_JIS sends its text in Shift_JIS (``q=%8B%9E%93s``, 京都), so a name
    or value that is not UTF-8 is read in it (one that is, as a link sends it, stays).

    One pass, each ``&`` and ``=`` found in C: the work is that of the parameters read, not
    a scan per step of ``parse_qs`` (split, split again, replace and unquote each)."""
    head = query_string[:MAX_QUERY]
    coded = charset != "utf-8"
    encoding = "latin-1" if coded else "utf-8"  # (each byte as it was sent: read in charset)
    out: dict[str, str] = {}
    start, end, fields = 0, len(head), 0
    while start < end and fields < MAX_PARAMS:
        stop = head.find("&", start)
        if stop < 0:
            stop = end
        name, eq, value = head[start:stop].partition("=")
        start, fields = stop + 1, fields + 1
        if not value:  # (no "=", or nothing after it)
            continue
        name, value = _unquoted(name, encoding), _unquoted(value, encoding)
        if name not in out:
            out[name] = value
    if coded:  # (after: two names may read alike in the page's charset; the last one is kept)
        return {_read_in(k, charset): _read_in(v, charset) for k, v in out.items()}
    return out


def _unquoted(text: str, encoding: str) -> str:
    """``parse_qs``'s reading of a name or value: ``+`` is a space, then percent-decoded."""
    if "+" in text:
        text = text.replace("+", " ")
    return unquote(text, encoding) if "%" in text else text


def _read_in(sent: str, charset: str) -> str:
    data = sent.encode("latin-1", "replace")
    try:
        if b"\x1b" not in data:  # (ISO-2022-JP's escapes are ASCII)
            return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    return data.decode(charset, "replace")


_UNKNOWN = Device(kind="other", browser="Other", os="Other", is_bot=False)


@dataclass(frozen=True)
class Facts:
    stage: str = "awareness"
    segments: frozenset[str] = frozenset()
    attrs: Mapping[str, object] = field(default_factory=dict)
    interests: Mapping[str, float] = field(default_factory=dict)
    visits: int = 1
    is_new: bool = True
    device: Device = _UNKNOWN
    path: str = "/"
    query: Mapping[str, str] = field(default_factory=dict)
    referrer: str = ""
    languages: tuple[str, ...] = ()
    country: str = ""
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    views: int = 0
    purchases: int = 0
    cart_items: int = 0
    events: Mapping[str, int] = field(default_factory=dict)
    absent_days: float | None = None
    cart_abandoned: bool = False
    viewed: frozenset[str] = frozenset()
    bought: frozenset[str] = frozenset()  # items bought (Profile.purchased)
    in_cart: frozenset[str] = frozenset()  # items in the cart now (Profile.cart, quantity > 0)
    lists: Mapping[str, frozenset[str]] = field(default_factory=dict)
    first_touch: Mapping[str, str] = field(default_factory=dict)
    # How to name things to the visitor (from the catalogue): item id → title, topic → words
    titles: Mapping[str, str] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)
    # ... and the stages, in the site's words (the journey file's ``stages:``)
    stage_words: Mapping[str, str] = field(default_factory=dict)
    # ... the segments (the journey file's ``segment_words:``), and a catalogue item's page
    # path → its title (Catalog.page_titles): a ``path:`` reason names the page so
    segment_words: Mapping[str, str] = field(default_factory=dict)
    pages: Mapping[str, str] = field(default_factory=dict)


_NOTHING: frozenset[str] = frozenset()


def in_cart(cart: Mapping[str, int]) -> frozenset[str]:
    """The items in ``cart`` (item → quantity) now, those of a quantity above 0 (``in_cart:``
    conditions): an empty cart, most visitors' on most pages, costs a test."""
    if not cart:
        return _NOTHING
    return frozenset([item for item, n in cart.items() if n > 0])


def evolve(facts: Facts, **changes: object) -> Facts:
    """``dataclasses.replace`` for facts, without re-running ``__init__`` (a dozen times
    cheaper: it is called a few times per request). ``changes`` must name fields."""
    values = facts.__dict__.copy()
    if not changes.keys() <= values.keys():
        unknown = changes.keys() - values.keys()
        raise TypeError(f"Facts has no field {sorted(unknown)[0]!r}")
    values.update(changes)
    new = object.__new__(Facts)
    object.__setattr__(new, "__dict__", values)
    return new


def _languages(header: str) -> tuple[str, ...]:
    """:func:`parse_languages`, remembered for the usual short headers (browsers send the same
    few again and again)."""
    return _known_languages(header) if len(header) <= 200 else parse_languages(header)


def parse_languages(header: str) -> tuple[str, ...]:
    """Accept-Language → lower-case tags, best first (q=0 dropped). Only what can be a tag
    (letters, digits and hyphens, at most 35 characters: RFC 5646's longest in practice) is
    kept: a reason may quote it to the visitor and it may be kept with their profile. Of the
    header, the first :data:`MAX_LANGUAGE_ENTRIES` entries of its first :data:`MAX_LANGUAGES`
    characters are read, and an entry they cut short is not: the work is bounded whatever
    the header's length, and no tag is read that the visitor's browser did not send."""
    out: list[tuple[float, int, str]] = []
    parts = header[:MAX_LANGUAGES].split(",", MAX_LANGUAGE_ENTRIES)
    if len(parts) > MAX_LANGUAGE_ENTRIES:
        del parts[MAX_LANGUAGE_ENTRIES:]
    elif len(header) > MAX_LANGUAGES and header[MAX_LANGUAGES] != ",":  # the last is cut short
        parts.pop()
    for index, part in enumerate(parts):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip().lower().replace("_", "-")  # en_US, as Java and POSIX locales write it
        if len(tag) > 35 or not _TAG.fullmatch(tag):  # "*", empty, or not a language tag
            continue
        q = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                q = float(params[2:])
            except ValueError:
                q = 0.0
        if q > 0:
            out.append((-q, index, tag))
    return tuple(tag for _, _, tag in sorted(out))


_TAG = re.compile(r"[a-z]{1,8}(?:-[a-z0-9]{1,8})*", re.ASCII)
_known_languages = lru_cache(maxsize=1024)(parse_languages)
