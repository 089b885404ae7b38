"""The ASGI middleware: identify → load → (app) → decide → render → splice → headers → record."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any
from urllib.parse import parse_qs

from omotenashi.asgi import endpoints
from omotenashi.identity import preview as force
from omotenashi.asgi.visitor import Visitor
from omotenashi.identity.device import Device, parse_device
from omotenashi.identity.device import is_bot as _is_bot
from omotenashi.store.embedded import EmbeddedRedis
from omotenashi.errors import OmotenashiError, StoreError
from omotenashi.identity.cookie import CookieSigner, Identity, cookie_value
from omotenashi.engine.journey import Journey
from omotenashi.metrics import Metrics
from omotenashi.respect.preferences import PreferencesPage
from omotenashi.engine.profile import Profile
from omotenashi.loader.reload import Reloader
from omotenashi.asgi.responder import Responder
from omotenashi.engine.restraint import Prefs
from omotenashi.engine.ruleset import RuleSet
from omotenashi.settings import Settings
from omotenashi.store.store import Store
from omotenashi.engine.understand import RequestInfo

log = logging.getLogger("omotenashi")

Scope = dict[str, Any]
Message = dict[str, Any]


class Omotenashi:
    """Pure ASGI middleware. ``Omotenashi(app, settings=Settings(...))``."""

    def __init__(self, app: Any, *, settings: Settings | None = None) -> None:
        self.app = app
        self.settings = settings or Settings()
        s = self.settings
        self.metrics = Metrics()
        self.signer = CookieSigner(s)
        self.store = Store(s.redis, self.metrics)
        self.rules = Reloader(s.rules, self.metrics)
        self._bot_markers = tuple(m.lower() for m in s.bot_user_agents)
        self._excluded = tuple(s.exclude_paths)
        self._prefix = s.endpoint_prefix + "/"
        self._embedded: EmbeddedRedis | None = None
        self._start_lock = asyncio.Lock()
        self._started = False
        self.preferences = PreferencesPage(self)
        self.forcer = force.ForceSigner(s)

    @property
    def abandon_after(self) -> int:
        """Seconds after the last cart change before a cart counts as abandoned."""
        return self.journey.spec.triggers.cart_abandoned_after_minutes * 60

    def private_reason(self, headers: dict[str, str], ident: Identity) -> str:
        """Why nothing about this visitor may be read or written, or "" when it may."""
        respect = self.settings.respect
        if respect.honour_gpc and (headers.get("sec-gpc") == "1" or headers.get("dnt") == "1"):
            return "gpc"
        if respect.consent_required and not Prefs.from_cookie(ident.prefs).consent:
            given = cookie_value(headers.get("cookie"), respect.consent_cookie) or ""
            if given.lower() not in ("1", "yes", "true", "granted"):
                return "consent"
        return ""

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def ruleset(self) -> RuleSet:
        return self.rules.current.ruleset

    @property
    def journey(self) -> Journey:
        return self.rules.current.journey

    async def startup(self) -> None:
        """Open the Redis pool (starting a private server when no URL is set)."""
        async with self._start_lock:
            if self._started:
                return
            self._started = True
            url = self.settings.redis.url
            if url is None and self.settings.redis.embedded:
                try:
                    # Started from this (the event loop's) thread: the server is tied to it.
                    self._embedded = EmbeddedRedis().start()
                    url = self._embedded.url
                    log.warning(
                        "omotenashi: no OMOTENASHI_REDIS_URL; started a private server "
                        "at %s (profiles end when the process does)",
                        url,
                    )
                except OmotenashiError as exc:
                    log.error("omotenashi: %s; personalisation is off", exc)
            if url is not None:
                self.store.connect(url)

    async def shutdown(self) -> None:
        await self.store.aclose()
        if self._embedded is not None:
            embedded, self._embedded = self._embedded, None
            embedded.close()
        self._started = False

    async def _lifespan(self, scope: Scope, receive: Any, send: Any) -> None:
        async def wrapped_receive() -> Message:
            message: Message = await receive()
            if message["type"] == "lifespan.startup":
                await self.startup()
            return message

        async def wrapped_send(message: Message) -> None:
            if message["type"] in ("lifespan.shutdown.complete", "lifespan.shutdown.failed"):
                await self.shutdown()
            await send(message)

        await self.app(scope, wrapped_receive, wrapped_send)

    # -- requests --------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(scope, receive, send)
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "/")
        if any(fnmatchcase(path, glob) for glob in self._excluded):
            await self.app(scope, receive, send)
            return
        try:
            plan = await self._prepare(scope, send)
        except Exception:  # a bug of ours must not cost the visitor the page
            log.exception("omotenashi: preparing the request failed; serving the app's page")
            self.metrics.inc("splice_error")
            plan = None
        if isinstance(plan, _Endpoint):
            await endpoints.handle_safely(self, scope, receive, send, plan)
        elif isinstance(plan, Responder):
            await self.app(scope, receive, plan.send)
            await plan.record()
        else:
            await self.app(scope, receive, send)

    async def _prepare(self, scope: Scope, send: Any) -> _Endpoint | Responder | None:
        """identify → load: what to do with this request (None: hand it to the app as it is)."""
        if not self._started:
            await self.startup()
        self.rules.maybe_reload()
        headers = _request_headers(scope)
        user_agent = headers.get("user-agent", "")
        device = parse_device(user_agent)
        bot = _is_bot(device, user_agent, self._bot_markers)
        if scope.get("path", "/").startswith(self._prefix):
            return _Endpoint(headers, device, bot)
        self.metrics.inc("requests")
        if bot:
            self.metrics.inc("bots")
            return None
        ident = self.signer.identify(headers.get("cookie"))
        t0 = time.perf_counter()
        request = RequestInfo.from_scope(scope, headers, self.settings.country_header)
        state = scope.setdefault("state", {})
        if self.private_reason(headers, ident):
            # GPC/DNT or no consent: no profile is read or written, no new cookie is set;
            # rules on the page and the moment (device, time, campaign) may still apply.
            self.metrics.inc("private")
            state["omotenashi"] = Visitor(ident, Profile(), device, mw=self, private=True)
            if not self.settings.respect.private_contextual:
                return None
            return Responder(self, scope, state["omotenashi"], request, send, load_ms=0.0)
        try:
            if ident.is_new:  # nothing to read; but a store known to be down means no profile
                profile, degraded = Profile(), not self.store.healthy
            else:
                profile, degraded = await self.store.load(ident.user or ident.vid), False
        except StoreError as exc:
            log.info(
                "omotenashi: profile not loaded (%s); serving the page as the app made it", exc
            )
            profile, degraded = Profile(), True
        visitor = Visitor(ident, profile, device, degraded=degraded, mw=self)
        self._preview(visitor, scope, headers)
        state["omotenashi"] = visitor
        if degraded:
            return None
        return Responder(self, scope, visitor, request, send, load_ms=_ms(t0))

    def _preview(self, visitor: Visitor, scope: Scope, headers: dict[str, str]) -> None:
        """A signed preview link (``?omo_preview=``) or cookie forces a variant for QA."""
        query = scope.get("query_string", b"").decode("latin-1")
        token = None
        if force.PARAM + "=" in query:
            token = (parse_qs(query).get(force.PARAM) or [None])[0]
        from_link = token is not None
        token = token or cookie_value(headers.get("cookie"), force.COOKIE)
        forced = self.forcer.read(token)
        if forced is not None:
            visitor.forced = forced
            visitor.forced_cookie = token if from_link else None


@dataclass(frozen=True)
class _Endpoint:
    """The request is for one of Omotenashi's own URLs."""

    headers: dict[str, str]
    device: Device
    bot: bool


def _ms(since: float) -> float:
    return (time.perf_counter() - since) * 1000


def _request_headers(scope: Scope) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in scope.get("headers", ()):
        name = key.decode("latin-1").lower()
        text = value.decode("latin-1")
        out[name] = f"{out[name]}; {text}" if name == "cookie" and name in out else text
    return out
