"""redis-py's connections opened as the fast path's are (store/pipeline.py): in a task of their
own, shielded from the time limit of the read that asked for one, within the connect timeout
and :data:`~omotenashi.store.deadline.CONNECT_GRACE` more passes of the event loop.

redis-py opens a connection inside the command that needs it, under its own wall-clock
``socket_connect_timeout``, in that command's task: on a loop too busy to come back within the
connect timeout (0.2 s a pass), the socket's connect and the handshake's round trips (CLIENT
SETINFO, AUTH, SELECT: 8-15 passes) never fitted, the read's time limit cancelled the
half-open connection, every read after a restart or an idle close failed, and the breaker
stayed open while Redis answered at once (last56, left open in session 57 for Sentinel and
URLs with options). Here the read gives up on its own time limit as before; the connection
goes on opening for the next read, which waits for that same opening (not a new one). A
connection opened within another's opening (a Sentinel asked where the primary is) opens in
that task, and ends with it; a close from outside ends an opening, and the reads that waited
for it fail as reads do (sentinel58: a bare cancellation had reached them).

An opening the server refused (a wrong password: AUTH answered with an error) is kept on its
connection until one opens: on a busy loop every read had given up before the refusal came, and
a wrong password was said as timeouts (sentinel58); the next read that asks for the connection
is told the refusal at once (said and counted as one: store/failures.py) while another opening
starts. A Sentinel's primary is opened within its own limit, once the Sentinels said where it
is (their connections within theirs): with a password, a Sentinel connection opened anew in the
same limit left too few passes for the primary's AUTH, and the breaker opened (sentinel58).

A Cluster client's slot map and script loads are opened so too (store/clusterstart.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import weakref
from collections.abc import Coroutine
from typing import Any, TypeVar

from redis.asyncio.connection import (
    AbstractConnection,
    Connection,
    SSLConnection,
    UnixDomainSocketConnection,
)
from redis.asyncio.sentinel import SentinelManagedConnection
from redis.exceptions import RedisError

from omotenashi.store.breaker import misconfigured
from omotenashi.store.deadline import CONNECT_GRACE, Deadline, past_due


class ClosedWhileOpening(RedisError):
    """The connection was closed from outside while it opened (its client closing: the app
    stopping). Not a connection error: nobody tries it again on a fresh connection."""


CLOSED = "the connection was closed while it opened"
_OPENINGS: set[asyncio.Task[Any]] = set()  # the openings under way, each in its own task
# those closed from outside: no step of theirs opens a socket any more (their cancellation can
# be swallowed, by wait_for around a send on 3.11: redis-py's retry then opened a Sentinel's
# connection anew after its client closed, left open: sentinel59)
_ENDED: weakref.WeakSet[asyncio.Task[Any]] = weakref.WeakSet()


def _retrieved(task: asyncio.Task[Any]) -> None:
    """The opening's error is its callers' (each met it or gave up first; a refusal is kept
    for the next: :meth:`_Opened._open`), not an unretrieved task exception."""
    _OPENINGS.discard(task)
    if not task.cancelled():
        task.exception()


T = TypeVar("T")


def started(work: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
    """``work`` as an opening: in a task of its own (the connections it opens open in it, and
    end with it), whose error is its callers', met by :func:`joined`."""
    task = asyncio.get_running_loop().create_task(work)
    _OPENINGS.add(task)
    task.add_done_callback(_retrieved)
    return task


async def joined(task: asyncio.Task[T], what: str) -> T:
    """An opening waited for, shielded from the waiter's time limit (the opening goes on for
    the next); a close from outside that ended it is a failed read, not a cancellation."""
    current = asyncio.current_task()
    try:
        done = await asyncio.shield(task)
    except asyncio.CancelledError:  # the opening's, by a close from outside (the app
        if task.cancelled() and current is not None and not current.cancelling():
            raise ClosedWhileOpening(CLOSED) from None  # stopping): a failed read
        raise
    if past_due():  # (a read that waited for the opening, its own time out): its command,
        # cut in the middle, would close the connection just opened (last58); it gives up
        # now, leaving the connection for the next read
        raise TimeoutError(f"{what} after the read's time")
    return done


class _Opened(AbstractConnection):
    """Before a redis-py connection class in the bases: its ``connect`` runs in one shielded
    task per opening, limited by passes of the loop, not the clock alone."""

    _opening: asyncio.Task[None] | None = None
    _closed = False  # by a close from outside while the opening ran
    _limit: float | None = None  # the connect timeout, while the opening runs
    _refused: BaseException | None = None  # the last opening's refusal (a wrong password)
    _ONE_LIMIT = True  # the whole opening within one limit (a Sentinel's: the primary's part)

    @property
    def is_connected(self) -> bool:
        """Connected, and no longer opening (but to the opening's own steps): a socket that is
        connected before its handshake is answered is not another command's to write to (its
        reply would be the handshake's)."""
        opening = self._opening
        if opening is not None and not opening.done() and opening is not asyncio.current_task():
            return False
        return bool(super().is_connected)

    async def connect(self) -> None:
        await self._opened()

    async def connect_check_health(
        self, check_health: bool = True, retry_socket_connect: bool = True
    ) -> None:
        """(A command's send calls this, not ``connect``: one opening either way.)"""
        if self._opening is not None and self._opening is asyncio.current_task():
            if self._opening in _ENDED:
                raise ClosedWhileOpening(CLOSED)
            await super().connect_check_health(check_health, retry_socket_connect)
        else:
            await self._opened()

    async def _opened(self) -> None:
        if self.is_connected:
            return
        current = asyncio.current_task()
        if current in _OPENINGS:  # opened within another's opening (a Sentinel asked for the
            if current in _ENDED:  # primary): in that task, ended with it (sentinel58)
                raise ClosedWhileOpening(CLOSED)
            self._opening = current
            try:
                return await self._open()
            finally:
                self._opening = None
        task = self._opening
        if task is None or task.done():
            task = self._opening = started(self._open())
            refused = self._refused
            if refused is not None:  # the last opening was refused: said to the read that
                # starts the next (a read waiting for one gives up before it is refused, on a
                # busy loop: sentinel58); those that come while it runs wait for it (eye59b:
                # a server gone silent since was said as a refusal)
                raise copy.copy(refused).with_traceback(None)
        await joined(task, "the connection opened")

    def _limited(self) -> contextlib.AbstractContextManager[object]:
        """The opening's limit: the connect timeout, then CONNECT_GRACE passes of the loop."""
        limit = self._limit
        return Deadline(limit, CONNECT_GRACE) if limit else contextlib.nullcontext()

    async def _open(self) -> None:
        limit = self._limit = self.socket_connect_timeout
        # redis-py's own limit on the socket's connect is wall-clock: the Deadline's counts
        # the passes of the loop past it (restored after: a close waits within it)
        self.socket_connect_timeout, self._closed = None, False
        try:
            with self._limited() if self._ONE_LIMIT else contextlib.nullcontext():
                await super().connect()  # type: ignore[no-untyped-call]
            if self._closed:  # (a cancellation redis-py's steps swallowed: wait_for's, 3.11)
                await super().disconnect(nowait=True)
                raise ClosedWhileOpening(CLOSED)
        except BaseException as exc:  # a refusal is kept for the next read; any other end
            self._refused = exc if misconfigured(exc) else None  # (a close too) drops it
            raise
        else:
            self._refused = None
        finally:
            self.socket_connect_timeout, self._limit = limit, None

    async def disconnect(
        self,
        nowait: bool = False,
        error: Exception | None = None,
        failure_count: int | None = None,
        health_check_failed: bool = False,
    ) -> None:
        """A close from outside the opening (the pool's, as the app stops) ends it first: no
        connection opens after its client closed."""
        task = self._opening
        if task is not None and not task.done() and task is not asyncio.current_task():
            self._closed = True
            _ENDED.add(task)
            task.cancel()
            nowait = True  # (the opening's own limit is off while it runs)
        await super().disconnect(nowait, error, failure_count, health_check_failed)


class OpenedConnection(_Opened, Connection):
    pass


class OpenedSSLConnection(_Opened, SSLConnection):
    pass


class OpenedUnixConnection(_Opened, UnixDomainSocketConnection):
    pass


class OpenedSentinelConnection(_Opened, SentinelManagedConnection):
    """The Sentinels are asked first (a connection of theirs opened anew, within its own
    limit), then the primary's connection opens within the connect timeout and its passes."""

    _ONE_LIMIT = False

    async def connect_to(self, address: tuple[str, int]) -> None:
        with self._limited():
            await super().connect_to(address)  # type: ignore[no-untyped-call]


OPENED: dict[type[AbstractConnection], type[AbstractConnection]] = {
    Connection: OpenedConnection,
    SSLConnection: OpenedSSLConnection,
    UnixDomainSocketConnection: OpenedUnixConnection,
    SentinelManagedConnection: OpenedSentinelConnection,
}


def opened(cls: type[AbstractConnection]) -> type[AbstractConnection]:
    """The class that opens as this one does, shielded and counted in passes (a class of
    redis-py's not known here is kept)."""
    return OPENED.get(cls, cls)


def opened_in(cluster: Any) -> None:
    """A ``RedisCluster`` whose connections open as these do (redis-py gives its nodes its own
    class, whatever it is given: they are told here, the nodes it has and those it makes on a
    new slot map): on a busy process its connections killed, a site's reads came back in a
    second or two, where none did in 30 s (cluster58). A client whose inner names differ
    (another redis-py) is left as it is."""
    nodes: Any = getattr(cluster, "nodes_manager", None)
    made = getattr(nodes, "connection_kwargs", None)
    if not isinstance(made, dict):
        return
    made["connection_class"] = opened(made.get("connection_class", Connection))
    for node in [*nodes.nodes_cache.values(), *nodes.startup_nodes.values()]:
        node.connection_class = opened(node.connection_class)
