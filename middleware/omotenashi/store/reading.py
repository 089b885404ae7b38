"""A profile read under way: sent as soon as the cookie is known, awaited by the engine.

On the auto-pipelined connection the read is on the wire before the app runs, and its reply
usually arrives while the app is still working: by the time the engine needs the profile it
is there, and reading it costs no waiting at all (``peek``). Without the fast path (Sentinel,
Cluster) or before the first connection, the read happens when it is awaited.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from omotenashi.engine.profile import Profile
from omotenashi.errors import StoreError
from omotenashi.store.fastpath import FastPath
from omotenashi.store.pipeline import retrieved
from omotenashi.store.store import Store


class ProfileRead:
    def __init__(self, store: Store, pid: str) -> None:
        self.store = store
        self.pid = pid
        self.loop = asyncio.get_running_loop()
        self.keys = store.keys(pid)
        self._sent: asyncio.Future[Any] | None = None
        self._profile: Profile | None = None
        self._error: StoreError | None = None
        self._t0 = time.perf_counter()  # for the redis_read histogram
        self._timed = False  # the wait in ``profile`` times it (once: obs57)
        self._then: list[Callable[[Profile], object]] = []  # when_here's, run as the reply comes
        fast = store.fast
        # The profile's last request may have left a write not queued yet: this read waits for
        # that one (not for the writes this request will make itself).
        self._after = store.unqueued.get(pid)
        if self._after is not None and not self._after.done():
            self._sent = None
        elif fast is not None and fast.ready and store.breaker.opened_at is None:
            try:
                self._sent = fast.begin_load(self.keys)
                # a request that never awaits its profile (a redirect, JSON) leaves no
                # "Future exception was never retrieved" when the read fails
                self._sent.add_done_callback(self._replied)
            except StoreError:  # stalled or full: the awaited read says so (and counts it)
                self._sent = None

    def when_here(self, then: Callable[[Profile], object]) -> None:
        """``then(profile)`` on the event loop as soon as the reply of the read sent ahead is
        here, before anyone awaits it: what needs the profile but not the app starts then, while
        the app runs (the visitor's own pairs' co lists: asgi/ownpairs.py). Never when no read
        was sent ahead (it is made when awaited), nor when it failed."""
        sent = self._sent
        if sent is not None and not sent.done():  # (one callback for all: _replied)
            self._then.append(then)
        elif sent is not None:  # (done: its callbacks are under way, then this one)
            sent.add_done_callback(lambda _: self._here(then))

    def _replied(self, sent: asyncio.Future[Any]) -> None:
        retrieved(sent)
        for then in self._then:
            self._here(then)

    def _here(self, then: Callable[[Profile], object]) -> None:
        try:
            profile = self.peek()
        except StoreError:
            return
        if profile is not None:
            then(profile)

    def peek(self) -> Profile | None:
        """The profile when its reply is already here (no waiting); None while it is not.
        Raises StoreError when the read failed."""
        if self._profile is not None:
            return self._profile
        if self._error is not None:
            raise self._error
        sent = self._sent
        if sent is not None and sent.done() and not sent.cancelled() and not sent.exception():
            try:
                self._profile = self.store.profile_of(sent.result())
            except StoreError as exc:
                self._error = exc
                raise
            self.store.breaker.success()
            if not self._timed:
                self.store.metrics.observe("redis_read", time.perf_counter() - self._t0)
        return self._profile

    async def _sent_or_again(self, first: list[asyncio.Future[Any]], fast: FastPath) -> Any:
        if first:
            return await fast.finish_load(first.pop(), self.keys)
        return await fast.load(self.keys)  # (connected again first, when it must be)

    async def profile(self) -> Profile:
        """The profile, waiting for it within the read timeout; StoreError when it failed."""
        ready = self.peek()
        if ready is not None:
            return ready
        store, sent, fast = self.store, self._sent, self.store.fast
        try:
            if sent is not None and fast is not None:
                # the read sent ahead; tried again (a broken connection: store._run), a fresh
                # one, not the same failed reply (tlsfail57: a server closing connections
                # under load failed every read in flight, and the breaker opened)
                first = [sent]
                op = partial(self._sent_or_again, first, fast)
                self._timed = True  # (timed by the wait, not by the reply's callback too)
                reply = await store._run(op, store.cfg.read_timeout, "redis_read")
                # (parsed once: the reply's done callback may have read it while we waited)
                if self._profile is None:
                    self._profile = store.profile_of(reply)
            else:
                after = self._after
                if after is not None and not after.done():  # a page waits for it no longer
                    await asyncio.wait({after}, timeout=store.cfg.read_timeout)  # than a read
                self._profile = await store.load(self.pid, after_writes=False)
        except StoreError as exc:
            self._error = exc
            raise
        return self._profile
