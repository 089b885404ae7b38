"""Counts of a record that Redis refused after it had forgotten the record script (NOSCRIPT,
then the record sent again with its text refused too) are noted lost once, whether the page
view went into the write queue (``record_soon``) or was awaited (``record``: a beacon, events
the app tracked after its response). Real Valkey, full (OOM), its script cache flushed."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Callable

import pytest
import redis

from omotenashi import EmbeddedRedis, StoreError
from omotenashi.engine.change import Change
from omotenashi.ids import new_vid
from omotenashi.metrics import Metrics
from omotenashi.settings import RedisSettings
from omotenashi.store import stats
from omotenashi.store.store import Store

pytestmark = pytest.mark.anyio
DAY = 86400.0


def _counted(day: str, rule: str) -> Change:
    return Change(now=time.time(), view=True, stats={(day, f"x|t|{rule}"): 1})


@pytest.mark.parametrize("flushed", [True, False], ids=["noscript-first", "refused-at-once"])
@pytest.mark.parametrize("awaited", [False, True], ids=["write-queue", "awaited-record"])
async def test_a_record_refused_after_noscript_is_noted_lost_once(
    embedded_redis_factory: Callable[..., EmbeddedRedis], awaited: bool, flushed: bool
) -> None:
    server = embedded_redis_factory()
    cfg = RedisSettings(url=server.url, key_prefix=f"n{uuid.uuid4().hex[:10]}")
    store = Store(cfg, Metrics())
    store.connect(server.url)
    r = redis.Redis.from_url(server.url)
    day = dt.datetime.now(dt.UTC).date().isoformat()
    ledger = stats.stats_key(cfg.key_prefix, stats.LEDGER)
    try:
        await store.load(new_vid())  # connected: the fast path writes
        r.config_set("maxmemory-policy", "noeviction")
        r.config_set("maxmemory", 1)  # full: every write refused
        if flushed:
            r.script_flush()  # and the record script forgotten: NOSCRIPT first
        if awaited:
            with pytest.raises(StoreError):
                await store.record(new_vid(), _counted(day, "promo"), DAY)
        else:
            assert store.can_queue
            await store.record_soon(new_vid(), _counted(day, "promo"), DAY)
        r.config_set("maxmemory", 0)
        await store.record(new_vid(), _counted(day, "other"), DAY)  # the losses follow it
        assert store.fast is not None
        await store.fast.drain()
        await store.fast.wpipe.execute("PING")  # one connection answers in order: the
        # ledger's HINCRBY, sent after the record on it, is answered before this
    finally:
        await store.aclose()
    assert r.hget(ledger, f"lost|{day}") == b"1"  # once: not twice, not never
    r.close()
