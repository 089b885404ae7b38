"""How much data Redis keys hold, for the abuse and fuzz tests (issue 11)."""

from __future__ import annotations

import time

import redis

from omotenashi.store import pieces


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


#: The profile hash's families (store/scripts.py) by the family engine/limits.py bounds.
FAMILY_OF = {"f": "profile", "e": "profile", "x": "profile", "b": "profile", "a": "attrs"}
FAMILY_OF |= {"i": "interests", "c": "cart", "w": "viewed", "s": "rules", "k": "rules"}
FAMILY_OF |= {"m": "rules"} | {str(n): "rules" for n in range(10)}  # numbers: the reasons


def families(r: redis.Redis, key: str) -> dict[str, int]:
    """The data of one profile hash per family (plain fields count as ``profile``): a field
    kept in pieces or under its name's hash (store/pieces.py) counts with its own."""
    fields = r.hgetall(key)
    whole = pieces.joined(fields)
    hashed = {pieces.key_of(name): name for name in whole}
    out: dict[str, int] = {}
    for field, value in fields.items():
        of = pieces.owner(field)  # a piece's field
        of = pieces.HASHED + of[1:] if of[:1] == pieces.NAME else of  # a long name's field
        family = FAMILY_OF.get(hashed.get(of, of)[:1], "profile")
        out[family] = out.get(family, 0) + len(field.encode()) + len(value.encode())
    return out


def rules_in(r: redis.Redis, key: str) -> int:
    """How many rules have entries (shown, caps) in a profile hash."""
    return len({f[1:] for f in pieces.joined(r.hgetall(key)) if f[:1] in ("s", "k")})


def ago(r: redis.Redis, key: str, seconds: int) -> int:
    """A profile hash's time ``seconds`` ago, as it keeps times: counted from its ``F``."""
    return int(time.time()) - seconds - int(r.hget(key, "F") or 0)
