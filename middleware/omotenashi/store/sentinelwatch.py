"""A Sentinel's primary followed as it moves, not only when a connection fails.

redis-py asks the Sentinels where the primary is when one of its connections opens or fails.
After a planned failover (``SENTINEL FAILOVER``, an upgrade) the old primary still answers as
a primary until the Sentinels make it a replica: the pool went on reading and writing it for
about 10 s, every write of that window lost when it resynced (sentinel58). Here the Sentinels
are asked every :data:`EVERY` seconds; when the primary moved, the idle connections close
(redis-py's own pool does that when it sees the address change) and those in use close as they
come back, so each opens again to the new primary.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

log = logging.getLogger("omotenashi")

EVERY = 1.0  # seconds between two questions to the Sentinels (one small command)


async def follow(pool: Any, every: float = EVERY) -> None:
    """Until cancelled: ask ``pool`` (a ``SentinelConnectionPool``) where its primary is; when
    it moved, mark the connections in use to close as they come back to the pool."""
    known = pool.master_address
    while True:
        await asyncio.sleep(every)
        try:
            now = await pool.get_master_address()  # (closes the idle connections if it moved)
        except Exception as exc:  # no Sentinel answers: the reads and writes say so
            log.debug("omotenashi: no Sentinel said where the primary is: %s", exc)
            continue
        if known is not None and now != known:
            log.info("omotenashi: the primary moved to %s:%s", *now)
            for connection in [*pool._available_connections, *pool._in_use_connections]:
                if (connection.host, connection.port) != tuple(now):  # (redis-py's own lists)
                    with contextlib.suppress(AttributeError):  # (redis-py before 6.4: none)
                        connection.mark_for_reconnect()
        known = now


class Following:
    """:func:`follow` in a task of its own, from a store's connect to its close (its
    ``aclose``, with the Sentinels' clients: store/store.py)."""

    def __init__(self, pool: Any) -> None:
        self.task = asyncio.get_running_loop().create_task(follow(pool))

    async def aclose(self) -> None:
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task


def following(pool: Any) -> list[Following]:
    """A :class:`Following` of ``pool`` when an event loop runs (a server's, a CLI's), else
    none (a store made outside one asks the Sentinels only as redis-py does)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return []
    return [Following(pool)]
