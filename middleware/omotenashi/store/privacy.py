"""The store's privacy guarantees: bounded keys, a short life for one-visit profiles, a deny-list,
and an erase that leaves nothing of the visitor behind.

``GUARD`` opens the record and merge scripts: a revoked profile (``revoked`` field in its
profile hash) is never written, and helpers refuse entries past the counts of
:mod:`omotenashi.engine.limits`. ``ERASE`` deletes every key family; ``REVOKE`` replaces the
profile with the deny marker for a while (the marker is the profile hash itself, so the
scripts see it with no extra key, and Redis expires it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from omotenashi.engine import limits

if TYPE_CHECKING:
    from omotenashi.store.store import Store

#: Key families that hold nothing about a visitor beyond what the profile keys hold; every
#: family written under ``omo:{<id>}:`` must be in the store's PARTS or here.
EXTRA_FAMILIES = ("rate",)

GUARD = f"""
if redis.call('HEXISTS', KEYS[1], 'revoked') == 1 then return 0 end
local function room(key, field, limit)
  return redis.call('HEXISTS', key, field) == 1 or redis.call('HLEN', key) < limit
end
local function count_like(key, prefix)
  local n = 0
  for _, f in ipairs(redis.call('HKEYS', key)) do
    if string.sub(f, 1, #prefix) == prefix then n = n + 1 end
  end
  return n
end
local function room_like(key, field, prefix, limit)
  return redis.call('HEXISTS', key, field) == 1 or count_like(key, prefix) < limit
end
local function incr_room(key, field, n, limit)
  if room(key, field, limit) then redis.call('HINCRBY', key, field, n) end
end
local function set_room(key, field, value, limit)
  if room(key, field, limit) then redis.call('HSET', key, field, value) end
end
local function incr_like(key, field, n, prefix, limit)
  if room_like(key, field, prefix, limit) then redis.call('HINCRBY', key, field, n) end
end
local function set_like(key, field, value, prefix, limit)
  if room_like(key, field, prefix, limit) then redis.call('HSET', key, field, value) end
end
local function ttl_for(profile, c)
  if (c.new_ttl or 0) > 0 and tonumber(redis.call('HGET', profile, 'visits') or '0') < 2 then
    return math.min(c.new_ttl, c.ttl)
  end
  return c.ttl
end
local function trim_merged(profile)
  local merged = {{}}
  local flat = redis.call('HGETALL', profile)
  for i = 1, #flat, 2 do
    if string.sub(flat[i], 1, 7) == 'merged:' then
      merged[#merged + 1] = {{flat[i], tonumber(flat[i + 1]) or 0}}
    end
  end
  table.sort(merged, function(x, y) return x[2] > y[2] end)
  for i = {limits.MAX_MERGED} + 1, #merged do redis.call('HDEL', profile, merged[i][1]) end
end
local MAX_TOPICS, MAX_EVENTS, MAX_CART = {limits.MAX_TOPICS}, {limits.MAX_EVENT_NAMES}, \
{limits.MAX_CART}
local MAX_ATTRS, MAX_BOUGHT = {limits.MAX_ATTRS}, {limits.MAX_BOUGHT}
"""

# KEYS: every key family of one id, the profile hash first. Keeps a deny marker (and only it).
ERASE = """
if redis.call('HEXISTS', KEYS[1], 'revoked') == 1 then
  local until_ = redis.call('HGET', KEYS[1], 'revoked')
  local ttl = redis.call('TTL', KEYS[1])
  redis.call('DEL', unpack(KEYS))
  redis.call('HSET', KEYS[1], 'revoked', until_)
  if ttl > 0 then redis.call('EXPIRE', KEYS[1], ttl) end
  return 0
end
return redis.call('DEL', unpack(KEYS))
"""

# KEYS: as ERASE. ARGV[1]: until when (epoch seconds), ARGV[2]: for how long (seconds).
REVOKE = """
redis.call('DEL', unpack(KEYS))
redis.call('HSET', KEYS[1], 'revoked', ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1
"""


def family_keys(store: Store, pid: str, parts: tuple[str, ...]) -> list[str]:
    """Every key of ``pid``, the profile hash first."""
    return [store.key(pid, part) for part in (*parts, *EXTRA_FAMILIES)]


async def _drain(store: Store) -> None:
    """Let every queued page view land first: none may rewrite a profile after its erase."""
    if store.fast is not None:
        await store._run(store.fast.drain, store.cfg.write_timeout)


async def erase(store: Store, pid: str, parts: tuple[str, ...]) -> None:
    await _drain(store)
    keys = family_keys(store, pid, parts)
    await store._run(lambda: store.client.eval(ERASE, len(keys), *keys), store.cfg.write_timeout)


async def revoke(store: Store, pid: str, parts: tuple[str, ...], until: float, ttl: int) -> None:
    await _drain(store)
    keys = family_keys(store, pid, parts)
    await store._run(
        lambda: store.client.eval(REVOKE, len(keys), *keys, int(until), ttl),
        store.cfg.write_timeout,
    )


async def is_revoked(store: Store, pid: str) -> bool:
    key = store.key(pid, "profile")

    async def op() -> Any:
        return await store.client.hexists(key, "revoked")

    return bool(await store._run(op, store.cfg.read_timeout))


async def counters(store: Store, pid: str) -> dict[str, Any]:
    """What the export shows besides the profile: the beacon's rate counter and key lifetimes."""
    rate_key, profile_key = store.key(pid, "rate"), store.key(pid, "profile")

    async def op() -> tuple[Any, Any]:
        return await store.client.get(rate_key), await store.client.ttl(profile_key)

    rate, ttl = await store._run(op, store.cfg.read_timeout)
    return {
        "events_this_minute": int(rate or 0),
        "kept_for_seconds": ttl if isinstance(ttl, int) and ttl > 0 else None,
    }
