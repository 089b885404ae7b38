"""How much data Redis keys hold, for the abuse and fuzz tests (issue 11)."""

from __future__ import annotations

import redis


def data_bytes(r: redis.Redis, key: str) -> int:
    """What a key holds: field names and values (hashes), members and scores (sorted sets)."""
    kind = r.type(key)
    if kind == "hash":
        return sum(len(f.encode()) + len(v.encode()) for f, v in r.hgetall(key).items())
    if kind == "zset":
        return sum(len(m.encode()) + len(repr(s)) for m, s in r.zrange(key, 0, -1, withscores=True))
    if kind == "string":
        return len((r.get(key) or "").encode())
    if kind == "none":  # expired meanwhile
        return 0
    raise AssertionError(f"{key}: an unexpected {kind}")


def footprint(r: redis.Redis, match: str = "omo:{*") -> dict[str, int]:
    """Every visitor key (found by SCAN) and the data it holds."""
    return {key: data_bytes(r, key) for key in r.scan_iter(match=match, count=1000)}
