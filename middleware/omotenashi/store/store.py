"""Store: profiles in Redis, one pipelined read before the app and one write after the body.

Keys carry the visitor id as a hash tag (``omo:{<vid>}:profile``) so one visitor's keys share a
cluster slot and one pipeline reaches them all. Every call is bounded by a timeout; failures raise
:class:`StoreError` for the caller to fail open, and a circuit breaker stops asking a dead server.
"""

from __future__ import annotations

import asyncio
import json
import time
from functools import partial
from typing import Any
from urllib.parse import urlparse

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.cluster import RedisCluster
from redis.asyncio.retry import Retry
from redis.asyncio.sentinel import Sentinel
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

from omotenashi.engine.change import Change
from omotenashi.engine.profile import Profile
from omotenashi.errors import StoreError
from omotenashi.metrics import Metrics
from omotenashi.recommend.coview import Learning
from omotenashi.recommend.signals import Shared
from omotenashi.settings import RedisSettings
from omotenashi.store import privacy, stats
from omotenashi.store.breaker import Breaker
from omotenashi.store.fastpath import FastPath
from omotenashi.store.recs import LEARN_SCRIPT, Recs
from omotenashi.store.replies import profile_from_reply as _profile

PARTS = ("profile", "attrs", "interests", "shown", "cart", "caps", "viewed", "also", "measure")
RANKS = "{awareness=1, interest=2, consideration=3, purchase=4, loyalty=5}"
VIEWED_KEEP = 50

# KEYS: profile, attrs, interests, shown, cart, caps, viewed. ARGV[1]: the change as JSON.
# Mirrors change.apply(): interests decay on write, the stage only moves forward unless a
# decay rule moved it back, and every key's idle expiry is renewed.
RECORD_SCRIPT = (
    privacy.GUARD
    + """
local c = cjson.decode(ARGV[1])
local profile, attrs, interests, shown, cart, caps, viewed = unpack(KEYS)
local rank = """
    + RANKS
    + """
for id, entry in pairs(c.caps) do redis.call('HSET', caps, id, entry[1] .. ':' .. entry[2]) end
if c.view then redis.call('HINCRBY', profile, 'views', 1) end
if c.new_visit then
  redis.call('HINCRBY', profile, 'visits', 1)
  redis.call('HSET', profile, 'visit_start', c.now)
  if c.absent_days ~= cjson.null then redis.call('HSET', profile, 'absent_days', c.absent_days) end
end
redis.call('HSETNX', profile, 'first_seen', c.now)
redis.call('HSET', profile, 'last_seen', c.now)
for k, v in pairs(c.first) do redis.call('HSETNX', profile, 'first_' .. k, v) end
for _, t in ipairs(c.topics) do if room(interests, t, 2 * MAX_TOPICS) then
  local score = tonumber(redis.call('HGET', interests, t) or '0')
  local at = tonumber(redis.call('HGET', interests, t .. '@') or c.now)
  local age = math.max(0, c.now - at)
  redis.call('HSET', interests, t, score * math.pow(0.5, age / c.half_life) + 1, t .. '@', c.now)
end end
for _, item in ipairs(c.items) do redis.call('ZADD', viewed, c.now, item) end
redis.call('ZREMRANGEBYRANK', viewed, 0, -"""
    + str(VIEWED_KEEP + 1)
    + """)
for _, id in ipairs(c.shown) do redis.call('HINCRBY', shown, id, 1) end
for id, why in pairs(c.shown_why or {}) do
  redis.call('HSET', shown, id .. '@', cjson.encode(why))
end
for name, n in pairs(c.events) do incr_like(profile, 'ev:' .. name, n, 'ev:', MAX_EVENTS) end
if c.cart_clear then redis.call('DEL', cart) end
for _, item in ipairs(c.cart_remove) do redis.call('HDEL', cart, item) end
for item, qty in pairs(c.cart_add) do incr_room(cart, item, qty, MAX_CART) end
if next(c.cart_add) or #c.cart_remove > 0 then redis.call('HSET', profile, 'cart_at', c.now) end
if c.purchases > 0 then
  redis.call('HINCRBY', profile, 'purchases', c.purchases)
  redis.call('HSET', profile, 'purchase_at', c.now)
end
for k, v in pairs(c.attrs) do set_room(attrs, k, cjson.encode(v), MAX_ATTRS) end
for _, item in ipairs(c.bought or {}) do
  set_like(profile, 'bought:' .. item, c.now, 'bought:', MAX_BOUGHT)
end
if c.stage ~= '' then
  local current = rank[redis.call('HGET', profile, 'stage') or 'awareness'] or 1
  if c.stage_back or rank[c.stage] > current then redis.call('HSET', profile, 'stage', c.stage) end
end
for k, v in pairs(c.measure) do redis.call('HSETNX', KEYS[9], k, v) end
local ttl = ttl_for(profile, c)  -- a day until the second visit (see store/privacy.py)
for _, key in ipairs(KEYS) do redis.call('EXPIRE', key, ttl) end
return 1
"""
)

# KEYS: profile, attrs, interests, shown, cart, caps, viewed, also: every part in one reply.
# (One script call costs the client far less than eight pipelined commands.)
LOAD_SCRIPT = """
local out = {}
for i = 1, 6 do out[i] = redis.call('HGETALL', KEYS[i]) end
out[7] = redis.call('ZRANGE', KEYS[7], 0, -1, 'WITHSCORES')
out[8] = redis.call('ZRANGE', KEYS[8], 0, -1, 'WITHSCORES')
out[9] = redis.call('HGETALL', KEYS[9])
return out
"""

# KEYS: the user's profile keys. ARGV[1]: the anonymous profile as JSON, ARGV[2]: its id.
# Counts add up, interests merge (decayed to now), the stage is the further one, first-touch
# facts and attributes keep the user's own when both have one. Runs once per anonymous id.
MERGE_SCRIPT = (
    privacy.GUARD
    + """
local a = cjson.decode(ARGV[1])
local profile, attrs, interests, shown, cart, caps, viewed = unpack(KEYS)
local rank = """
    + RANKS
    + """
if redis.call('HSETNX', profile, 'merged:' .. ARGV[2], a.now) == 0 then return 0 end
trim_merged(profile)
for _, f in ipairs({'views', 'visits', 'purchases'}) do
  if a[f] ~= cjson.null and a[f] > 0 then redis.call('HINCRBY', profile, f, a[f]) end
end
for name, n in pairs(a.events) do incr_like(profile, 'ev:' .. name, n, 'ev:', MAX_EVENTS) end
local function keep(field, value, better)
  if value == cjson.null then return end
  local old = tonumber(redis.call('HGET', profile, field) or '')
  if old == nil or better(value, old) then redis.call('HSET', profile, field, value) end
end
local function lower(x, y) return x < y end
local function higher(x, y) return x > y end
keep('first_seen', a.first_seen, lower)
keep('last_seen', a.last_seen, higher)
keep('cart_at', a.cart_at, higher)
keep('purchase_at', a.purchase_at, higher)
keep('visit_start', a.visit_start, higher)  -- the visit goes on: per-visit caps hold
local current = rank[redis.call('HGET', profile, 'stage') or 'awareness'] or 1
if (rank[a.stage] or 1) > current then redis.call('HSET', profile, 'stage', a.stage) end
for k, v in pairs(a.first_touch) do redis.call('HSETNX', profile, 'first_' .. k, v) end
for k, v in pairs(a.attrs) do
  if redis.call('HLEN', attrs) < MAX_ATTRS then redis.call('HSETNX', attrs, k, cjson.encode(v)) end
end
for topic, score in pairs(a.interests) do if room(interests, topic, 2 * MAX_TOPICS) then
  local old = tonumber(redis.call('HGET', interests, topic) or '0')
  local at = tonumber(redis.call('HGET', interests, topic .. '@') or a.now)
  local mine = old * math.pow(0.5, math.max(0, a.now - at) / a.half_life)
  redis.call('HSET', interests, topic, mine + score, topic .. '@', a.now)
end end
for id, n in pairs(a.shown) do redis.call('HINCRBY', shown, id, n) end
for id, w in pairs(a.shown_why or {}) do
  redis.call('HSETNX', shown, id .. '@', cjson.encode({w.at, w.because}))
end
for item, qty in pairs(a.cart) do incr_room(cart, item, qty, MAX_CART) end
for item, at in pairs(a.viewed) do redis.call('ZADD', viewed, 'GT', at, item) end
redis.call('ZREMRANGEBYRANK', viewed, 0, -1 - """
    + str(VIEWED_KEEP)
    + """)
if a.segments ~= '' then
  local have = redis.call('HGET', profile, 'segments') or ''
  redis.call('HSET', profile, 'segments', have == '' and a.segments or have .. ',' .. a.segments)
end
for k, v in pairs(a.measure) do redis.call('HSETNX', KEYS[9], k, v) end
for _, key in ipairs(KEYS) do redis.call('EXPIRE', key, a.ttl) end
return 1
"""
)


def make_client(url: str, cfg: RedisSettings) -> tuple[Any, list[Any]]:
    """A client with a bounded pool and explicit timeouts, for a plain, Sentinel or Cluster URL,
    and the other clients (Sentinel's) to close with it.

    Recovery after a Redis restart: a command that meets a connection error is sent once more
    on the same connection object, reconnected (a stale pooled socket costs one retry, not a
    failed page); a connection idle for ``health_check_interval`` seconds is PINGed first.
    """
    common: dict[str, Any] = {
        "socket_timeout": max(cfg.read_timeout, cfg.write_timeout),
        "socket_connect_timeout": cfg.connect_timeout,
        "decode_responses": True,
    }
    if not cfg.cluster:  # the Cluster client has its own retry (and refreshes the slot map)
        common["retry"] = Retry(NoBackoff(), 1)
        common["retry_on_error"] = [RedisConnectionError]
        common["health_check_interval"] = cfg.health_check_interval
    if url.startswith("redis+sentinel://"):
        parsed = urlparse(url)
        hosts = [
            (h.split(":")[0], int(h.split(":")[1]) if ":" in h else 26379)
            for h in parsed.netloc.split("@")[-1].split(",")
        ]
        service = parsed.path.strip("/") or "mymaster"
        sentinel = Sentinel(hosts, **common)  # type: ignore[no-untyped-call]
        client = sentinel.master_for(service, max_connections=cfg.max_connections, **common)
        return client, list(sentinel.sentinels)
    if cfg.cluster:
        return RedisCluster.from_url(url, max_connections=cfg.max_connections, **common), []
    # A blocking pool: a burst past max_connections waits (within our timeouts) for a
    # connection instead of failing with "Too many connections".
    pool = BlockingConnectionPool.from_url(
        url, max_connections=cfg.max_connections, timeout=cfg.connect_timeout, **common
    )
    return Redis.from_pool(pool), []


class Store:
    def __init__(self, cfg: RedisSettings, metrics: Metrics) -> None:
        self.cfg = cfg
        self.metrics = metrics
        self.breaker = Breaker(cfg.breaker_failures, cfg.breaker_reset, metrics)
        self.client: Any = None
        self._also_close: list[Any] = []
        self._scripts: tuple[Any, Any, Any] = (None, None, None)
        self._learn: Any = None
        self.recs = Recs(cfg.key_prefix)
        self.fast: FastPath | None = None  # reads and page views, auto-pipelined

    def connect(self, url: str) -> None:
        self.client, self._also_close = make_client(url, self.cfg)
        self._scripts = (
            self.client.register_script(RECORD_SCRIPT),
            self.client.register_script(MERGE_SCRIPT),
            self.client.register_script(LOAD_SCRIPT),
        )
        self._learn = self.client.register_script(LEARN_SCRIPT)
        self.fast = FastPath.for_url(url, self.cfg, self.metrics, LOAD_SCRIPT, RECORD_SCRIPT)

    async def aclose(self) -> None:
        if self.fast is not None:
            await self.fast.aclose()
        if self.client is not None:
            client, self.client = self.client, None
            await client.aclose()
        for other in self._also_close:
            await other.aclose()
        self._also_close = []

    @property
    def healthy(self) -> bool:
        """Connected, and the breaker is not open."""
        return self.client is not None and self.breaker.opened_at is None

    def key(self, vid: str, part: str) -> str:
        return f"{self.cfg.key_prefix}:{{{vid}}}:{part}"

    async def _run(self, op: Any, timeout: float, timing: str = "redis_write") -> Any:
        """``op()`` within ``timeout``, behind the breaker; its duration goes to the
        ``timing`` histogram (``redis_read`` or ``redis_write``).

        A read that meets a broken connection (a restarted server) is tried once more, within
        the same timeout, on a fresh one; a write is not (it may have been applied).
        """
        if self.client is None:
            raise StoreError("no Redis connection")
        if not self.breaker.allow():
            self.metrics.inc("breaker_open")
            raise StoreError("circuit breaker open")
        t0 = time.perf_counter()
        try:
            async with asyncio.timeout(timeout):
                try:
                    result = await op()
                except (RedisConnectionError, ConnectionError):
                    if timing != "redis_read":
                        raise
                    self.metrics.inc("redis_retry")
                    result = await op()
        except TimeoutError:
            self.breaker.failure(f"no answer within {timeout}s")
            self.metrics.inc("redis_timeout")
            raise StoreError(f"Redis did not answer within {timeout}s") from None
        except (RedisError, OSError) as exc:
            self.breaker.failure(f"{type(exc).__name__}: {exc}")
            self.metrics.inc("redis_error")
            raise StoreError(f"Redis failed: {exc}") from exc
        self.breaker.success()
        self.metrics.observe(timing, time.perf_counter() - t0)
        return result

    async def load(self, pid: str) -> Profile:
        """One round trip: every part of the profile."""
        keys = [self.key(pid, part) for part in PARTS]
        op = partial(self.fast.load, keys) if self.fast else partial(self._scripts[2], keys=keys)
        return _profile(await self._run(op, self.cfg.read_timeout, "redis_read"))

    async def load_visit(self, pid: str | None, current: str | None) -> tuple[Profile, Shared]:
        """One round trip: the profile (None: a new or private visitor, none to read) and what
        recommendations need from everyone's views (the page item's co-views, popular items).
        """
        if not self.recs.needs_read(current):  # popular items cached, no page item
            profile = await self.load(pid) if pid else Profile()
            return profile, self.recs.shared([], [], current)
        keys = [self.key(pid, part) for part in PARTS] if pid else []

        async def op() -> list[Any]:
            pipe = self.client.pipeline(transaction=False)
            if pid:
                await self._scripts[2](keys=keys, client=pipe)  # queued, not yet sent
            kinds = self.recs.queue_reads(pipe, current)
            return [kinds, await pipe.execute()] if len(pipe) else [kinds, []]

        kinds, replies = await self._run(op, self.cfg.read_timeout, "redis_read")
        profile = _profile(replies[0]) if pid else Profile()
        return profile, self.recs.shared(kinds, replies[1:] if pid else replies, current)

    async def record(
        self, pid: str, change: Change, half_life: float, learning: Learning | None = None
    ) -> None:
        """One round trip, atomic: everything this request changed; idle expiry renewed.

        A server-side script rather than MULTI/EXEC: the same atomicity, one command to send
        and one reply to read. All keys share the profile's hash tag, so it runs on Redis
        Cluster too.
        """
        keys = [self.key(pid, part) for part in PARTS]
        payload = change.payload(self.cfg.idle_ttl, half_life)
        payload["new_ttl"] = 0 if pid.startswith("u") else self.cfg.new_ttl  # users: full TTL
        arg = json.dumps(payload, separators=(",", ":"))
        if learning is None and self.fast is not None:  # batched, stats too: store/writer.py
            await self._run(partial(self.fast.add, keys, arg, change.stats), self.cfg.write_timeout)
            return
        if learning is None and not change.stats:
            await self._run(lambda: self._scripts[0](keys=keys, args=[arg]), self.cfg.write_timeout)
            return
        if learning is None:  # measurement counters ride the record's round trip
            write = partial(stats.record_with_stats, self.client, self._scripts[0], self.cfg)
            await self._run(lambda: write(keys, arg, change.stats), self.cfg.write_timeout)
            return

        async def op() -> Any:  # the same round trip: what the view taught, then the profile
            pipe = self.client.pipeline(transaction=False)
            also = self.key(pid, "also")
            if learning is not None:  # first: the record then sets the also key's expiry too
                await self.recs.queue_learning(pipe, self._learn, learning, also, self.cfg.idle_ttl)
            await self._scripts[0](keys=keys, args=[arg], client=pipe)  # queued
            stats.queue_stats(pipe, change.stats, self.cfg)  # measurement counters, if any
            return await pipe.execute()

        await self._run(op, self.cfg.write_timeout)

    async def read_stats(self, days: list[str]) -> dict[str, dict[str, str]]:
        """Measurement counters of the given UTC days (for the report)."""
        read = partial(stats.read_stats, self.client, self.cfg.key_prefix, days)
        return dict(await self._run(read, max(self.cfg.read_timeout, 5.0)))

    async def merge(self, anon: str, user: str, now: float, half_life: float) -> bool:
        """Fold the anonymous profile into the user's, atomically on the user's keys; then
        delete the anonymous keys. True when this call did the merge. Only an anonymous
        profile ever merges: a user's profile is never folded into (or erased for) another's."""
        if not anon or anon.startswith("u") or anon == user:
            return False
        profile = await self.load(anon)
        data = {
            **profile.to_export(),
            "now": now,
            "ttl": self.cfg.idle_ttl,
            "half_life": half_life,
            "stage": profile.stage,
            "segments": ",".join(sorted(profile.segments)),
            "interests": profile.interest_now(now, half_life),
            "viewed": profile.viewed,
            "first_touch": profile.first_touch,
            "cart_at": profile.cart_at,
            "purchase_at": profile.purchase_at,
            "visit_start": profile.visit_start,
            "events": profile.events,
            "attrs": profile.attrs,
            "measure": profile.measured,
        }
        keys = [self.key(user, part) for part in PARTS]
        arg = json.dumps(data, separators=(",", ":"))
        merged = await self._run(
            lambda: self._scripts[1](keys=keys, args=[arg, anon]), self.cfg.write_timeout
        )
        await self.erase(anon)
        return bool(merged)

    async def hit_rate_limit(self, pid: str, limit: int, window: int = 60) -> bool:
        """Count one use; True when the visitor is over ``limit`` in the current window (which
        starts at their first use and lasts ``window`` seconds)."""
        key = self.key(pid, "rate")

        async def op() -> int:
            async with self.client.pipeline(transaction=True) as pipe:
                pipe.set(key, 0, ex=window, nx=True)
                pipe.incr(key)
                _, count = await pipe.execute()
                return int(count)

        return int(await self._run(op, self.cfg.write_timeout)) > limit

    async def erase(self, pid: str) -> None:
        """Delete every key of the id (rate counters included); a deny marker stays."""
        if self.fast is not None:  # a queued page view must not bring the profile back
            await self.fast.drain()
        await privacy.erase(self, pid, PARTS)
