"""The store's privacy guarantees: bounded keys, a short life for one-visit profiles, a deny-list,
and an erase that leaves nothing of the visitor behind.

A profile of one visit lives ``new_ttl`` (a day), unless it holds a measurement record (an
``m`` field: a first exposure to a measured rule): then at least ``measure_ttl``, the
attribution window, so that a goal reached within the window still counts for the exposure
and a visitor returning within it is not exposed (counted) again. Never longer than ``ttl``.

``GUARD`` opens the record and merge scripts: a revoked profile (``revoked`` field in its
profile hash, or in the first layout's profile key) is never written, and helpers refuse
entries past the counts of :mod:`omotenashi.engine.limits`. ``ERASE`` deletes every key
family (the first layout's too); ``REVOKE`` replaces the profile with the deny marker for a
while (the marker is the profile hash itself, so the scripts see it with no extra key, and
Redis expires it). Both run as every other script does, by EVALSHA (SCRIPT LOAD when the
server does not know them): a server that refuses EVAL still erases.
"""

from __future__ import annotations

import asyncio
from contextlib import nullcontext
from functools import partial
from typing import TYPE_CHECKING, Any

from omotenashi.engine import limits
from omotenashi.errors import StoreError
from omotenashi.store import moving, pieces
from omotenashi.store.erasures import Erasures as Erasures

if TYPE_CHECKING:
    from omotenashi.store.store import Store

#: Key families that hold nothing about a visitor beyond what the profile keys hold; every
#: family written under ``omo:{<id>}:`` must be in the store's PARTS or here.
EXTRA_FAMILIES = ("rate",)
#: The keys of the first layout (one key per part, before the single profile hash): no longer
#: written or read, left to expire on their TTL, but erased and revoked with the rest.
LEGACY_FAMILIES = ("profile", "attrs", "interests", "shown", "cart", "caps", "viewed", "measure")

# Opens the record and merge scripts. KEYS[1]: the profile hash, KEYS[3]: the first layout's
# profile key (a deny marker written before the upgrade still holds). The whole hash is read
# once, long values and names as written (store/pieces.py): ``have`` mirrors it as the script
# writes (put, putnx, incr, del keep it true) and ``count`` holds the entries of each family
# (store/scripts.py: a lowercase letter and a name; ``#`` for the numbered sentences), so
# bounds cost no extra command.
GUARD = f"""
local H = KEYS[1]
if redis.call('HEXISTS', H, 'revoked') == 1 or redis.call('HEXISTS', KEYS[3], 'revoked') == 1 then
  return 0
end
local have, count, names = {{}}, {{}}, {{}}  -- names[fam]: the family's field names (a set)
local changed = nil  -- once the hash is read: the fields this script has written (a set)
local FAMILIES = {{}}  -- by first byte
for c in string.gmatch('abcefikmswx', '.') do FAMILIES[string.byte(c)] = c end
local function family(f)
  local b = string.byte(f, 1)
  if FAMILIES[b] then return FAMILIES[b] end
  if b and b >= 48 and b <= 57 and string.match(f, '^%d+$') then return '#' end
end
local function note(f, v)
  local fam = family(f)
  if fam ~= nil and (have[f] == nil) ~= (v == nil) then
    count[fam] = (count[fam] or 0) + (v == nil and -1 or 1)
    local set = names[fam]
    if set == nil then set = {{}}; names[fam] = set end
    if v == nil then set[f] = nil else set[f] = true end
  end
  if changed then changed[f] = true end
  have[f] = v
end
{pieces.LUA}
local function putnx(f, v) if have[f] == nil then put(f, v) end end
local function uncounted(why)  -- HO's bits (store/scripts.py); true, from older writers, is 1
  local had = have['HO'] and (tonumber(have['HO']) or 1) or 0  -- (no number: the history's)
  put('HO', bit.bor(had, why == true and 1 or tonumber(why) or 1))
end
local function site_only(f)  -- a URL's site alone (engine/facts.py site_of): what is not one is
  local v = have[f]  -- left for the reader, which reads it as none (store/replies.py)
  if v == nil or string.match(v, '^%a[%w+.-]*://[^/?#@]*/$') then return end
  local scheme, netloc = string.match(v, '^(%a[%w+.-]*)://([^/?#]*)')
  local host = netloc and string.match(netloc, '([^@]*)$') or ''
  if host ~= '' then put(f, string.lower(scheme) .. '://' .. host .. '/') end
end
local function room(f, limit) return have[f] ~= nil or (count[family(f)] or 0) < limit end
local function fields(fam)  -- {{name, value}} of the family's fields, in no order
  local out = {{}}
  for f in pairs(names[fam] or out) do out[#out + 1] = {{f, have[f]}} end
  return out
end
local function keep_newest(fam, limit)  -- by value (a time), then by name; how many went
  if (count[fam] or 0) <= limit then return 0 end
  local all = fields(fam)
  table.sort(all, function(x, y)  -- (a time, maybe marked after it: 'w' values, scripts.py)
    local a = tonumber(string.match(x[2], '^%-?[%d.]+') or '') or 0
    local b = tonumber(string.match(y[2], '^%-?[%d.]+') or '') or 0
    if a ~= b then return a < b end
    return x[1] < y[1]
  end)
  for i = 1, #all - limit do del(all[i][1]) end
  return #all - limit
end
local function ttl_for(c)  -- after the writes: ``count`` says whether it holds an exposure
  if (c.new_ttl or 0) > 0 and tonumber(have['N'] or '0') < 2 then
    local short = c.new_ttl
    if (count['m'] or 0) > 0 then short = math.max(short, c.measure_ttl or 0) end
    return math.min(short, c.ttl)
  end
  return c.ttl
end
local MAX_TOPICS, MAX_EVENTS, MAX_CART = {limits.MAX_TOPICS}, {limits.MAX_EVENT_NAMES}, \
{limits.MAX_CART}
local MAX_ATTRS, MAX_BOUGHT, MAX_MERGED = {limits.MAX_ATTRS}, {limits.MAX_BOUGHT}, \
{limits.MAX_MERGED}
local VIEWED_KEEP, MAX_REASONS, MAX_REASON_BYTES = {limits.VIEWED_KEEP}, {limits.MAX_REASONS}, \
{limits.MAX_REASON_BYTES}
"""

# KEYS: every key family of one id, the profile hash first, the first layout's profile key
# second. Keeps a deny marker (and only it), moved into the profile hash.
ERASE = """
local marker, ttl
for i = 1, 2 do
  if marker == nil and redis.call('HEXISTS', KEYS[i], 'revoked') == 1 then
    marker, ttl = redis.call('HGET', KEYS[i], 'revoked'), redis.call('TTL', KEYS[i])
  end
end
local deleted = redis.call('DEL', unpack(KEYS))
if marker == nil then return deleted end
redis.call('HSET', KEYS[1], 'revoked', marker)
if ttl > 0 then redis.call('EXPIRE', KEYS[1], ttl) end
return 0
"""

# KEYS: as ERASE. ARGV[1]: until when (epoch seconds), ARGV[2]: for how long (seconds).
REVOKE = """
redis.call('DEL', unpack(KEYS))
redis.call('HSET', KEYS[1], 'revoked', ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1
"""


def family_keys(store: Store, pid: str, parts: tuple[str, ...]) -> list[str]:
    """Every key of ``pid``: the profile hash, the first layout's profile key, the rest."""
    main, *rest = (*parts, *EXTRA_FAMILIES)
    return [store.key(pid, part) for part in (main, *LEGACY_FAMILIES, *rest)]


async def _drain(store: Store) -> None:
    """Let every queued page view land first: none may rewrite a profile after its erase."""
    if store.fast is not None:  # not through the breaker: draining asks Redis nothing itself
        try:
            async with asyncio.timeout(store.cfg.write_timeout):
                await store.fast.drain()
        except TimeoutError:
            raise StoreError(f"Redis did not answer within {store.cfg.write_timeout}s") from None


async def erase(store: Store, pid: str, parts: tuple[str, ...], moved: bool = False) -> None:
    """``moved``: a sign-in's merge folded the profile into the user's first; that is no erase
    to the visitor's other requests (their read is still theirs), nor one to tell them of."""
    with nullcontext() if moved else store.erasures.erasing(pid):  # (read before: none written)
        await _drain(store)
        keys = family_keys(store, pid, parts)
        script = store.client.register_script(ERASE)
        first = partial(moving.erase_each, store, keys)  # (a slot being moved: one key each)
        await moving.whole_or_each(store, keys, lambda: script(keys=keys), first)


async def revoke(store: Store, pid: str, parts: tuple[str, ...], until: float, ttl: int) -> None:
    with store.erasures.erasing(pid):
        await _drain(store)
        keys = family_keys(store, pid, parts)
        script = store.client.register_script(REVOKE)
        args = [int(until), ttl]
        # (a slot being moved: the profile hash's part, then the rest)
        first = partial(moving.one_key_script, store, moving.REVOKE_HASH, keys[0], *args)
        await moving.whole_or_each(store, keys, lambda: script(keys=keys, args=args), first)


async def is_revoked(store: Store, pid: str) -> bool:
    """A deny marker on the id (in the profile hash, or the first layout's profile key)."""
    keys = [store.keys(pid)[0], store.keys(pid)[-1]]

    async def op() -> Any:
        async with store.client.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.hexists(key, "revoked")
            return await pipe.execute()

    return any(await store._run(op, store.cfg.read_timeout))


async def counters(store: Store, pid: str) -> dict[str, Any]:
    """What the export shows besides the profile: the beacon's rate counter and key lifetimes."""
    rate_key, profile_key = store.key(pid, "rate"), store.keys(pid)[0]

    async def op() -> tuple[Any, Any]:
        return await store.client.get(rate_key), await store.client.ttl(profile_key)

    rate, ttl = await store._run(op, store.cfg.read_timeout)
    return {
        "events_this_minute": int(rate or 0),
        "kept_for_seconds": ttl if isinstance(ttl, int) and ttl > 0 else None,
    }


# HO's bit 2 (store/scripts.py) set on the id's profile, and nothing else: no time seen, no
# expiry renewed (privacy70: a record moved the last time seen, and the next page continued a
# visit of long before). Where none is kept yet ("Personalise nothing" was the visitor's first
# choice: last70), the mark alone starts one, for a new profile's time (ARGV[1]): the first page
# after it goes on from there. Never on a revoked id (either layout's marker).
_MARK_NOTHING = """
local key = KEYS[1]  -- (only commands the README's ACL line allows: review70b)
if redis.call('HEXISTS', key, 'revoked') == 1 or redis.call('HEXISTS', KEYS[2], 'revoked') == 1
then
  return 0
end
local v = redis.call('HGET', key, 'HO')
redis.call('HSET', key, 'HO', bit.bor(v and (tonumber(v) or 1) or 0, 2))
if redis.call('TTL', key) == -1 then redis.call('EXPIRE', key, ARGV[1]) end  -- (started here)
return 1
"""


async def mark_uncounted(store: Store, pid: str) -> None:
    """Marks the profile of ``pid`` as having gone without the pages a browser saw while its
    visitor chose to personalise nothing (none is written then): its count says so."""
    keys = [store.keys(pid)[0], store.keys(pid)[-1]]
    script = store.client.register_script(_MARK_NOTHING)  # (EVALSHA, as every other script)

    async def op() -> Any:
        return await script(keys=keys, args=[store.cfg.new_ttl])

    await store._run(op, store.cfg.write_timeout)
