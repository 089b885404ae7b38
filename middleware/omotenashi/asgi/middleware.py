"""The ASGI middleware: identify → load → (app) → engine → send → record.

Pure ASGI, like Starlette's ``GZipMiddleware``: everything derivable is built once in
``__init__``; per-request state lives in a :class:`Responder`; non-HTTP scopes pass through.
"""

from __future__ import annotations

import asyncio
import logging
import time
from fnmatch import fnmatchcase
from typing import Any

from omotenashi.asgi.arrival import Arrival, request_info
from omotenashi.asgi.endpoints import Endpoints
from omotenashi.asgi.responder import Responder, Tools
from omotenashi.engine.page import EngineConfig
from omotenashi.errors import OmotenashiError
from omotenashi.identity.cookie import CookieSigner
from omotenashi.loader.reload import Reloader
from omotenashi.metrics import Metrics
from omotenashi.settings import Settings
from omotenashi.store.embedded import EmbeddedRedis
from omotenashi.store.store import Store

log = logging.getLogger("omotenashi")
Scope = dict[str, Any]
Message = dict[str, Any]


class Omotenashi:
    """Pure ASGI middleware. ``Omotenashi(app, settings=Settings(...))``."""

    def __init__(self, app: Any, *, settings: Settings | None = None) -> None:
        self.app = app
        self.settings = s = settings or Settings()
        self.metrics = Metrics()
        self.signer = CookieSigner(s)
        self.store = Store(s.redis, self.metrics)
        self.rules = Reloader(s.rules, self.metrics)
        self.arrival = Arrival(s, self.signer, self.store, self.metrics)
        self.endpoints = Endpoints(
            s, self.signer, self.store, self.rules, self.arrival, startup=self.startup
        )
        self.tools = Tools(
            EngineConfig.from_settings(s), self.signer, self.store, self.metrics, s.server_timing
        )
        self._excluded = tuple(s.exclude_paths)
        self._prefix = s.endpoint_prefix + "/"
        self._embedded: EmbeddedRedis | None = None
        self._start_lock = asyncio.Lock()
        self._started = False

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(scope, receive, send)
            return
        path: str = scope.get("path", "/")
        if scope["type"] != "http" or any(fnmatchcase(path, glob) for glob in self._excluded):
            await self.app(scope, receive, send)
            return
        if path.startswith(self._prefix):
            await self.endpoints(scope, receive, send)
            return
        responder = await self._arrive(scope, send)
        if responder is None:
            await self.app(scope, receive, send)
            return
        await self.app(scope, receive, responder.send)
        await responder.record()

    async def _arrive(self, scope: Scope, send: Any) -> Responder | None:
        """identify → load; None hands the request to the app as it is."""
        try:
            if not self._started:
                await self.startup()
            loaded = self.rules.maybe_reload()
            guest = self.arrival.guest(scope)
            self.metrics.inc("requests")
            if guest.bot:
                self.metrics.inc("bots")
                return None
            t0 = time.perf_counter()
            visitor = await self.arrival.visitor(scope, guest, loaded.journey.half_life)
            scope.setdefault("state", {})["omotenashi"] = visitor
            if visitor.degraded or (
                visitor.private and not self.settings.respect.private_contextual
            ):
                return None
            request = request_info(scope, guest.headers, self.settings.country_header)
            load_ms = (time.perf_counter() - t0) * 1000
        except Exception:  # a bug of ours must not cost the visitor the page
            log.exception("omotenashi: preparing the request failed; serving the app's page")
            self.metrics.inc("splice_error")
            return None
        method = scope.get("method", "GET")
        return Responder(self.tools, send, visitor, request, loaded, method=method, load_ms=load_ms)

    # -- lifecycle -------------------------------------------------------------------------

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
