"""Omotenashi's own URLs under ``OMOTENASHI_ENDPOINT_PREFIX`` (default ``/_omotenashi``).

``POST /_omotenashi/events``, the beacon for browser events: JSON, same-origin, size- and rate-
limited per visitor, the journey's events only (asgi/beacon.py); a private visitor (a bot too)
is answered 202 with the reason, first, a preview browser or a page not yet seen 202 too, a
bad request 4xx with a reason, changing nothing. ``.../preferences``: the visitor's (respect)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from omotenashi import quiet
from omotenashi.asgi import beacon, choicepost, measuring, reportpage
from omotenashi.asgi.arrival import Arrival, Guest, request_host, request_info, route_path, url_root
from omotenashi.asgi.beacon import PREVIEW_REASON, not_stored, read_events, store_failed, to_keep
from omotenashi.asgi.ownhttp import ELSEWHERE, cross_site, read_body, respond, send_answer
from omotenashi.asgi.setcookie import resends
from omotenashi.engine.facts import MAX_QUERY
from omotenashi.engine.profile import Profile
from omotenashi.engine.restraint import Prefs
from omotenashi.engine.understand import Visit
from omotenashi.errors import StoreError
from omotenashi.identity import preview
from omotenashi.identity.cookie import CookieSigner, cookie_value
from omotenashi.loader.reload import Reloader
from omotenashi.respect import camefrom, preferences
from omotenashi.respect.choices import IN_A_THREAD
from omotenashi.respect.formhttp import Erased
from omotenashi.settings import Settings
from omotenashi.store import privacy as deny
from omotenashi.store.store import Store

Scope = dict[str, Any]
log = logging.getLogger("omotenashi")


class Endpoints:
    """The beacon and the preferences page, with the few collaborators they need."""

    def __init__(
        self,
        settings: Settings,
        signer: CookieSigner,
        store: Store,
        rules: Reloader,
        arrival: Arrival,
        *,
        startup: Callable[[], Awaitable[None]],
    ) -> None:
        self.settings = settings
        self.prefix = settings.endpoint_prefix
        self.signer = signer
        self.store = store
        self.rules = rules
        self.arrival = arrival
        self.startup = startup
        self.page = preferences.PreferencesPage(settings, signer)
        self.erased = Erased()  # whose forms are stale since an erase here (respect/formhttp)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        """:meth:`handle`, and if a bug of ours breaks it before it answers, a calm answer
        rather than a server error: the beacon says nothing was stored, a page says try again."""
        started = gone = False

        async def tracking_send(message: dict[str, Any]) -> None:
            nonlocal started, gone
            started = True
            try:
                await send(message)
            except Exception:  # the server's: the visitor left (no bug of ours to log)
                gone = True
                raise

        try:
            await self.startup()
            await self.handle(scope, receive, tracking_send)
        except Exception:
            if gone:  # (isolation52: logged as our failure, with a traceback)
                log.debug("omotenashi: %s: the visitor left", quiet.named(scope))
                raise
            quiet.bug(log, "omotenashi: the endpoint %s failed", quiet.named(scope))
            if started:
                raise
            if route_path(scope).endswith("/events"):
                await respond(send, 202, {"stored": False, "reason": "temporarily unavailable"})
            else:
                page = b"<!doctype html><title>Sorry</title><p>This page is not available "
                page += b"just now. Please try again in a moment.</p>"
                await send_answer(send, 200, page, [(b"content-type", b"text/html; charset=utf-8")])

    async def handle(self, scope: Scope, receive: Any, send: Any) -> None:
        self.rules.maybe_reload()
        guest = self.arrival.guest(scope)
        sub = route_path(scope)[len(self.prefix) :]
        metrics = self.arrival.metrics
        if sub == "/events":

            async def counted(message: dict[str, Any]) -> None:
                if message["type"] == "http.response.start":
                    status = message["status"]
                    kind = "accepted" if status == 204 else "dropped" if status < 400 else "refused"
                    metrics.inc(f"beacon_{kind}")
                await send(message)

            await self.beacon(scope, receive, counted, guest)
        elif sub == "/metrics" and self.settings.metrics:  # its token: asgi/reportpage.py
            scraped = reportpage.metrics_answer(self.settings, guest.headers, metrics.scrape)
            await send_answer(send, *await scraped)
        elif sub == "/report" and self.settings.measure.report_token is not None:
            rules = self.rules.current.ruleset  # the measurement report (asgi/reportpage.py)
            answer = reportpage.answer(scope, guest.headers, self.settings, self.store, rules)
            await send_answer(send, *await answer)
        elif sub in ("/preferences", "/preferences/export", "/preferences/data"):
            await self.preferences(scope, receive, send, guest, sub.endswith("/export"))
        else:  # (a browser gets a short page with our links, not bare JSON: site53)
            root = url_root(scope)
            said = f"there is no such Omotenashi page: {sub!r}"
            prefix, title = root + self.prefix, "There is no such page"
            body, headers = preferences.refusal(said, guest.headers, prefix, root, title=title)
            await send_answer(send, 404, body, headers)

    async def beacon(self, scope: Scope, receive: Any, send: Any, guest: Guest) -> None:
        """The privacy decision first (a bot, GPC/DNT, no consent: 202 and the reason, cookie
        or none), then the request's checks (4xx), then a preview browser (202, nothing
        written), then the profile (a revoked id: 202), and only then the rate counter."""
        loaded, headers = self.rules.current, guest.headers
        spec = loaded.journey.spec.beacon
        if scope.get("method") != "POST":
            await respond(send, 405, {"error": "use POST"}, [(b"allow", b"POST")])
            return
        ident = self.arrival.identify(guest, loaded.ruleset.renames)  # formerly:
        privacy = self.arrival.privacy(guest, ident)
        if privacy.private:
            await respond(send, 202, not_stored(privacy.reason))
            return
        if cross_site(headers, request_host(headers, scope, self.settings)[0]):
            await respond(send, 403, {"error": ELSEWHERE})
            return
        if headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
            await respond(send, 415, {"error": "send JSON with Content-Type: application/json"})
            return
        if (coding := headers.get("content-encoding", "").strip().lower()) not in ("", "identity"):
            said = f"send the body uncompressed (Content-Encoding {coding[:40]!r} is not read)"
            await respond(send, 415, {"error": said}, [(b"accept-encoding", b"identity")])
            return  # (RFC 9110 15.5.16: the codings it takes, none; inputs60)
        refused = beacon.length_refused(headers.get("content-length", "0"), spec.max_bytes)
        if refused is not None:  # (the body's real length is checked as it is read)
            await respond(send, refused[0], {"error": refused[1]})
            return
        mark = self.store.erasures.mark  # (before the body: an erase while it comes, too)
        body = await read_body(receive, spec.max_bytes)
        if body is None:
            await respond(send, 413, {"error": f"the body is over {spec.max_bytes} bytes"})
            return
        down = ident.is_new and not self.store.healthy  # (concurrency67: its page, served
        if ident.is_new and not down:  # while the store was down, set no cookie)
            await respond(send, 400, {"error": "no visitor cookie: events follow a page view"})
            return
        batch = read_events(body, spec.events)  # 400/422 and why, or the events
        if isinstance(batch, tuple):  # (before a 202 of a store down: review67)
            await respond(send, batch[0], {"error": batch[1]})
            return
        if down:
            await respond(send, 202, beacon.UNAVAILABLE)
            return
        # A preview (QA) browser's beacon, or one from a page not seen yet (prerendered), is
        # checked as any other, then neither kept nor counted.
        token = cookie_value(headers.get("cookie"), preview.COOKIE)
        host, scheme = request_host(headers, scope, self.settings)
        previewing = token and self.arrival.forcer.read(token, host, scheme) is not None
        if previewing or beacon.sent_ahead(headers, self.settings):
            why = PREVIEW_REASON if previewing else beacon.AHEAD_REASON
            await respond(send, 202, not_stored(why))
            return
        pid = ident.user or ident.vid  # (concurrency67: marked after the body, a beacon whose
        # body came after an erase of the same process wrote the profile again)
        try:
            profile = await self.store.load(pid)  # first: a revoked id's counter is not touched
            privacy = self.arrival.privacy(guest, ident, revoked=profile.revoked)
            if privacy.private:
                await respond(send, 202, not_stored(privacy.reason))
                return
            fast = self.store.fast  # a full write queue, before the allowance is spent: its
            if fast is not None and fast.writer.full():  # "try again shortly" is no 429 then
                await respond(send, 202, beacon.QUEUE_FULL)
                return
            self.store.erasures.check(pid, mark)  # erased since the read (another tab): 202
            visit = Visit(
                visitor_id=pid,
                profile=loaded.ruleset.renames.profile(profile),  # formerly: as the page
                now=time.time(),
                request=request_info(scope, headers, self.settings),
                device=guest.device,
                choices=Prefs.from_cookie(ident.prefs),  # history off: no view_item is kept
                events=[(e.name, dict(e.data)) for e in batch.events],
            )
            filed = measuring.cohorts(profile.measured, loaded.ruleset.renames.rules)
            change = to_keep(visit, loaded.journey, loaded.ruleset.goals, self.settings, filed)
            if isinstance(change, str):  # only viewed items, with the browsing history off:
                await respond(send, 202, not_stored(change))  # no allowance spent (no write)
                return
            if await self.store.hit_rate_limit(pid, spec.per_minute):
                slow = {"error": "too many events; slow down"}
                await respond(send, 429, slow, [(b"retry-after", b"60")])
                return
            await self.store.record(pid, change, loaded.journey.half_life)
        except StoreError as exc:
            await respond(send, 202, store_failed(exc))
            return
        await respond(send, 204)

    async def preferences(
        self, scope: Scope, receive: Any, send: Any, guest: Guest, exporting: bool
    ) -> None:
        headers, arrived = guest.headers, time.monotonic()  # (a late page: no renewal)
        loaded = self.rules.current
        ident = self.arrival.identify(guest, loaded.ruleset.renames)
        method = scope.get("method")
        secure = scope.get("scheme") in ("https", "wss")
        privacy = self.arrival.privacy(guest, ident)
        root = url_root(scope)  # behind a path prefix, the URLs we write start with it
        prefix = root + self.prefix
        read_only = exporting or route_path(scope).endswith("/data")  # (no form posts there)
        if method == "POST" and not read_only:  # a choice (asgi/choicepost.py)
            await choicepost.post_choice(self, scope, receive, send, guest, ident, privacy)
            return
        if method not in ("GET", "HEAD"):
            allow = b"GET, HEAD" if read_only else b"GET, HEAD, POST"
            said = {"error": "use GET" if read_only else "use GET or POST"}
            await respond(send, 405, said, [(b"allow", allow)])
            return
        profile, failed, stored = Profile(), False, {}
        if not ident.is_new:  # theirs to see and erase under any privacy decision (read only)
            try:
                profile = loaded.ruleset.renames.profile(await self.store.load(ident.pid))
                if profile.revoked:  # the site revoked this id: nothing but that is kept
                    profile = Profile(revoked=exporting)  # the download shows the marker
                    privacy = self.arrival.privacy(guest, ident, revoked=True)
                if exporting:  # its lifetime too (the marker's, for a revoked id)
                    stored = await deny.counters(self.store, ident.user or ident.vid)
            except StoreError:
                failed = True
        if failed:  # nothing may be said about what is kept when it could not be read
            unread = "we could not load what we keep about you just now; please try again later"
            await send_answer(send, 503, *preferences.refusal(unread, headers, prefix, root))
            return
        if exporting:
            await send_answer(
                send,
                200,
                preferences.export(
                    ident, profile, stored, loaded.catalog, self.page.zone, loaded.journey
                ),
                [
                    (b"content-type", b"application/json; charset=utf-8"),
                    (b"content-disposition", b'attachment; filename="my-data.json"'),
                ],
            )
            return
        choices = await self.page.choices.get(loaded.ruleset)
        if route_path(scope).endswith("/data"):  # the export, readable; the JSON a click away
            await send_answer(
                send,
                200,
                self.page.render_data(ident, profile, loaded, privacy.said, choices, root=root),
                [(b"content-type", b"text/html; charset=utf-8")],
            )
            return
        query = scope.get("query_string", b"")[:MAX_QUERY].decode("latin-1")  # as rules read it
        cookie = []  # (none where a choice in another tab has replaced it since: race53)
        if not privacy.private and resends(self.signer, ident, arrived):  # GPC, no consent
            cookie = [(b"set-cookie", self.signer.set_cookie_header(ident, secure=secure))]
        notice = preferences.notice(self.signer, ident, profile, query)
        if cookie and notice == preferences.NOTICES["erased_all"]:  # "our cookie is gone":
            notice = ""  # not on a page that sets one (security69: a link given to another)
        private = ""
        if privacy.private:
            private = (
                "Your browser asks sites not to track you, or you have not given consent: "
                "we keep nothing about you and only adapt pages to things like your device "
                "or the link you followed."
            )
        render = partial(
            self.page.render,
            ident,
            profile,
            loaded,
            notice=notice,
            private=private,
            reason=privacy.said,  # (its words: respect/privacy.py Privacy.said)
            can_choose=privacy.keeps_choices(not ident.is_new),
            confirm_erase="confirm=erase" in query,  # asked only where there is an erase
            choices=choices,
            root=root,
            blocks=camefrom.named(query) if "block=" in query else [],
        )
        big = len(choices.by_id) >= IN_A_THREAD and self.page.lists_rules()
        page = await asyncio.to_thread(render) if big else render()  # a page of every rule
        await send_answer(
            send, 200, page, [(b"content-type", b"text/html; charset=utf-8"), *cookie]
        )
