"""The profile read and the page-view write on the auto-pipelined connection.

The store uses this for plain ``redis://`` and ``unix://`` servers; Sentinel and Cluster stay
on redis-py. Reads go out as soon as they are asked for (before the app runs); writes go
through the :class:`~omotenashi.store.writer.Writer`. Both share one connection, in order, so a
read issued after a write sees it: queued writes are flushed ahead of every read.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping, Sequence
from typing import Any

from omotenashi.metrics import Metrics
from omotenashi.settings import RedisSettings
from omotenashi.store.pipeline import AutoPipeline, PipelineError, Script, fast_url
from omotenashi.store.stats import queue_stats
from omotenashi.store.writer import Item, Writer

Command = tuple[str | int, ...]


class _Commands(list[Command]):
    """Collects the commands ``queue_stats`` queues, as a redis-py pipeline would."""

    def hincrby(self, key: str, field: str, amount: int) -> None:
        self.append(("HINCRBY", key, field, amount))

    def expireat(self, key: str, when: int) -> None:
        self.append(("EXPIREAT", key, when))


class FastPath:
    def __init__(
        self,
        url: str,
        cfg: RedisSettings,
        metrics: Metrics,
        load: str,
        record: str,
        load_plain: str | None = None,
    ) -> None:
        # load_plain: the load script without its read-only line, for a server that refuses
        # it (Redis 6; found out when the connection loads the scripts)
        self.load_script, self.record_script = Script(load, load_plain), Script(record)
        self.pipe = AutoPipeline(
            url,
            connect_timeout=cfg.connect_timeout,
            stall=4 * max(cfg.read_timeout, cfg.write_timeout, cfg.connect_timeout),
            scripts=(self.load_script, self.record_script),
        )
        self.writer = Writer(
            self._send,
            interval=cfg.write_batch_interval,
            size=cfg.write_batch_size,
            limit=cfg.write_queue_limit,
            metrics=metrics,
        )
        self.drain_timeout = cfg.write_timeout
        self.cfg, self.metrics = cfg, metrics

    @classmethod
    def for_url(
        cls,
        url: str,
        cfg: RedisSettings,
        metrics: Metrics,
        load: str,
        record: str,
        load_plain: str | None = None,
    ) -> FastPath | None:
        """The fast path for a plain server; None for Sentinel, Cluster, TLS or options."""
        if cfg.cluster or not fast_url(url):
            return None
        return cls(url, cfg, metrics, load, record, load_plain)

    @property
    def ready(self) -> bool:
        """A command can go out now, without waiting for a connection."""
        return self.pipe.connected

    def begin_load(self, keys: list[str]) -> asyncio.Future[Any]:
        """Send the profile read now (ready only); queued writes go ahead of it."""
        held = self.pipe.hold()
        try:
            self.writer.flush()
            return self.load_script.call(self.pipe, keys)
        finally:
            if held:
                self.pipe.release()

    async def finish_load(self, sent: asyncio.Future[Any], keys: list[str]) -> Any:
        return await self.load_script.settle(self.pipe, sent, keys)

    async def load(self, keys: list[str]) -> Any:
        if not self.ready:
            await self.pipe.connect()
            # Page views that waited for the same connection (requests do not wait for their
            # writes) queue first, so this read sees them.
            await asyncio.sleep(0)
        return await self.finish_load(self.begin_load(keys), keys)

    async def add(
        self, keys: list[str], arg: str, stats: Mapping[tuple[str, str], int] | None = None
    ) -> Any:
        """Queue one record (and the measurement counters that ride with it: store/stats.py);
        the record's reply once the batch it went in has been written."""
        if not self.ready:
            await self.pipe.connect()
        extra = _Commands()
        if stats:
            queue_stats(extra, stats, self.cfg)
        future = self.writer.submit((keys, [arg], extra))
        if future is None:
            raise PipelineError(f"{self.writer.limit} page views already wait to be written")
        return await self.record_script.settle(self.pipe, future, keys, [arg])

    def add_nowait(
        self, keys: list[str], arg: str, stats: Mapping[tuple[str, str], int] | None = None
    ) -> asyncio.Future[Any] | None:
        """:meth:`add` without waiting (connected only): the record is in the write queue when
        this returns; its reply's future, or None when the queue is full."""
        extra: Sequence[Command] = ()  # usually no counters ride with it
        if stats:
            commands = _Commands()
            queue_stats(commands, stats, self.cfg)
            extra = commands
        return self.writer.submit((keys, [arg], extra))

    def _send(self, items: Sequence[Item]) -> list[asyncio.Future[Any]]:
        if not self.ready:
            raise PipelineError("not connected")
        out = []
        for keys, args, extra in items:
            out.append(self.record_script.call(self.pipe, keys, args))
            for command in extra:  # counters: a failure is counted, nobody waits for them
                self.pipe.call(*command).add_done_callback(self._counted)
        return out

    def _counted(self, reply: asyncio.Future[Any]) -> None:
        if not reply.cancelled() and reply.exception() is not None:
            self.metrics.inc("record_error")

    async def drain(self) -> None:
        """Every queued write sent and answered (before erasing or merging a profile)."""
        await self.writer.drain()

    async def aclose(self) -> None:
        """Write what is queued (within the write timeout), then close the connection."""
        if self.writer.pending:  # awaits only when there is something to wait for
            with contextlib.suppress(TimeoutError, PipelineError, RuntimeError):
                async with asyncio.timeout(self.drain_timeout):
                    await self.writer.drain()
        self.pipe.close()
