"""Per-request state: hold back the response until the whole HTML body is known, hand it to the
engine, send what it returns, and record what happened after the body has gone."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from omotenashi.asgi.visitor import Visitor
from omotenashi.engine.change import Change
from omotenashi.engine.facts import RequestInfo
from omotenashi.engine.headers import Headers, add_vary, make_private
from omotenashi.engine.page import EngineConfig, can_personalise, personalise_response
from omotenashi.engine.understand import Visit, events_change
from omotenashi.errors import StoreError
from omotenashi.identity.cookie import CookieSigner
from omotenashi.loader.reload import Loaded
from omotenashi.metrics import Metrics
from omotenashi.store.store import Store

log = logging.getLogger("omotenashi")
Message = dict[str, Any]


@dataclass(frozen=True)
class Tools:
    """What every responder needs, built once by the middleware."""

    config: EngineConfig
    signer: CookieSigner
    store: Store
    metrics: Metrics
    server_timing: bool


class Responder:
    def __init__(
        self,
        tools: Tools,
        send: Any,
        visitor: Visitor,
        request: RequestInfo,
        loaded: Loaded,
        *,
        method: str,
        load_ms: float,
    ) -> None:
        self.tools = tools
        self.visitor = visitor
        self.request = request
        self.loaded = loaded  # one consistent rule set for the whole request
        self.method = method
        self.load_ms = load_ms
        self._send = send
        self.start: Message | None = None
        self.chunks: list[bytes] = []
        self.size = 0
        self.passthrough = False
        self.change: Change | None = None

    async def send(self, message: Message) -> None:
        if self.passthrough:
            await self._send(message)
        elif message["type"] == "http.response.start":
            self.start = message
            headers = list(message.get("headers", []))
            if not can_personalise(self.method, message.get("status", 200), headers):
                self.passthrough = True
                await self._send(self._with_identity(message))
        elif message["type"] == "http.response.body" and self.start is not None:
            body: bytes = message.get("body", b"")
            self.chunks.append(body)
            self.size += len(body)
            if self.size > self.tools.config.max_body:
                await self._flush_original(more_body=message.get("more_body", False))
            elif not message.get("more_body", False):
                await self._finish()
        else:
            await self._send(message)

    def visit(self, now: float) -> Visit:
        """The engine's view of this request."""
        v = self.visitor
        return Visit(
            visitor_id=v.id,
            profile=v.profile,
            now=now,
            request=self.request,
            device=v.device,
            is_new=v.is_new,
            choices=v.prefs,
            private=v.private,
            events=tuple(v.events),
            attrs=dict(v.attrs),
            forced=v.forced,
            csrf=self.tools.signer.csrf_token(v.identity),
        )

    def _with_identity(self, start: Message) -> Message:
        """A response we do not rewrite still carries a sign-in or sign-out's new cookie."""
        visitor = self.visitor
        tracked_new = visitor.is_new and bool(visitor.events or visitor.attrs)
        if not (visitor.identity_changed or (tracked_new and not visitor.private)):
            return start
        headers: Headers = list(start.get("headers", []))
        headers.append((b"set-cookie", self._cookie()))
        return {**start, "headers": make_private(add_vary(headers, b"Cookie"))}

    def _cookie(self) -> bytes:
        return self.tools.signer.set_cookie_header(
            self.visitor.identity, secure=self.request.secure
        )

    async def _flush_original(self, *, more_body: bool) -> None:
        self.passthrough = True
        assert self.start is not None
        await self._send(self._with_identity(self.start))
        await self._send(
            {"type": "http.response.body", "body": b"".join(self.chunks), "more_body": more_body}
        )

    async def _finish(self) -> None:
        assert self.start is not None
        tools, t0 = self.tools, time.perf_counter()
        try:
            result = personalise_response(
                b"".join(self.chunks),
                list(self.start.get("headers", [])),
                self.visit(time.time()),
                self.loaded.ruleset,
                self.loaded.journey,
                tools.config,
            )
        except Exception:  # never break the page: any failure serves the original response
            tools.metrics.inc("splice_error")
            log.exception("omotenashi: personalisation failed; serving the original page")
            await self._flush_original(more_body=False)
            return
        for problem in result.problems:
            tools.metrics.inc("snippet_error")
            log.warning("omotenashi: %s", problem)
        self.change = result.change
        if result.shown:
            tools.metrics.inc("personalised")
        headers = self._identity_headers(result.headers, (time.perf_counter() - t0) * 1e3)
        await self._send({**self.start, "headers": headers})
        await self._send({"type": "http.response.body", "body": result.body, "more_body": False})

    def _identity_headers(self, headers: Headers, ms: float) -> Headers:
        """The cookies and timings the engine knows nothing about."""
        visitor = self.visitor
        refresh = self.tools.signer.needs_refresh(visitor.identity) and not visitor.private
        if visitor.identity_changed or refresh:
            headers.append((b"set-cookie", self._cookie()))
        if self.tools.server_timing:
            timing = f"omo-load;dur={self.load_ms:.2f}, omo-render;dur={ms:.2f}"
            headers.append((b"server-timing", timing.encode()))
        if visitor.forced_cookie:
            age = max(0, int((visitor.forced.expires if visitor.forced else 0) - time.time()))
            cookie = (
                f"omo_preview={visitor.forced_cookie}; Max-Age={age}; Path=/; HttpOnly; "
                f"SameSite=Lax{'; Secure' if self.request.secure else ''}"
            )
            headers.append((b"set-cookie", cookie.encode()))
        return headers

    async def record(self) -> None:
        """After the body has gone: one write of the page view and the app's events."""
        change = self.change
        visitor = self.visitor
        if visitor.private or visitor.forced is not None:
            return  # GPC/DNT, no consent, or a QA preview: nothing is written
        tools = self.tools
        try:
            if change is None and (visitor.events or visitor.attrs):
                change = events_change(
                    self.visit(time.time()),
                    self.loaded.journey,
                    session_gap=tools.config.session_gap,
                )
            if change is None or change.empty:
                return
            await tools.store.record(visitor.id, change, self.loaded.journey.half_life)
        except StoreError as exc:
            tools.metrics.inc("record_error")
            log.info("omotenashi: page view not recorded: %s", exc)
        except Exception:  # the response has gone; never let our failure reach the server
            tools.metrics.inc("record_error")
            log.exception("omotenashi: recording the page view failed")
