"""The ASGI middleware: identify → load → (app) → engine → send → record.

Pure ASGI, like Starlette's ``GZipMiddleware``: everything derivable is built once in
``__init__``; per-request state lives in a :class:`Responder`; non-HTTP scopes pass through."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import math
import time
import weakref
from functools import partial
from typing import Any

from omotenashi import quiet
from omotenashi.asgi import goalmarks, redisup
from omotenashi.asgi.announce import announce, cookie_path_problem
from omotenashi.asgi.arrival import (
    Arrival,
    Guest,
    fastapi_app,
    is_page_request,
    page_request_headers,
    request_info,
    route_path,
)
from omotenashi.asgi.codings import narrowed
from omotenashi.asgi.endpoints import Endpoints
from omotenashi.asgi.filesend import ZEROCOPY, bodiless, offered
from omotenashi.asgi.lifespan import lifespan
from omotenashi.asgi.responder import Responder
from omotenashi.asgi.setcookie import FILES, for_crawlers
from omotenashi.asgi.tools import Tools
from omotenashi.asgi.visitor import Services, hand_over
from omotenashi.engine.page import EngineConfig
from omotenashi.engine.paths import folders, path_matcher, remembered
from omotenashi.errors import ConfigError
from omotenashi.identity import device
from omotenashi.identity.cookie import CookieSigner
from omotenashi.loader.catalog import ASYNC_CATALOG, CatalogSource
from omotenashi.loader.reload import Reloader
from omotenashi.metrics import Metrics
from omotenashi.metricsdir import SharedDir
from omotenashi.respect.privacy import pages_adapt
from omotenashi.settings import Settings
from omotenashi.store import memory
from omotenashi.store.embedded import EmbeddedRedis
from omotenashi.store.store import Store

log = logging.getLogger("omotenashi")
_LIVE: weakref.WeakSet[Omotenashi] = weakref.WeakSet()


def running() -> list[Omotenashi]:
    """Every middleware of this process still in use (for :func:`omotenashi.testing.written`)."""
    return list(_LIVE)


Scope = dict[str, Any]
Message = dict[str, Any]
_HANDLED = "omotenashi.middleware"  # the scope key of the Omotenashi that has the request
# A path over LONGEST_PATH is left alone unread (each rule's glob reads it whole); judgements of
# the others are remembered (engine/paths.py ``remembered``).
LONGEST_PATH = 8192


class Omotenashi:
    """Pure ASGI middleware. ``Omotenashi(app, settings=Settings(...))``."""

    def __init__(
        self,
        app: Any,
        *,
        settings: Settings | None = None,
        catalog: CatalogSource | None = None,
    ) -> None:
        """``catalog``: a callable returning the recommendations' items (instead of the rules
        folder's catalog.yaml), called whenever the rules load."""
        if catalog is not None and _is_async(catalog):  # (what it returns is checked on load)
            raise ConfigError("catalog", catalog, ASYNC_CATALOG)
        self.app = app
        self.settings = s = settings or Settings()
        self.metrics = Metrics()
        if s.metrics_dir is not None:  # scrapes answer the sum over the server's workers
            SharedDir(s.metrics_dir, self.metrics)
        self.signer = CookieSigner(s)
        measure_ttl = math.ceil(s.measure.attribution_days * 86400) + 1  # to its last second
        self.store = Store(s.redis, self.metrics, measure_ttl=measure_ttl)
        self.rules = Reloader(s.rules, self.metrics, catalog)
        self.arrival = Arrival(s, self.signer, self.store, self.metrics)
        self.endpoints = Endpoints(
            s, self.signer, self.store, self.rules, self.arrival, startup=self._start
        )
        self.tools = Tools(
            EngineConfig.from_settings(s),
            self.signer,
            self.store,
            self.metrics,
            s.server_timing,
            attribution_days=s.measure.attribution_days,
            hold_seconds=s.hold_seconds,
        )
        # Every spelling of a path (//admin, /ADMIN, /admin;x, /%61dmin ...) is judged, and a
        # path with a "." or ".." segment goes to the app untouched: where it leads is up to
        # whatever reads it next (a proxy's origin resolves it), so it cannot be judged.
        self._excluded = remembered(path_matcher(folders(s.exclude_paths), dot_segments=True))
        self._untracked = remembered(path_matcher(folders(s.untracked_paths)))
        self._prefix = s.endpoint_prefix + "/"
        self._embedded: EmbeddedRedis | None = None
        self._ping: asyncio.Future[None] | None = None  # the startup's (asgi/redisup.py)
        self._warm: asyncio.Future[None] | None = None  # the startup's parser build (_start)
        self._start_lock = asyncio.Lock()
        self._started = False
        self._announced = False
        self._said_nested = self._said_path = False
        self._fastapi = fastapi_app(app)  # its root_path, set before the path is judged
        self._loop: asyncio.AbstractEventLoop | None = None
        self._keeper: asyncio.Task[None] | None = None
        self._writing: set[asyncio.Future[None]] = set()  # records not yet written
        self._marked: object = None  # the rule set whose goals were marked (asgi/goalmarks.py)
        _LIVE.add(self)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        kind = scope["type"]
        if kind == "lifespan":
            await lifespan(self, scope, receive, send)
            return
        if kind != "http" or self._nested(scope):
            if kind == "websocket":  # no visitor (nor a shared state's last one: eye52d)
                hand_over(scope, None)
            await self.app(scope, receive, send)
            return
        if self._fastapi is not None and self._fastapi.root_path:
            scope["root_path"] = self._fastapi.root_path  # as FastAPI sets it, next
        path = route_path(scope)  # behind a path prefix, the app's path: what settings name
        if len(path) > LONGEST_PATH or self._excluded(path):  # (one inside may take it)
            hand_over(scope, None, "excluded")
            await self.app(scope, receive, send)
            return
        scope[_HANDLED] = self  # taken: an Omotenashi inside leaves it to this one
        if path.startswith(self._prefix):  # (a HEAD's body goes as an empty one: filesend.py)
            head = scope.get("method") == "HEAD"
            await self.endpoints(scope, receive, bodiless(send) if head else send)
            return
        responder = await self._arrive(scope, send, path)
        if not isinstance(responder, Responder):  # a bot (its Guest), a skip (None)
            hand_over(scope, None)  # (no visitor, nor the state's last one)
            crawl = responder is not None and not self._untracked(path)
            await self.app(scope, receive, for_crawlers(send, scope, self.tools) if crawl else send)
            return
        responder.visitor.looked = False  # what the app reads of them from now on
        try:
            await self.app(scope, receive, responder.send)
        except BaseException as exc:  # a record its last byte started is still waited for
            self._pending(responder.recording)
            responder.clock.stop()  # (cancelled too: nothing held goes out after the app ended)
            if isinstance(exc, Exception):  # what the app sent goes out; the server cuts it
                try:
                    await responder.release()
                except Exception:  # the server's send failed too: the app's error is the one
                    log.debug("omotenashi: the unfinished response could not go out", exc_info=True)
            raise
        self._pending(responder.after_app())
        if responder.change and responder.change.stats and responder.loaded is not self._marked:
            self._marked = loaded = responder.loaded  # the set's goals' days: asgi/goalmarks.py
            again = partial(setattr, self, "_marked", None)  # (a mark not written: tried again)
            self._pending(
                goalmarks.mark_soon(self.store, loaded.ruleset.goals, self.tools.config.zone, again)
            )
        await responder.release()  # returned unfinished: the server cuts what went out

    def _nested(self, scope: Scope) -> bool:
        """Whether another Omotenashi, around this one, has taken this request (the same
        middleware twice: ``add_middleware`` and a wrap, or a mounted app wrapped again). The
        outer one does everything once (one cookie, one page view, one "i" per block); this one
        passes the request on, and says so once. A path the outer one excludes is not taken."""
        outer = scope.get(_HANDLED)
        if outer is None:
            return False
        if outer is not self and not self._said_nested:
            self._said_nested = True
            log.warning(
                "omotenashi: this middleware is inside another Omotenashi, which handles its "
                "requests (remove one: each would set its own cookie and count each page twice)"
            )
        return True

    async def _arrive(self, scope: Scope, send: Any, path: str) -> Responder | Guest | None:
        """identify → load; None, or a bot's Guest, hands the request to the app as it is
        (``path``: the request's :func:`route_path`)."""
        try:
            if not self._started:
                await self._start()  # (not waiting for the PING: a visitor waits for nothing)
            loaded = self.rules.maybe_reload()
            if not self._said_path:  # (said once: the cookie's path and our pages', config52)
                self._said_path = True
                if said := cookie_path_problem(self.settings, scope.get("root_path", "")):
                    log.warning("omotenashi: %s", said)
            guest = self.arrival.guest(scope)
            self.metrics.inc("requests")
            if guest.bot:
                self.metrics.inc("bots")
                self.metrics.inc("bypassed")
                return guest
            t0 = time.perf_counter()
            recommends = loaded.ruleset.recommends and bool(loaded.catalog.items)
            items = loaded.journey.page_tags(path)[1] if recommends else []
            visitor = await self.arrival.visitor(
                scope,
                guest,
                loaded.journey.half_life,
                recommends=recommends,  # (a catalogue id's co-views only: kept, store/recs.py)
                item=items[0] if items and items[0] in loaded.catalog.position else None,
            )
            visitor.identity = self.signer.as_now(visitor.identity, loaded.ruleset.renames)
            hand_over(scope, visitor)
            request = request_info(scope, guest.headers, self.settings, path)
            method, tracked = scope.get("method", "GET"), not self._untracked(request.path)
            adapts = pages_adapt(visitor.private, self.settings.respect.private_contextual)
            if visitor.degraded or not adapts:  # nothing made or recorded: only their cookie
                self.metrics.inc("degraded" if visitor.degraded else "bypassed")
                asked = "GET" if method == "HEAD" else method  # (a HEAD: as its GET; not a
                page = is_page_request(asked, scope.get("headers", [])) and not path.endswith(FILES)
                return Responder(  # file's, opened in a tab: its 200 stays the app's, eye57)
                    self.tools, send, visitor, request, loaded, method=method, tracked=tracked,
                    personal=False, page_request=page,
                )  # fmt: skip
            load_ms = (time.perf_counter() - t0) * 1000
        except Exception:  # a bug of ours must not cost the visitor the page
            quiet.bug(log, "omotenashi: preparing the request failed; serving the app's page")
            self.metrics.inc("splice_error")
            return None
        if method in ("GET", "HEAD") and tracked:  # a HEAD is asked as its GET is
            held = scope.get("extensions")
            if held and ZEROCOPY in held:  # the app sends body messages then (filesend.py)
                scope["extensions"] = offered(held)
            read = guest.headers  # every header's name, in lower case (a dict: no scan)
            coding = narrowed(read["accept-encoding"]) if "accept-encoding" in read else ""
            if coding is None:  # it takes neither gzip nor identity: as sent, and its
                tracked = False  # response too, as one in br (bypassed; no page view)
            elif (
                "if-none-match" in read or "if-modified-since" in read or coding
            ) and is_page_request("GET", headers := scope.get("headers", [])):
                # a page cached before we were here must not get a 304 (it is rewritten now),
                # nor come back in br or zstd, which we cannot rewrite: gzip or identity
                scope["headers"] = page_request_headers(headers, coding)
        return Responder(
            self.tools,
            send,
            visitor,
            request,
            loaded,
            method=method,
            load_ms=load_ms,
            tracked=tracked,
        )

    def services(self) -> Services:
        """What the app's calls need without a request (``revoke(mw, user_id=...)``)."""
        half_life = self.rules.current.journey.half_life
        return Services(
            self.store,
            self.signer.user_salt,
            half_life,
            self.settings.cookie.max_age,
            self.settings.respect,
        )

    def _pending(self, writing: asyncio.Future[None] | None) -> None:
        if writing is not None and not writing.done():
            self._writing.add(writing)
            writing.add_done_callback(self._written)

    def _written(self, writing: asyncio.Future[None]) -> None:
        self._writing.discard(writing)
        if not writing.cancelled() and (exc := writing.exception()) is not None:
            log.error("omotenashi: a page view could not be recorded", exc_info=exc)

    async def drain(self) -> None:
        """Wait until every page view and event recorded so far is written (or refused).

        Requests do not wait for their writes: they are queued and go out batched, after the
        response. Tests that read Redis right after a request, and a graceful shutdown, call
        this first."""
        if self._loop is not asyncio.get_running_loop():
            return  # another event loop's requests (or none yet): nothing of ours to wait for
        cfg = self.settings.redis
        # Bounded (a server that stopped answering leaves a queued write unanswered), and
        # asyncio.wait, not gather: giving up must not cancel the writes themselves.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(cfg.read_timeout + 2 * cfg.write_timeout):
                while self._writing:
                    await asyncio.wait(set(self._writing))
        fast = self.store.fast
        if fast is not None and fast.writer.pending:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.settings.redis.write_timeout):
                    await fast.drain()

    # -- lifecycle -------------------------------------------------------------------------

    async def startup(self) -> None:
        """Open the Redis pool (starting a private server when no URL is set), and wait for
        one PING (within the connect and read timeouts): a Redis that does not answer is
        said now, naming its setting, and the app starts all the same (asgi/redisup.py).

        From the lifespan (answered here for an app that takes none: Django), or from the
        lifespan of an app this one is mounted in (Starlette's ``Mount`` sends it none)."""
        await self._start()
        await redisup.pinged(self._ping)
        if self._warm is not None:
            await self._warm

    async def _start(self) -> None:
        """:meth:`startup` without waiting for the PING; also from the first request when the
        server sends no lifespan (daphne, ``--lifespan off``): then the pool closes as the
        event loop ends, and a new event loop (a test's, a restarted server's) gets a pool of
        its own."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._loop, self._start_lock, self._started = loop, asyncio.Lock(), False
        async with self._start_lock:
            if self._started:
                return
            self._started = True
            self._close_with(loop)
            if self.metrics.shared is not None:  # this process's file, written from now on
                self.metrics.shared.start()
            if not self._announced:  # once per middleware, not per event loop
                self._announced = True
                announce(self.settings)
            self._embedded = redisup.connect(self.settings.redis, self.store)
            self._pending(memory.check_soon(self.store))  # its policy: said once
            self.store.breaker.resumed = lambda: self._pending(memory.check_soon(self.store))
            self._ping = redisup.ping_soon(self.settings.redis, self.store)  # said at startup
            self._pending(self._ping)
            # the User-Agent parser's tables, after it (0.1 s, once), not in a worker's first
            # requests (a slow first burst opened the breaker: shutdown55); without a lifespan
            # the first request starts this, and waits for it as it did
            self._warm = asyncio.ensure_future(redisup.then_warm(self._ping, device.warm))

    def _close_with(self, loop: asyncio.AbstractEventLoop) -> None:
        """Close the pool when ``loop`` ends: ``asyncio.run`` (as uvicorn, hypercorn and test
        runners use) cancels the tasks still running as it finishes, and this one then closes
        the pool while the loop can still run it. A lifespan shutdown closes it earlier."""

        async def keeper() -> None:
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:  # the loop is ending (or shutdown() stopped us)
                mine = self._keeper is asyncio.current_task()  # not a later startup's pool
                if self._loop is loop and self._started and mine:
                    await self.shutdown()
                raise
            # A loop closed without cancelling its tasks closes this coroutine (GeneratorExit):
            # nothing can be awaited then, and the pool goes with the loop.

        self._keeper = loop.create_task(keeper(), name="omotenashi: close the pool with the loop")

    async def shutdown(self) -> None:
        keeper, self._keeper = self._keeper, None
        if keeper is not None and keeper is not asyncio.current_task() and not keeper.done():
            keeper.cancel()
        self.rules.stop()
        # the last requests' writes, the tasks' then the queue's, within the write timeout in all
        until = asyncio.get_running_loop().time() + self.settings.redis.write_timeout
        if self._writing:
            await asyncio.wait(set(self._writing), timeout=self.settings.redis.write_timeout)
        await self.store.aclose(until)
        if self._embedded is not None:
            embedded, self._embedded = self._embedded, None
            embedded.close()
        if self.metrics.shared is not None:  # the last counts; its gauges no longer count
            self.metrics.shared.stop()
        self._started = False


def _is_async(call: object) -> bool:
    """An ``async def`` function or generator, or an object whose ``__call__`` is one."""
    inner = getattr(type(call), "__call__", None)  # noqa: B004 (its class's method: async?)
    return any(
        inspect.iscoroutinefunction(f) or inspect.isasyncgenfunction(f) for f in (call, inner)
    )
