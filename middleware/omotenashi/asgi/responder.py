"""Per-request state: hold back the response until the whole HTML body is known, hand it to the
engine, send what it returns, and record what happened.

The record is queued just before the last byte goes out (the write itself happens after the
response, batched): a browser that follows a redirect at once, or clicks fast, then finds this
request's events already queued, and a read flushes queued writes first."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import replace
from typing import Any

from omotenashi import quiet
from omotenashi.asgi import measuring
from omotenashi.asgi.arrival import FILE_SENDS
from omotenashi.asgi.filesend import bodiless, hold, read_page
from omotenashi.asgi.holdtime import NO_CLOCK, HoldClock, Overdue, held_too_long
from omotenashi.asgi.offload import personalised
from omotenashi.asgi.ownpairs import learning, own_pairs_soon, with_own_pairs
from omotenashi.asgi.setcookie import identity_headers, renew_private, with_identity
from omotenashi.asgi.tools import Tools as Tools  # (its importers find it here too)
from omotenashi.asgi.visitor import Visitor
from omotenashi.asgi.writtenfirst import written
from omotenashi.engine.change import Change
from omotenashi.engine.facts import RequestInfo
from omotenashi.engine.page import can_personalise, head_headers
from omotenashi.engine.render import warn_once
from omotenashi.engine.understand import Visit, events_change
from omotenashi.errors import PageRefused, StoreError, WriteQueueFull, quoted
from omotenashi.loader.reload import Loaded
from omotenashi.quick import quick_dict
from omotenashi.respect.privacy import pages_adapt

log = logging.getLogger("omotenashi")
Message = dict[str, Any]


class Responder:
    def __init__(
        self,
        tools: Tools,
        send: Any,
        visitor: Visitor,
        request: RequestInfo,
        loaded: Loaded,
        *,
        method: str = "GET",
        load_ms: float = 0.0,
        tracked: bool = True,
        personal: bool = True,
        page_request: bool = False,
    ) -> None:
        self.tools, self.visitor, self.request = tools, visitor, request
        self.loaded = loaded  # one consistent rule set for the whole request
        self.method = method
        self.tracked = tracked  # False: a sign-in page; events only, no page view
        self.load_ms = load_ms
        self._send = send
        self.start: Message | None = None
        self.chunks: list[bytes | bytearray] = []  # the page held back (filesend.hold)
        self.size = 0
        self.clock = NO_CLOCK  # a page sent in parts: held so long (holdtime.py)
        self._overdue: Overdue | None = None  # its held part going out: the rest waits for it
        # not personal (private where only others get contextual rules, or the store out of
        # reach at arrival): the response passes as sent, with only their new cookie
        self.personal = personal
        self.passthrough = not personal
        # (not personal: a browser's request for a page, whose 304 is as private as its 200)
        self.page_request = page_request
        # Whether anything of this request is written, decided here only: not for a visitor
        # nothing is written for, a HEAD (it shows nothing: api55), nor, where the site says
        # so (count_prefetch false), a page fetched ahead (a GET: RequestInfo.prefetch).
        ahead, counted = request.prefetch and method == "GET", tools.config.respect.count_prefetch
        visitor.records = personal and not (ahead and not counted)  # a sign-in merges (a
        self.records = visitor.records and method != "HEAD"  # HEAD's too: eye55c)
        visitor.ruleset, visitor.journey = loaded.ruleset, loaded.journey  # (a sign-in's merge)
        # the co lists of the visitor's own pairs: read while the app runs (asgi/ownpairs.py)
        self.own = own_pairs_soon(tools.store, visitor, loaded) if personal and tracked else {}
        self.navigation = request.navigation and not ahead  # a page the visitor is taken to
        if ahead:
            tools.metrics.inc("prefetch")
            if not self.records:
                log.debug("omotenashi: %r fetched ahead: nothing recorded", request.path[:200])
        self.change: Change | None = None
        self._recording: asyncio.Future[None] | None = None
        self._recorded_events = 0  # how many of the visitor's events a record has taken
        self._events_open = False  # a write task will take every event there is when it runs
        self._recorded_attrs: dict[str, Any] = {}
        self.looked = False  # the app read the visitor before this answer (Visitor.looked)
        self._app_done = False  # the app returned (after_app): events after it need a write

    async def send(self, message: Message) -> None:
        self.looked = self.looked or self.visitor.looked  # the app's reads so far (not ours)
        if message["type"] == "http.response.start" and type(message.get("headers")) is not list:
            # any iterable of pairs (a generator too), read here once: every branch reads it
            message = {**message, "headers": [(k, v) for k, v in message.get("headers", ())]}
        if not self.personal:
            if message["type"] == "http.response.start":
                status, headers = message.get("status", 200), message.get("headers", [])
                method = "GET" if self.method == "HEAD" else self.method  # (a HEAD: as its GET)
                page = self.tracked and can_personalise(method, status, headers)
                # a 304 to a page's revalidation: a cache in front must not take it as the
                # app's public copy refreshed (its headers replace the stored ones: eye56)
                left = page or (self.tracked and status == 304 and self.page_request)
                message = self._with_identity(message, page=page, left=left)
            await self._send(message)
        elif self.passthrough:
            if self._overdue is not None:  # (what was held, out first: holdtime.py)
                await self._overdue.sent
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                self._record_soon()
            await self._send(message)
        elif message["type"] == "http.response.start":
            if self.start is not None:  # a second start: the server says the app's error,
                await self._flush_original(more_body=True, left=False)  # as without us
                await self._send(message)  # (streams60: it replaced the first, unsaid)
                return
            self.start = message
            headers, status = message.get("headers", []), message.get("status", 200)
            limit = self.tools.config.max_body  # (declared longer: as sent, from the start)
            page = can_personalise(self.method, status, headers, limit)
            page = page and not message.get("trailers")
            if not (self.tracked and page):  # (trailers would say the app's bytes: http50)
                self.passthrough = True
                self.tools.metrics.inc("bypassed")
                if (
                    self.method == "HEAD"
                    and self.tracked
                    and can_personalise("GET", status, headers, limit)
                ):
                    vary = self.tools.config.vary  # as the GET's
                    message = {**message, "headers": head_headers(headers, vary)}
                    self._send = bodiless(self._send)  # its length is off: no body either
                if self.records and (self.visitor.events or self.visitor.attrs):
                    self._record_soon()  # (a form's redirect: asgi/writtenfirst.py)
                    await written(self._recording, self.tools.store.cfg)
                await self._send(self._with_identity(message))
        elif message["type"] == "http.response.body" and self.start is not None:
            odd = (got := hold(self.chunks, message.get("body", b""))) is None  # (no bytes)
            self.size += got or 0
            more = message.get("more_body", False)
            if odd or self.size > self.tools.config.max_body:
                self.clock.stop()
                self.tools.metrics.inc("bypassed")
                await self._flush_original(more_body=more or odd, left=False)
                if odd:  # as it came (the server's to refuse), after what was held
                    await self.send(message)
            elif more and self.clock is NO_CLOCK:
                self.clock = HoldClock(self.tools.hold_seconds, self._give_up)
            elif not more:
                self.clock.stop()
                await self._finish()
        elif message["type"] in FILE_SENDS and self.start is not None:
            read = await read_page(message, self.tools.config.max_body)
            if read is not None:  # a page the server would have sent from a file: read here
                await self.send({"type": "http.response.body", "body": read})
                return
            self.clock.stop()
            self.passthrough = True  # an app that sends a file though not offered the extension:
            self.tools.metrics.inc("bypassed")  # it goes out as sent, after the held start
            await self._send(self._with_identity(self.start))
            await self._send(message)  # (its record: after_app)
        else:
            await self._send(message)

    def visit(self, now: float, *, since: int = 0) -> Visit:
        """The engine's view of this request (``since``: the events not recorded yet)."""
        v = self.visitor
        renew_private(v, self.tools)  # (before its forms' token is made)
        recorded = self._recorded_attrs
        attrs = {k: x for k, x in v.attrs.items() if recorded.get(k, v) != x} if v.attrs else {}
        profile = self.loaded.ruleset.renames.profile(v.profile)  # a rule's former ids' too
        identity = v.identity
        return quick_dict(  # every field: built in one step, without keyword arguments
            Visit,
            {
                "visitor_id": identity.user or identity.vid, "profile": profile, "now": now,
                "request": self.request, "device": v.device, "is_new": identity.is_new,
                "choices": v.prefs, "private": v.private, "privacy": v.privacy,
                "keeps_choices": v.keeps_choices,
                "events": tuple(v.events[since:] if since else v.events),
                "attrs": attrs, "forced": v.forced,
                "csrf": self.tools.signer.csrf_token(identity),
                "shared": v.shared,
                "measured_arms": measuring.arms(profile),
                # said on a page the visitor is taken to: a prefetch or a script's fetch leaves it
                "flash": identity.flash if self.records and self.navigation else None,
            },
        )  # fmt: skip

    def _with_identity(self, start: Message, *, page: bool = False, left: bool = False) -> Message:
        said = {"secure": self.request.secure, "page": page, "looked": self.looked, "left": left}
        return with_identity(start, self.visitor, self.tools, **said)

    async def _flush_original(self, *, more_body: bool, left: bool = True) -> None:
        self.passthrough = True  # left: rewritten when all goes well (not too big, not refused)
        assert self.start is not None
        await self._send(self._with_identity(self.start, page=True, left=left))
        if not more_body:
            self._record_soon()
        body, self.chunks = b"".join(self.chunks), []  # (not kept while the rest streams)
        await self._send({"type": "http.response.body", "body": body, "more_body": more_body})

    async def _give_up(self) -> None:
        """Held for OMOTENASHI_HOLD_SECONDS, unfinished: what is held goes out as the app sent
        it, and the rest streams through as it comes (not personalised: holdtime.py)."""
        if not self.clock.live or self.passthrough:
            return  # (its last part came meanwhile, or the app ended)
        self.clock.stop()
        self._overdue = overdue = Overdue()
        try:
            tools = self.tools
            held_too_long(tools.metrics, self.request.path, tools.hold_seconds, self.loaded.ruleset)
            await self._flush_original(more_body=True)
        except Exception:  # the visitor has gone: the app's next part finds it out too
            log.debug("omotenashi: the held part of a page could not go out", exc_info=True)
        finally:
            overdue.done()

    async def _finish(self) -> None:
        assert self.start is not None
        tools, visitor = self.tools, self.visitor
        await visitor.loaded()  # the read started before the app: usually here already
        adapts = pages_adapt(visitor.private, tools.config.respect.private_contextual)
        if visitor.degraded or not adapts:
            tools.metrics.inc("degraded" if visitor.degraded else "bypassed")
            await self._flush_original(more_body=False)  # Redis failed, or a revoked id
            return
        await with_own_pairs(tools.store, visitor, self.loaded, self.own)  # (read meanwhile)
        t0, failed = time.perf_counter(), None  # (failed: the original is served, why)
        try:
            result = await personalised(  # a big page: in a worker thread
                b"".join(self.chunks),
                list(self.start.get("headers", [])),
                self.visit(time.time()),
                self.loaded.ruleset,
                self.loaded.journey,
                tools.config,
                self.loaded.catalog,
            )
        except PageRefused as refused:  # the page's own: no bug, no traceback, told once
            tools.metrics.inc("page_refused")
            said = f"page {quoted(self.request.path)} served as the app made it: {refused} "
            said += "(told once per reason; each counts in omotenashi_responses, outcome refused)"
            warn_once(log, said, self.loaded.ruleset, kind=str(refused))
            failed = False
        except Exception:  # never break the page: any failure serves the original response
            tools.metrics.inc("splice_error")
            quiet.bug(log, "omotenashi: personalisation failed; serving the original page")
            failed = True
        if failed is not None:  # sent outside the handler: a server's error about the app's
            await self._flush_original(more_body=False, left=failed)  # page is not chained
            return  # to ours (mount70: a short body's traceback opened with PageRefused)
        for problem in result.problems:
            tools.metrics.inc("snippet_error")
            warn_once(log, problem, self.loaded.ruleset)  # once per rule set, not per request
        for skipped in result.skipped:  # the rule aimed there is skipped; the page stays whole
            tools.metrics.inc("html_skipped")
            log.debug("omotenashi: left alone: %s", skipped)
        self.change = result.change
        tools.metrics.inc("personalised" if result.shown else "default")
        tools.metrics.shown([d.id for d in result.shown])
        for name, seconds in result.timings.items():
            tools.metrics.observe(name, seconds)
        ms = (time.perf_counter() - t0) * 1e3
        timing = f"omo-load;dur={self.load_ms:.2f}, omo-render;dur={ms:.2f}"
        secure = self.request.secure
        if result.flashed:  # said once: the cookie this page sets no longer holds it
            visitor.identity = replace(visitor.identity, flash=None)
        headers = await identity_headers(
            result.headers, visitor, tools, self.loaded, secure=secure, timing=timing,
            spent=result.flashed,
        )  # fmt: skip
        self._recorded_events = len(visitor.events)  # the change holds these
        self._recorded_attrs = dict(visitor.attrs)
        self._record_soon()
        self.passthrough, self.chunks = True, []  # gone to the server: nothing is held
        await self._send({**self.start, "headers": headers})
        await self._send({"type": "http.response.body", "body": result.body, "more_body": False})

    async def release(self) -> None:
        """The app raised or returned with its response unfinished: what is held goes out as
        the app sent it (a sign-in's or sign-out's new cookie added, as on every page we leave
        alone), its end still to come, so the server cuts the connection as it would have done
        without us. No page view is recorded: the visitor was shown no whole page."""
        self.clock.stop()
        if self.start is None or self.passthrough:
            return  # nothing held: no response yet, or it went out already
        self.passthrough = True
        self.tools.metrics.inc("bypassed")
        await self._send(self._with_identity(self.start))
        if self.chunks:
            body, self.chunks = b"".join(self.chunks), []
            await self._send({"type": "http.response.body", "body": body, "more_body": True})

    def _record_soon(self) -> None:
        """Start the record now: into the write queue at once when it can (the next read on
        the connection then sees it), else in a task that waits for what it needs."""
        if self._recording is None and not self.records:  # nothing is written for it
            self._recording = asyncio.get_running_loop().create_future()
            self._recording.set_result(None)
        if self._recording is None:
            try:
                queued = self._queue()
            except Exception:  # on the response's path: our bug must not break the page
                self.tools.metrics.inc("record_error")
                quiet.bug(log, "omotenashi: recording the page view failed")
                queued = asyncio.get_running_loop().create_future()
                queued.set_result(None)  # not again in a task: measurement counted once
            if queued is None:  # a task: the next read of this profile waits for it
                self._events_open = self.change is None
                queued = asyncio.ensure_future(self._write(self.change))
                self.tools.store.writing(self.visitor.id, queued)
            self._recording = queued

    def _queue(self) -> asyncio.Future[None] | None:
        """The page view queued now, without a task; None: not possible now (the profile is
        still on its way, no connection yet, the breaker is not closed, a co-view to learn)."""
        visitor, change, tools = self.visitor, self.change, self.tools
        if visitor.reading is not None or change is None or change.empty or visitor.erased:
            return None
        if visitor.private or visitor.forced is not None or visitor.degraded:
            return None
        if not tools.store.can_queue or learning(self.loaded, self.visitor, change) is not None:
            return None
        self._measure(change)
        return tools.store.record_soon(visitor.id, change, self.loaded.journey.half_life)

    def _measure(self, change: Change) -> None:
        """Exposures and conversions ride the same write (asgi/measuring.py ``count_page``)."""
        measuring.count_page(change, self.visitor, self.tools, self.loaded, self.request.path)

    @property
    def recording(self) -> asyncio.Future[None] | None:
        """The page view's record, once the response's last byte has started it."""
        return self._recording

    def after_app(self) -> asyncio.Future[None] | None:
        """The app has returned: the page view's record (started with the last byte, or
        now), then whatever the app tracked after its response had gone (e.g. in a background
        task), in that order. Nobody waits for Redis: a record goes into the write queue at
        once when it can (the next read on the connection flushes it first), else into a task
        that the next read of this profile waits for. The future says when all is written."""
        self._record_soon()
        visitor = self.visitor
        self._app_done = True  # events tracked from now on: taken by a write under way, or none
        # the record's task has not run yet: it takes these events too (or none is written)
        if self._events_open or not self.records:
            return self._recording
        if len(visitor.events) > self._recorded_events or any(
            self._recorded_attrs.get(k, visitor) != v for k, v in visitor.attrs.items()
        ):
            later = asyncio.ensure_future(self._then_later_events())
            self.tools.store.writing(visitor.id, later)
            return later
        visitor.ended = True
        return self._recording

    async def _then_later_events(self) -> None:
        assert self._recording is not None
        await self._recording
        await self._write(None)

    async def _write(self, change: Change | None) -> None:
        """One write of the page view and the app's events not written yet."""
        visitor = self.visitor
        await visitor.loaded()
        if visitor.private or visitor.forced is not None or visitor.degraded or visitor.erased:
            return  # GPC/DNT, no consent, a QA preview, Redis down, erased since: none written
        tools = self.tools
        self._events_open = False  # from here on, later events need a write of their own
        visitor.ended = self._app_done  # (and after the app: none comes)
        try:
            since = self._recorded_events
            if change is None and (len(visitor.events) > since or visitor.attrs):
                visit = self.visit(time.time(), since=since)
                self._recorded_events = len(visitor.events)
                self._recorded_attrs = dict(visitor.attrs)
                change = events_change(
                    visit,
                    self.loaded.journey,
                    session_gap=tools.config.session_gap,
                    respect=tools.config.respect,
                )
            if change is None or change.empty:
                return
            self._measure(change)
            learns = learning(self.loaded, visitor, change)
            await tools.store.record(visitor.id, change, self.loaded.journey.half_life, learns)
        except StoreError as exc:  # a full queue counted its drop itself (record_dropped)
            if not isinstance(exc, WriteQueueFull):
                tools.metrics.inc("record_error")
            log.debug("omotenashi: page view not recorded: %s", exc)  # the breaker logs outages
        except Exception:  # the response has gone; never let our failure reach the server
            tools.metrics.inc("record_error")
            quiet.bug(log, "omotenashi: recording the page view failed")
