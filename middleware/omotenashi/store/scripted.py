"""Script calls in a redis-py pipeline, in one round trip, on Redis Cluster too.

redis-py's Cluster pipeline refuses ``EVALSHA`` ("Calling pipelined function evalsha is
blocked when running redis in cluster mode", redis/redis-py#2914), which is what a registered
script queues; and its plain pipeline sends ``SCRIPT EXISTS`` ahead of one that holds a
registered script, a round trip more (an item page's read, a record that teaches). Its general
``execute_command`` takes the call, routed by the call's keys on Cluster (all in one slot: the
visitor's hash tag, or one shared key). What both stand in for is the loading: a pipeline
cannot load a script a server does not know. So a short script (the load
and learn scripts, under :data:`SHORT` bytes) goes as its text (``EVAL``: never ``NOSCRIPT``),
and a long one (the record script) by its hash, and when a server answers ``NOSCRIPT`` (a new,
restarted or flushed server) that call is made again on its own, which loads the script on every
primary (``SCRIPT LOAD`` goes to them all), before any error is raised. A pipeline's one long
call comes last (store/store.py), so the calls still land in the order queued. One round trip
otherwise, on a plain server (TLS, Sentinel, a URL with options) as on Cluster.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from redis.exceptions import NoScriptError

SHORT = 2048  # bytes of a script's text sent with every Cluster call rather than a NOSCRIPT risked


class Pipe:
    """A redis-py pipeline (its commands pass through) whose :meth:`script` calls need no
    ``SCRIPT EXISTS`` and work on Cluster too; :meth:`execute` answers as the pipeline's own
    ``execute`` does."""

    def __init__(self, pipe: Any) -> None:
        self.pipe = pipe
        self.calls: list[tuple[int, Any, list[Any], list[Any]]] = []  # (position, script, ...)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.pipe, name)

    def __len__(self) -> int:
        return len(self.pipe)

    async def script(self, script: Any, keys: Sequence[Any], args: Sequence[Any] = ()) -> None:
        """Queue one call of a registered script (awaiting it only queues it)."""
        if len(script.script) < SHORT:
            self.pipe.execute_command("EVAL", script.script, len(keys), *keys, *args)
            return
        self.calls.append((len(self.pipe), script, list(keys), list(args)))
        self.pipe.execute_command("EVALSHA", script.sha, len(keys), *keys, *args)

    async def execute(self) -> list[Any]:
        if not self.calls:
            return list(await self.pipe.execute())
        calls, self.calls = self.calls, []
        replies = list(await self.pipe.execute(raise_on_error=False))
        for at, script, keys, args in calls:
            if isinstance(replies[at], NoScriptError):  # not run: run now, and so loaded
                replies[at] = await script(keys=keys, args=args)
        for reply in replies:
            if isinstance(reply, Exception):
                raise reply
        return replies


@asynccontextmanager
async def pipeline(client: Any) -> AsyncIterator[Pipe]:
    """``client.pipeline(transaction=False)``, as a :class:`Pipe`, closed however it ends."""
    async with client.pipeline(transaction=False) as pipe:
        yield Pipe(pipe)


async def queue(pipe: Any, script: Any, keys: Sequence[Any], args: Sequence[Any] = ()) -> Any:
    """One call of a registered script: queued on a :class:`Pipe`, else sent on ``pipe`` (a
    client or a redis-py pipeline) as the script itself sends it."""
    if isinstance(pipe, Pipe):
        return await pipe.script(script, keys, args)
    return await script(keys=keys, args=args, client=pipe)
