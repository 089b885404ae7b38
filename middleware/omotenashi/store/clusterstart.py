"""A Cluster client whose slot map and script loads are opened as connections are
(store/opening.py): in a task of their own, shielded from the time limit of the read that
needed them, bounded by their own.

redis-py's ``RedisCluster`` fetches its slot map (``initialize``: CLUSTER SLOTS from a startup
node, then COMMAND from the default node, each over a new connection) inside the first
command, under the read's time limit; the store loads its read script (SCRIPT LOAD, sent to
every primary at once) so too. On a loop too busy to come back within that limit (0.2 s a
pass: some 30 passes for the slot map, 5 or more for the loads) every read cancelled them
half-way, and the next began again from nothing: a Cluster store started on a busy process
never read, while Redis answered at once (cluster58, left open). Here a read gives up on its
own time limit as before, and the next waits for the same slot map or load, which goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from redis.asyncio.cluster import RedisCluster

from omotenashi.store.deadline import CONNECT_GRACE, Deadline
from omotenashi.store.opening import joined, started

# passes of the loop the slot map is waited for past the connect timeout: two connections
# opened (their handshakes) and two round trips took some 30 on a loop busy 0.2 s a pass
START_GRACE = 4 * CONNECT_GRACE


class OpenedCluster(RedisCluster):
    """``initialize`` (the slot map, and a refresh of it) in one shielded task at a time,
    within the connect timeout and :data:`START_GRACE` passes of the loop; a refresh under way
    leaves the slot map it has serving (as redis-py's). ``script_load`` in one shielded task
    per script, within the same bounds; its outcome, if every caller gave up first, is the next
    caller's (then a call loads anew). A close ends them first, then closes what they
    opened."""

    # tries of a command redirected (MOVED, ASK) or told TRYAGAIN (a slot being moved): 16 in
    # redis-py, the last half 50 ms apart, 0.4 s that outlasted a write's limit; 6 here
    # (0.15 s), then the store goes one key (store/moving.py), and a redirection needs 1 or 2
    RedisClusterRequestTTL = 6
    _starting: asyncio.Task[None] | None = None
    _loads: dict[Any, asyncio.Task[Any]] | None = None

    async def initialize(self, *args: Any, **kwargs: Any) -> OpenedCluster:
        due = getattr(self, "_initialize_due", None)  # (redis-py 8.1 has none: the flag)
        if not (due() if due is not None else self._initialize):
            return self
        task = self._starting
        if task is asyncio.current_task():  # (its own steps)
            await super().initialize(*args, **kwargs)
            return self
        if task is None or task.done():
            task = self._starting = started(self._start(*args, **kwargs))
        elif getattr(self, "_topology_ready", False):
            return self
        await joined(task, "the slot map came")
        return self

    async def _start(self, *args: Any, **kwargs: Any) -> None:
        with self._bounded():
            await super().initialize(*args, **kwargs)

    async def script_load(self, script: Any) -> Any:
        loads = self._loads = {} if self._loads is None else self._loads
        task = loads.get(script)
        if task is None or task.cancelled():
            task = loads[script] = started(self._load(script))
        given = False  # the load's outcome, to this caller: the next loads anew (a node that
        try:  # lost the script since is sent it: redis-py's Script loads on NOSCRIPT)
            done = await joined(task, "the script loaded")
            given = True
            return done
        except Exception as exc:
            given = task.done() and not task.cancelled() and exc is task.exception()
            raise
        finally:
            if given and loads.get(script) is task:
                del loads[script]

    async def _load(self, script: Any) -> Any:
        await self.initialize()  # (its own time for the slot map's: bounded by its own)
        with self._bounded():
            return await super().script_load(script)

    def _bounded(self) -> contextlib.AbstractContextManager[Any]:
        limit = self.nodes_manager.connection_kwargs.get("socket_connect_timeout")
        return Deadline(limit, START_GRACE) if limit else contextlib.nullcontext()

    async def aclose(self) -> None:
        running = [
            task
            for task in [self._starting, *(self._loads or {}).values()]
            if task is not None and not task.done()
        ]
        for task in running:
            task.cancel()
        if running:
            await asyncio.wait(running)  # (their errors are their callers')
        self._loads = None
        await super().aclose()
