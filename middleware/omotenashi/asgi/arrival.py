"""identify → load: who this request is, what we may know about them, and their profile.

Everything here happens before the app runs; a failure hands the request to the app untouched.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any, NamedTuple
from urllib.parse import quote

from omotenashi.asgi.origin import page_origin
from omotenashi.asgi.requestheaders import COOKIES_CUT, MAX_HEADER, request_headers
from omotenashi.asgi.visitor import Services, Visitor
from omotenashi.engine.facts import (
    MAX_QUERY,
    URL_PATH_SAFE,
    Device,
    RequestInfo,
    query_params,
)
from omotenashi.engine.paths import origin_form, origin_path
from omotenashi.engine.privacywords import PRIVATE_PREVIEW
from omotenashi.engine.profile import Profile
from omotenashi.engine.renames import Renames
from omotenashi.engine.restraint import Prefs
from omotenashi.errors import StoreError
from omotenashi.identity import preview
from omotenashi.identity.cookie import CookieSigner, Identity, cookie_value
from omotenashi.identity.device import MAX_USER_AGENT, is_bot, parse_device
from omotenashi.metrics import Metrics
from omotenashi.recommend.signals import Shared
from omotenashi.respect.privacy import Privacy, decide_privacy
from omotenashi.rules.text import nfc
from omotenashi.settings import Settings
from omotenashi.store.reading import ProfileRead
from omotenashi.store.store import Store

log = logging.getLogger("omotenashi")
Scope = dict[str, Any]
AGENTS_KEPT = 4096  # User-Agents whose device and bot answer are kept


class Guest(NamedTuple):
    """What is known of a request before anything is loaded (a tuple: built on every request,
    in half the time of a frozen dataclass)."""

    headers: dict[str, str]
    device: Device
    bot: bool


# Validators that would let the app (or the proxy's origin) answer 304 for a page that must
# be seen whole: a 304 skips the page view and keeps the browser's unpersonalised copy.
CONDITIONAL = frozenset({b"if-none-match", b"if-modified-since"})
# Sec-Fetch-Dest values of a page load; any other (image, script, empty for fetch() ...) is not.
_PAGE_DESTS = frozenset({b"document", b"iframe", b"frame"})
# Files the server sends whole (ASGI extensions): a page held for the engine cannot be one, so a
# request whose page may be held is not offered them and frameworks send body messages instead.
FILE_SENDS = frozenset({"http.response.pathsend", "http.response.zerocopysend"})
_HTML_RANGES = frozenset({b"text/html", b"application/xhtml+xml", b"text/*"})


def is_page_request(method: str, headers: Iterable[tuple[bytes, bytes]]) -> bool:
    """Whether this is a page request: the one rule for whose validators are dropped (so a
    page cached before us is not answered 304), in the middleware and the proxy.

    A GET, and: ``Sec-Fetch-Dest`` is ``document``, ``iframe`` or ``frame`` when the client
    sends it (browsers do, and say exactly); else ``Accept`` names HTML (``text/html``,
    ``application/xhtml+xml``, ``text/*``). ``*/*`` alone (curl, HTTP libraries, a CDN
    revalidating a feed or an image) is not: its 304s stay the app's.
    """
    if method != "GET":
        return False
    accept: list[bytes] = []
    for key, value in headers:
        name = key.lower()
        if name == b"sec-fetch-dest":
            return value.strip().lower() in _PAGE_DESTS
        if name == b"accept":
            accept.append(value)
    ranges = b",".join(accept)[:MAX_HEADER].lower().split(b",", 32)[:32]  # browsers send ~6
    return any(media_range.split(b";", 1)[0].strip() in _HTML_RANGES for media_range in ranges)


def page_request_headers(
    headers: Iterable[tuple[bytes, bytes]], coding: str = ""
) -> list[tuple[bytes, bytes]]:
    """A page request's ``headers`` as the app gets them: without ``If-None-Match`` and
    ``If-Modified-Since``, and, ``coding`` given (:func:`~omotenashi.asgi.codings.narrowed`
    of its ``Accept-Encoding`` lines, which name br, zstd ...), one ``Accept-Encoding`` of gzip
    (or identity) in their place, as the proxy asks its origin: a br compressor inside us
    (Litestar's brotli backend, brotli-asgi) would otherwise send every page in a form we
    cannot rewrite, and no page would be personalised or counted."""
    out: list[tuple[bytes, bytes]] = []
    said = not coding
    for key, value in headers:
        name = key.lower()
        if name == b"accept-encoding" and coding:
            if not said:  # the first line says it; the others go
                out.append((key, coding.encode("latin-1")))
                said = True
        elif name not in CONDITIONAL:
            out.append((key, value))
    return out


def route_path(scope: Scope) -> str:
    """The path as the app routes it: ``path`` without the ``root_path`` it starts with (a
    mount's prefix, ``uvicorn --root-path``), as Starlette's ``get_route_path`` takes it off.
    A server whose ``path`` leaves the ``root_path`` out is read as it is. Every judgement of
    a path (excluded, untracked, rule and journey paths, our own endpoints) is made on this,
    in Unicode NFC as the globs it meets are (rules/text.py): ``/e\\u0301te\\u0301`` is ``/été``."""
    path: str = nfc(origin_path(scope.get("path") or "/", scope.get("raw_path")))  # (sent on)
    root: str = nfc(scope.get("root_path") or "")
    if root and path.startswith(root):
        rest = path[len(root) :]
        if not rest:
            return "/"  # the mount's own root ("/shop" under "/shop")
        if rest[0] == "/" or root.endswith("/"):
            return rest if rest[0] == "/" else "/" + rest
    return path


def fastapi_app(app: Any) -> Any:
    """``app`` when it is a FastAPI app, else None. ``FastAPI(root_path="/api")`` (deprecated,
    still honoured) sets the scope's ``root_path`` as it starts, inside a wrapping middleware:
    that one sets it first, so that it judges and links as FastAPI routes. (FastAPI only:
    Quart's and Flask's ``root_path`` is the app's folder.)"""
    named = any(
        c.__name__ == "FastAPI" and c.__module__.startswith("fastapi") for c in type(app).__mro__
    )
    return app if named and isinstance(getattr(app, "root_path", None), str) else None


def url_root(scope: Scope) -> str:
    """What every URL we write (a link, a form, a redirect) starts with, so that the browser
    reaches it: the ``root_path`` as a URL path, "" without one. One leading slash (never
    ``//host``), no trailing one, percent-encoded (it is given decoded, as ``path`` is)."""
    root: str = scope.get("root_path") or ""
    root = root.strip("/")
    return "/" + quote(root, safe=URL_PATH_SAFE) if root else ""


def request_info(
    scope: Scope, headers: dict[str, str], settings: Settings, path: str | None = None
) -> RequestInfo:
    """The request as rules see it (``path``: its :func:`route_path`, when already known)."""
    return RequestInfo.from_parts(
        route_path(scope) if path is None else path,
        scope.get("query_string", b"")[: MAX_QUERY + 1].decode("latin-1"),  # (rules: MAX_QUERY)
        headers,
        country_header=settings.country_header,
        secure=scope.get("scheme") in ("https", "wss"),
        root=url_root(scope),
        raw_path=written_path(scope),
        origin=page_origin(*request_host(headers, scope, settings)),  # (<base href>: links)
    )


def written_path(scope: Scope) -> str:
    """The path as the browser wrote it (``raw_path``, some servers add the query), for a form
    to return to (``RequestInfo.back`` checks it); "" when there is none or it is not ASCII."""
    raw = scope.get("raw_path")
    if not isinstance(raw, bytes) or len(raw) > MAX_HEADER or not raw.isascii():
        return ""
    return origin_form(raw).partition(b"?")[0].decode("ascii")


def request_host(headers: dict[str, str], scope: Scope, settings: Settings) -> tuple[str, str]:
    """The host and scheme the browser asked for: the Host header and the connection's scheme;
    behind a proxy trusted to set them (OMOTENASHI_TRUST_FORWARDED_HOST), X-Forwarded-Host
    and X-Forwarded-Proto, their last value: the one that proxy added (a client can send its
    own ones, which come before). The force-link check, the beacon's and the same-site check
    of a form all ask this."""
    host, scheme = headers.get("host", ""), str(scope.get("scheme") or "http")
    if settings.trust_forwarded_host:
        forwarded = headers.get("x-forwarded-host", "").rsplit(",", 1)[-1].strip()
        proto = headers.get("x-forwarded-proto", "").rsplit(",", 1)[-1].strip().lower()
        host, scheme = forwarded or host, proto or scheme
    return host, {"wss": "https", "ws": "http"}.get(scheme, scheme)


class Arrival:
    def __init__(
        self, settings: Settings, signer: CookieSigner, store: Store, metrics: Metrics
    ) -> None:
        self.settings = settings
        self.signer = signer
        self.store = store
        self.metrics = metrics
        self.forcer = preview.ForceSigner(settings)
        self._bot_markers = tuple(m.lower() for m in settings.bot_user_agents)
        self._services: Services | None = None
        self._agents: dict[str, tuple[Device, bool]] = {}  # User-Agent: (device, bot)

    def guest(self, scope: Scope) -> Guest:
        headers = request_headers(scope)
        user_agent = headers.get("user-agent", "")[:MAX_USER_AGENT]  # all that is read of it
        known = self._agents.get(user_agent)
        if known is None:  # the device and whether it is a bot: once per User-Agent
            device = parse_device(user_agent)
            known = device, is_bot(device, user_agent, self._bot_markers)
            if len(self._agents) >= AGENTS_KEPT:  # bounded: the recent ones only
                self._agents.clear()
            self._agents[user_agent] = known
        return Guest(headers, *known)

    def identify(self, guest: Guest, renames: Renames | None = None) -> Identity:
        """Who the request's cookie names (identity/cookie.py ``identify``)."""
        headers = guest.headers
        return self.signer.identify(headers.get("cookie"), renames, cut=COOKIES_CUT in headers)

    def privacy(self, guest: Guest, ident: Identity | None, *, revoked: bool = False) -> Privacy:
        """The one privacy decision (``ident``: who the cookie names, None for no choice kept;
        ``revoked``: the store marks this id as revoked)."""
        prefs, unread = (
            (Prefs(), False) if ident is None else (Prefs.from_cookie(ident.prefs), ident.unread)
        )
        respect, bot = self.settings.respect, guest.bot
        return decide_privacy(
            guest.headers, prefs, respect, bot=bot, revoked=revoked, unread=unread
        )

    async def visitor(
        self,
        scope: Scope,
        guest: Guest,
        half_life: float,
        *,
        recommends: bool = False,
        item: str | None = None,
    ) -> Visitor:
        """The visitor of a page request (not a bot), with their profile when we may load it.

        ``recommends``: the same round trip also reads what recommendations need from
        everyone's views (``item``: the page's own item, for its co-views).
        """
        ident = self.identify(guest)
        services = self._services
        if services is None or services.half_life != half_life:  # the same for every request
            cfg = self.settings
            services = self._services = Services(
                self.store, self.signer.user_salt, half_life, cfg.cookie.max_age, cfg.respect,
                cfg.session_gap,
            )  # fmt: skip
        shared: Shared | None = None  # made only when there is something to say
        reading = None
        privacy = self.privacy(guest, ident)
        if privacy.private:
            # GPC/DNT or no consent: no profile is read or written, no new cookie is set;
            # rules on the page and the moment (device, time, campaign) may still apply.
            self.metrics.inc("private")
            if recommends:  # what everyone viewed: popular items, nothing about this visitor
                shared = await self._shared_only(item)
            private = Visitor(
                ident, Profile(), guest.device, services=services, private=True,
                privacy=privacy.said, keeps_choices=privacy.keeps_choices(not ident.is_new),
                shared=shared or Shared(),
            )  # fmt: skip
            token = _preview_token(scope, guest.headers)[0]
            if token:  # QA: why the link changes nothing (a link that is no good says that)
                host, scheme = request_host(guest.headers, scope, self.settings)
                checked = self.forcer.check(token, host, scheme)
                said = f"not applied: {PRIVATE_PREVIEW[privacy.reason]}"
                private.preview_refused = checked if isinstance(checked, str) else said
            return private
        mark = self.store.erasures.mark  # before the read: an erase after it is told apart
        try:
            if ident.is_new:  # nothing to read; but a store known to be down means no profile
                profile, degraded = Profile(), not self.store.healthy
                if recommends and not degraded:
                    shared = await self._shared_only(item)
            elif recommends and self.store.recs.needs_read(item):
                profile, shared = await self.store.load_visit(ident.user or ident.vid, item)
                degraded = False
            else:  # sent now, read while the app runs; only the engine waits for it
                reading = ProfileRead(self.store, ident.user or ident.vid)
                profile, degraded = Profile(), False
                if recommends:  # popular items are cached and the page has no item
                    shared = self.store.recs.shared([], [], item)
        except StoreError as exc:
            log.debug(  # the store's breaker logs the outage once; not a line per request
                "omotenashi: profile not loaded (%s); serving the page as the app made it", exc
            )
            profile, degraded = Profile(), True
        # A revoked id (the decision above, for this id): as private as GPC.
        if profile.revoked and self.privacy(guest, ident, revoked=True).private:
            self.metrics.inc("private")
            return Visitor(
                ident, Profile(), guest.device, services=services, private=True, privacy="revoked"
            )
        visitor = Visitor(
            ident,
            profile,
            guest.device,
            degraded=degraded,
            services=services,
            shared=shared or Shared(),
            read_mark=mark,
        )
        visitor.reading = reading
        self._preview(visitor, scope, guest.headers)
        return visitor

    async def _shared_only(self, item: str | None) -> Shared:
        try:
            return (await self.store.load_visit(None, item))[1]
        except StoreError:
            return Shared()

    def _preview(self, visitor: Visitor, scope: Scope, headers: dict[str, str]) -> None:
        """A signed preview link (``?omo_preview=``) or cookie forces a variant for QA; a token
        refused says why in the response (``visitor.preview_refused``) and one DEBUG line."""
        token, from_link = _preview_token(scope, headers)
        if not token:
            return
        host, scheme = request_host(headers, scope, self.settings)
        forced = self.forcer.check(token, host, scheme)
        if isinstance(forced, str):
            visitor.preview_refused = forced
            log.debug("omotenashi: force link %s", forced)
        elif forced is not None:
            visitor.forced = forced
            visitor.forced_cookie = token if from_link else None
            visitor.forced_secure = scheme == "https"  # the browser's, not the proxy's hop


_PREVIEW_PARAM = f"{preview.PARAM}=".encode()


def _preview_token(scope: Scope, headers: dict[str, str]) -> tuple[str | None, bool]:
    """The force link's token (``?omo_preview=``), else its cookie's; and whether a link."""
    raw = scope.get("query_string", b"")
    token = None  # (searched in C, in what the rules' facts read of it too; parsed only then)
    if raw.find(_PREVIEW_PARAM, 0, MAX_QUERY) >= 0:
        token = query_params(raw[:MAX_QUERY].decode("latin-1")).get(preview.PARAM)
    if token is not None:
        return token, True
    return cookie_value(headers.get("cookie"), preview.COOKIE), False
