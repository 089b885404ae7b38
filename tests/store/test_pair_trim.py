"""The learning script (store/recs.py LEARN_SCRIPT) writes only shared keys since release 48:
a visitor's own pairs are no longer kept (their ``also`` key, trimmed by its scores in either
form until then), so what is left is a shared list cut by its scores."""

from __future__ import annotations

import math
import time

import redis

from omotenashi.store.recs import LEARN_SCRIPT, SHARED
from omotenashi.store.scripted import SHORT

KEEP = 10


def test_a_shared_list_adds_in_log_space_and_keeps_its_best(omotenashi_redis: redis.Redis) -> None:
    key, at = "omo:rec:co:trim", int(time.time()) + 60  # (it expires then)
    omotenashi_redis.delete(key)
    for n in range(KEEP + 3):
        omotenashi_redis.eval(LEARN_SCRIPT, 1, key, KEEP, at, SHARED, f"i{n}", 5.0 + n)
    omotenashi_redis.eval(LEARN_SCRIPT, 1, key, KEEP, at, SHARED, "i5", 10.0)  # once more
    kept = dict(omotenashi_redis.zrange(key, 0, -1, withscores=True))
    assert len(kept) == KEEP and {"i0", "i1", "i2"}.isdisjoint(kept)
    assert math.isclose(kept["i5"], math.log2(2**10 + 2**10))  # log2(2^a + 2^b)
    assert 0 < omotenashi_redis.ttl(key) <= 60


def test_the_learning_script_goes_as_its_text_on_a_cluster() -> None:
    """Under scripted.SHORT it is sent as its text with every Cluster call: a server that does
    not know it (new, restarted, flushed) runs it in the pipeline's order, never NOSCRIPT."""
    assert len(LEARN_SCRIPT.encode()) < SHORT
