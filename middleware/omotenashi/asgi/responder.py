"""Per-request work: hold back the response until the whole HTML body is known, personalise
it, send it with the right headers, and record what happened after the body has gone."""

from __future__ import annotations

import gzip
import logging
import time
import zlib
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from omotenashi.engine.change import Change
from omotenashi.asgi.visitor import Visitor
from omotenashi.errors import StoreError
from omotenashi.engine.headers import Headers, add_vary, get, make_private, media_type, without
from omotenashi.engine.personalise import Disclosure, personalise
from omotenashi.engine.profile import visitor_view
from omotenashi.engine.restraint import Restraint, is_fresh
from omotenashi.engine.understand import RequestInfo, build_change, page_tags, understand

if TYPE_CHECKING:
    from omotenashi.asgi.middleware import Omotenashi

log = logging.getLogger("omotenashi")
Message = dict[str, Any]
SKIP_HEADER = b"x-omotenashi"


def gunzip(data: bytes, limit: int) -> bytes:
    """A gzip body, refused (ValueError) when it inflates past ``limit`` bytes."""
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    out = inflater.decompress(data, limit + 1)
    if len(out) > limit or inflater.unconsumed_tail:
        raise ValueError(f"the page inflates past {limit} bytes")
    if not inflater.eof:
        raise ValueError("the gzip body is truncated")
    return out


class Responder:
    def __init__(
        self,
        mw: Omotenashi,
        scope: dict[str, Any],
        visitor: Visitor,
        request: RequestInfo,
        send: Any,
        *,
        load_ms: float,
    ) -> None:
        self.mw = mw
        self.scope = scope
        self.visitor = visitor
        self.request = request
        self._send = send
        self.load_ms = load_ms
        self.start: Message | None = None
        self.chunks: list[bytes] = []
        self.size = 0
        self.passthrough = False
        self.change: Change | None = None
        self.loaded = mw.rules.current  # one consistent set for the whole request

    @property
    def abandon_after(self) -> int:
        return self.loaded.journey.spec.triggers.cart_abandoned_after_minutes * 60

    async def send(self, message: Message) -> None:
        if self.passthrough:
            await self._send(message)
        elif message["type"] == "http.response.start":
            self.start = message
            if not self._eligible(message):
                self.passthrough = True
                await self._send(self._with_identity(message))
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
        if self.scope.get("method") != "GET" or start.get("status") != 200:
            return False
        headers: Headers = list(start.get("headers", []))
        media, _ = media_type(headers)
        if media not in ("text/html", "application/xhtml+xml"):
            return False
        encoding = (get(headers, b"content-encoding") or b"identity").strip().lower()
        if encoding not in (b"identity", b"gzip"):  # br, deflate, chains: passed untouched
            return False
        return (get(headers, SKIP_HEADER) or b"").strip().lower() != b"off"

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
        return self.mw.signer.set_cookie_header(self.visitor.identity, secure=self.request.secure)

    async def _flush_original(self, *, more_body: bool) -> None:
        self.passthrough = True
        assert self.start is not None
        await self._send(self._with_identity(self.start))
        await self._send(
            {"type": "http.response.body", "body": b"".join(self.chunks), "more_body": more_body}
        )

    async def _finish(self) -> None:
        assert self.start is not None
        mw = self.mw
        t0 = time.perf_counter()
        original = b"".join(self.chunks)
        headers: Headers = list(self.start.get("headers", []))
        gzipped = (get(headers, b"content-encoding") or b"").strip().lower() == b"gzip"
        try:
            _, charset = media_type(headers)
            raw = gunzip(original, mw.settings.max_body) if gzipped else original
            page = raw.decode(charset)
            topics, items = page_tags(page, self.request.path, self.loaded.journey)
            change = build_change(
                self.visitor,
                self.request,
                view=True,
                session_gap=mw.settings.session_gap,
                topics=topics,
                items=items,
            )
            after, facts = understand(
                self.visitor, self.request, change, self.loaded.journey, self.abandon_after
            )
            forced = self.visitor.forced
            if forced is not None:  # a QA preview overrides what it names
                after.stage = forced.stage or after.stage
                after.attrs = {**after.attrs, **forced.attrs}
                facts = replace(
                    facts,
                    stage=after.stage,
                    attrs=after.attrs,
                    segments=facts.segments | forced.segments,
                )
            viewed_in = {
                name: sorted(after.viewed.keys() & items_)
                for name, items_ in self.loaded.journey.lists.items()
            }
            view = visitor_view(
                after,
                is_new=facts.is_new,
                device=facts.device.kind,
                interests=facts.interests,
                segments=facts.segments,
                viewed_in=viewed_in,
            )
            respect = mw.settings.respect
            visitor = self.visitor
            fresh = is_fresh(visitor.id, visitor.profile.views, respect.fresh_share)
            restraint = Restraint(
                respect,
                visitor.prefs,
                after,
                change.now,
                behavioural=not (visitor.private or fresh),
                visitor_id=visitor.id,
            )
            disclosure = Disclosure(
                enabled=respect.disclosure,
                panel=respect.page_panel,
                prefix=mw.settings.endpoint_prefix,
                path=self.request.path,
                csrf=mw.signer.csrf_token(visitor.identity),
            )
            outcome = personalise(
                page,
                self.loaded.ruleset,
                facts,
                view,
                mw.metrics,
                slot_attribute=mw.settings.rules.slot_attribute,
                restraint=None if forced else restraint,
                disclosure=disclosure,
                forced=forced.rules if forced else frozenset(),
            )
            body = original
            if outcome.applied:
                body = outcome.html.encode(charset)
                body = gzip.compress(body, compresslevel=6, mtime=0) if gzipped else body
        except Exception:  # never break the page: any failure serves the original response
            mw.metrics.inc("splice_error")
            log.exception("omotenashi: personalisation failed; serving the original page")
            await self._flush_original(more_body=False)
            return
        change.shown = [d.id for d in outcome.applied]
        change.caps = restraint.caps_to_record(outcome.applied)
        self.change = change
        if outcome.applied:
            mw.metrics.inc("personalised")
        headers = self._headers(headers, len(body), change.shown, (time.perf_counter() - t0) * 1e3)
        await self._send({**self.start, "headers": headers})
        await self._send({"type": "http.response.body", "body": body, "more_body": False})

    def _headers(self, headers: Headers, length: int, applied: list[str], ms: float) -> Headers:
        mw = self.mw
        headers = without(headers, b"content-length", SKIP_HEADER)
        headers.append((b"content-length", str(length).encode()))
        headers = make_private(add_vary(headers, b"Cookie"))
        ident = self.visitor.identity
        refresh = mw.signer.needs_refresh(ident) and not self.visitor.private
        if self.visitor.identity_changed or refresh:
            headers.append((b"set-cookie", self._cookie()))
        if mw.settings.server_timing:
            timing = f"omo-load;dur={self.load_ms:.2f}, omo-render;dur={ms:.2f}"
            headers.append((b"server-timing", timing.encode()))
        if self.visitor.forced_cookie:
            forced = self.visitor.forced
            age = max(0, int((forced.expires if forced else 0) - time.time()))
            headers.append(
                (
                    b"set-cookie",
                    f"omo_preview={self.visitor.forced_cookie}; "
                    f"Max-Age={age}; Path=/; HttpOnly; SameSite=Lax".encode(),
                )
            )
        if mw.settings.debug_header or self.visitor.forced is not None:
            headers.append((b"x-omotenashi-rules", ",".join(applied).encode() or b"-"))
        return headers

    async def record(self) -> None:
        """After the body has gone: one write of the page view and the app's events."""
        change = self.change
        visitor = self.visitor
        if visitor.private or visitor.forced is not None:
            return  # GPC/DNT, no consent, or a QA preview: nothing is written
        try:
            if change is None and (visitor.events or visitor.attrs):
                change = build_change(
                    visitor, self.request, view=False, session_gap=self.mw.settings.session_gap
                )
                understand(visitor, self.request, change, self.loaded.journey, self.abandon_after)
            if change is None or change.empty:
                return
            await self.mw.store.record(visitor.id, change, self.loaded.journey.half_life)
        except StoreError as exc:
            self.mw.metrics.inc("record_error")
            log.info("omotenashi: page view not recorded: %s", exc)
        except Exception:  # the response has gone; never let our failure reach the server
            self.mw.metrics.inc("record_error")
            log.exception("omotenashi: recording the page view failed")
