"""The ASGI middleware: identify → load → (app) → decide → render → splice → headers → record."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from datetime import UTC, datetime
from fnmatch import fnmatchcase
from typing import Any
from urllib.parse import parse_qs

from .conditions import query_dict
from .context import Visitor
from .device import is_bot as _is_bot
from .device import parse_device
from .embedded import EmbeddedRedis
from .errors import OmotenashiError, RuleSetError, StoreError
from .facts import Facts, parse_languages
from .headers import Headers, add_vary, get, make_private, media_type, without
from .identity import CookieSigner, Identity
from .metrics import Metrics
from .personalise import personalise
from .profile import Profile, visitor_view
from .render import Renderer
from .ruleset import RuleSet, load_ruleset
from .settings import Settings
from .store import Store, Visit

log = logging.getLogger("omotenashi")

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Any
Send = Any

_TOPICS_META = re.compile(
    r"""<meta\s+name=["']omotenashi:topics["']\s+content=["']([^"'<>]*)["']""", re.I
)
SKIP_HEADER = b"x-omotenashi"


class Omotenashi:
    """Pure ASGI middleware. ``Omotenashi(app, settings=Settings(...))``."""

    def __init__(self, app: Any, *, settings: Settings | None = None) -> None:
        self.app = app
        self.settings = settings or Settings()
        s = self.settings
        self.metrics = Metrics()
        self.signer = CookieSigner(s)
        self.renderer = Renderer(s.rules.snippets_dir)
        self.store = Store(s.redis, self.metrics)
        self.ruleset = self._load_rules()
        self._bot_markers = tuple(m.lower() for m in s.bot_user_agents)
        self._excluded = tuple(s.exclude_paths)
        self._embedded: EmbeddedRedis | None = None
        self._start_lock = asyncio.Lock()
        self._started = False

    # -- lifecycle -------------------------------------------------------------------------

    def _load_rules(self) -> RuleSet:
        try:
            return load_ruleset(
                self.settings.rules.dir, self.renderer, timezone=self.settings.rules.timezone
            )
        except RuleSetError as exc:
            self.metrics.inc("rule_error")
            log.error("omotenashi: rules refused, serving defaults:\n%s", exc)
            return RuleSet()

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

    async def _lifespan(self, scope: Scope, receive: Receive, send: Send) -> None:
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

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
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
        if not self._started:
            await self.startup()
        self.metrics.inc("requests")
        headers = _request_headers(scope)
        user_agent = headers.get("user-agent", "")
        device = parse_device(user_agent)
        if _is_bot(device, user_agent, self._bot_markers):
            self.metrics.inc("bots")
            await self.app(scope, receive, send)
            return
        ident = self.signer.identify(headers.get("cookie"))
        t0 = time.perf_counter()
        try:
            profile = Profile() if ident.is_new else await self.store.load(ident.vid)
            degraded = False
        except StoreError as exc:
            log.info(
                "omotenashi: profile not loaded (%s); serving the page as the app made it", exc
            )
            profile, degraded = Profile(), True
        visitor = Visitor(ident, profile, device, degraded=degraded)
        scope.setdefault("state", {})["omotenashi"] = visitor
        if degraded or scope.get("method") != "GET":
            await self.app(scope, receive, send)
            return
        responder = _Responder(self, scope, headers, visitor, send, load_ms=_ms(t0))
        await self.app(scope, receive, responder.send)
        await responder.record()


def _ms(since: float) -> float:
    return (time.perf_counter() - since) * 1000


def _request_headers(scope: Scope) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in scope.get("headers", ()):
        name = key.decode("latin-1").lower()
        text = value.decode("latin-1")
        out[name] = f"{out[name]}; {text}" if name == "cookie" and name in out else text
    return out


class _Responder:
    """Per-request state: holds back the response until the whole HTML body is known."""

    def __init__(
        self,
        mw: Omotenashi,
        scope: Scope,
        headers: dict[str, str],
        visitor: Visitor,
        send: Send,
        *,
        load_ms: float,
    ) -> None:
        self.mw = mw
        self.scope = scope
        self.headers = headers
        self.visitor = visitor
        self._send = send
        self.load_ms = load_ms
        self.start: Message | None = None
        self.chunks: list[bytes] = []
        self.size = 0
        self.passthrough = False
        self.visit: Visit | None = None

    async def send(self, message: Message) -> None:
        if self.passthrough:
            await self._send(message)
        elif message["type"] == "http.response.start":
            self.start = message
            if not self._eligible(message):
                self.passthrough = True
                await self._send(message)
        elif message["type"] == "http.response.body" and self.start is not None:
            body: bytes = message.get("body", b"")
            self.chunks.append(body)
            self.size += len(body)
            if self.size > self.mw.settings.max_body:
                await self._flush_original(more_body=message.get("more_body", False))
            elif not message.get("more_body", False):
                await self._finish()
        else:
            await self._send(message)

    def _eligible(self, start: Message) -> bool:
        if start.get("status") != 200:
            return False
        headers: Headers = list(start.get("headers", []))
        media, _ = media_type(headers)
        if media not in ("text/html", "application/xhtml+xml"):
            return False
        encoding = (get(headers, b"content-encoding") or b"identity").strip().lower()
        if encoding != b"identity":
            return False
        return (get(headers, SKIP_HEADER) or b"").strip().lower() != b"off"

    async def _flush_original(self, *, more_body: bool) -> None:
        self.passthrough = True
        assert self.start is not None
        await self._send(self.start)
        await self._send(
            {"type": "http.response.body", "body": b"".join(self.chunks), "more_body": more_body}
        )

    async def _finish(self) -> None:
        assert self.start is not None
        mw = self.mw
        t0 = time.perf_counter()
        original = b"".join(self.chunks)
        headers: Headers = list(self.start.get("headers", []))
        try:
            _, charset = media_type(headers)
            page = original.decode(charset)
            facts, visit = self._facts(page)
            outcome = personalise(
                page,
                mw.ruleset,
                facts,
                visitor_view(self.visitor.profile, is_new=facts.is_new, device=facts.device.kind),
                mw.metrics,
                slot_attribute=mw.settings.rules.slot_attribute,
            )
            body = outcome.html.encode(charset) if outcome.applied else original
        except Exception:  # never break the page: any failure serves the original response
            mw.metrics.inc("splice_error")
            log.exception("omotenashi: personalisation failed; serving the original page")
            await self._flush_original(more_body=False)
            return
        visit.shown = [d.id for d in outcome.applied]
        self.visit = visit
        if outcome.applied:
            mw.metrics.inc("personalised")
        headers = self._headers(headers, len(body), [d.id for d in outcome.applied], _ms(t0))
        await self._send({**self.start, "headers": headers})
        await self._send({"type": "http.response.body", "body": body, "more_body": False})

    def _facts(self, page: str) -> tuple[Facts, Visit]:
        now = time.time()
        profile = self.visitor.profile
        gap = self.mw.settings.session_gap
        new_visit = profile.last_seen is None or now - profile.last_seen > gap
        visits = profile.visits + (1 if new_visit else 0)
        h = self.headers
        facts = Facts(
            stage=profile.stage,
            segments=profile.segments,
            attrs=profile.attrs,
            interests=profile.interests,
            visits=visits,
            is_new=visits <= 1,
            device=self.visitor.device,
            path=self.scope.get("path", "/"),
            query=query_dict(parse_qs(self.scope.get("query_string", b"").decode("latin-1"))),
            referrer=h.get("referer", ""),
            languages=parse_languages(h.get("accept-language", "")),
            country=h.get(self.mw.settings.country_header.lower(), ""),
            now=datetime.fromtimestamp(now, UTC),
        )
        match = _TOPICS_META.search(page, 0, 16384)
        topics = (
            [t.strip().lower() for t in match.group(1).split(",") if t.strip()] if match else []
        )
        return facts, Visit(
            now=now, new_visit=new_visit, first=self.visitor.is_new, topics=topics[:10]
        )

    def _headers(self, headers: Headers, length: int, applied: list[str], ms: float) -> Headers:
        mw = self.mw
        headers = without(headers, b"content-length", SKIP_HEADER)
        headers.append((b"content-length", str(length).encode()))
        headers = make_private(add_vary(headers, b"Cookie"))
        ident: Identity = self.visitor.identity
        if mw.signer.needs_refresh(ident):
            secure = self.scope.get("scheme") in ("https", "wss")
            headers.append((b"set-cookie", mw.signer.set_cookie_header(ident, secure=secure)))
        if mw.settings.server_timing:
            timing = f"omo-load;dur={self.load_ms:.2f}, omo-render;dur={ms:.2f}"
            headers.append((b"server-timing", timing.encode()))
        if mw.settings.debug_header:
            headers.append((b"x-omotenashi-rules", ",".join(applied).encode() or b"-"))
        return headers

    async def record(self) -> None:
        """After the body has gone: one pipelined write of the page view."""
        if self.visit is None:
            return
        try:
            await self.mw.store.record(self.visitor.id, self.visit)
        except StoreError as exc:
            self.mw.metrics.inc("record_error")
            log.info("omotenashi: page view not recorded: %s", exc)
