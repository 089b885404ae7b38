"""Store: profiles in Redis, one pipelined read before the app and one write after the body.

Keys carry the visitor id as a hash tag (``omo:{<vid>}:profile``) so one visitor's keys share a
cluster slot and one pipeline reaches them all. Every call is bounded by a timeout; failures raise
:class:`StoreError` for the caller to fail open, and a circuit breaker stops asking a dead server.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any
from urllib.parse import urlparse

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.cluster import RedisCluster
from redis.asyncio.sentinel import Sentinel
from redis.exceptions import RedisError

from omotenashi.engine.change import Change
from omotenashi.engine.profile import Profile
from omotenashi.errors import StoreError
from omotenashi.metrics import Metrics
from omotenashi.settings import RedisSettings

PARTS = ("profile", "attrs", "interests", "shown", "cart", "caps", "viewed")
RANKS = "{awareness=1, interest=2, consideration=3, purchase=4, loyalty=5}"
VIEWED_KEEP = 50

# KEYS: profile, attrs, interests, shown, cart, caps, viewed. ARGV[1]: the change as JSON.
# Mirrors change.apply(): interests decay on write, the stage only moves forward unless a
# decay rule moved it back, and every key's idle expiry is renewed.
RECORD_SCRIPT = (
    """
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
for _, t in ipairs(c.topics) do
  local score = tonumber(redis.call('HGET', interests, t) or '0')
  local at = tonumber(redis.call('HGET', interests, t .. '@') or c.now)
  local age = math.max(0, c.now - at)
  redis.call('HSET', interests, t, score * math.pow(0.5, age / c.half_life) + 1, t .. '@', c.now)
end
for _, item in ipairs(c.items) do redis.call('ZADD', viewed, c.now, item) end
redis.call('ZREMRANGEBYRANK', viewed, 0, -"""
    + str(VIEWED_KEEP + 1)
    + """)
for _, id in ipairs(c.shown) do redis.call('HINCRBY', shown, id, 1) end
for name, n in pairs(c.events) do redis.call('HINCRBY', profile, 'ev:' .. name, n) end
if c.cart_clear then redis.call('DEL', cart) end
for _, item in ipairs(c.cart_remove) do redis.call('HDEL', cart, item) end
for item, qty in pairs(c.cart_add) do redis.call('HINCRBY', cart, item, qty) end
if next(c.cart_add) or #c.cart_remove > 0 then redis.call('HSET', profile, 'cart_at', c.now) end
if c.purchases > 0 then
  redis.call('HINCRBY', profile, 'purchases', c.purchases)
  redis.call('HSET', profile, 'purchase_at', c.now)
end
for k, v in pairs(c.attrs) do redis.call('HSET', attrs, k, cjson.encode(v)) end
if c.stage ~= '' then
  local current = rank[redis.call('HGET', profile, 'stage') or 'awareness'] or 1
  if c.stage_back or rank[c.stage] > current then redis.call('HSET', profile, 'stage', c.stage) end
end
for _, key in ipairs(KEYS) do redis.call('EXPIRE', key, c.ttl) end
return 1
"""
)

# KEYS: profile, attrs, interests, shown, cart, caps, viewed: every part in one reply.
# (One script call costs the client far less than seven pipelined commands.)
LOAD_SCRIPT = """
local out = {}
for i = 1, 6 do out[i] = redis.call('HGETALL', KEYS[i]) end
out[7] = redis.call('ZRANGE', KEYS[7], 0, -1, 'WITHSCORES')
return out
"""

# KEYS: the user's profile keys. ARGV[1]: the anonymous profile as JSON, ARGV[2]: its id.
# Counts add up, interests merge (decayed to now), the stage is the further one, first-touch
# facts and attributes keep the user's own when both have one. Runs once per anonymous id.
MERGE_SCRIPT = (
    """
local a = cjson.decode(ARGV[1])
local profile, attrs, interests, shown, cart, caps, viewed = unpack(KEYS)
local rank = """
    + RANKS
    + """
if redis.call('HSETNX', profile, 'merged:' .. ARGV[2], a.now) == 0 then return 0 end
for _, f in ipairs({'views', 'visits', 'purchases'}) do
  if a[f] ~= cjson.null and a[f] > 0 then redis.call('HINCRBY', profile, f, a[f]) end
end
for name, n in pairs(a.events) do redis.call('HINCRBY', profile, 'ev:' .. name, n) end
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
local current = rank[redis.call('HGET', profile, 'stage') or 'awareness'] or 1
if (rank[a.stage] or 1) > current then redis.call('HSET', profile, 'stage', a.stage) end
for k, v in pairs(a.first_touch) do redis.call('HSETNX', profile, 'first_' .. k, v) end
for k, v in pairs(a.attrs) do redis.call('HSETNX', attrs, k, cjson.encode(v)) end
for topic, score in pairs(a.interests) do
  local old = tonumber(redis.call('HGET', interests, topic) or '0')
  local at = tonumber(redis.call('HGET', interests, topic .. '@') or a.now)
  local mine = old * math.pow(0.5, math.max(0, a.now - at) / a.half_life)
  redis.call('HSET', interests, topic, mine + score, topic .. '@', a.now)
end
for id, n in pairs(a.shown) do redis.call('HINCRBY', shown, id, n) end
for item, qty in pairs(a.cart) do redis.call('HINCRBY', cart, item, qty) end
for item, at in pairs(a.viewed) do redis.call('ZADD', viewed, 'GT', at, item) end
if a.segments ~= '' then
  local have = redis.call('HGET', profile, 'segments') or ''
  redis.call('HSET', profile, 'segments', have == '' and a.segments or have .. ',' .. a.segments)
end
for _, key in ipairs(KEYS) do redis.call('EXPIRE', key, a.ttl) end
return 1
"""
)


class Breaker:
    """Open after N consecutive failures; after ``reset`` seconds let one call try again."""

    def __init__(self, failures: int, reset: float) -> None:
        self.threshold = failures
        self.reset = reset
        self.failures = 0
        self.opened_at: float | None = None

    def allow(self) -> bool:
        if self.opened_at is None:
            return True
        if time.monotonic() - self.opened_at >= self.reset:
            self.opened_at = time.monotonic()  # half-open: this caller probes, others wait
            return True
        return False

    def success(self) -> None:
        self.failures = 0
        self.opened_at = None

    def failure(self) -> None:
        self.failures += 1
        if self.failures >= self.threshold:
            self.opened_at = time.monotonic()


def make_client(url: str, cfg: RedisSettings) -> tuple[Any, list[Any]]:
    """A client with a bounded pool and explicit timeouts, for a plain, Sentinel or Cluster URL,
    and the other clients (Sentinel's) to close with it."""
    common: dict[str, Any] = {
        "socket_timeout": max(cfg.read_timeout, cfg.write_timeout),
        "socket_connect_timeout": cfg.connect_timeout,
        "decode_responses": True,
    }
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
        self.breaker = Breaker(cfg.breaker_failures, cfg.breaker_reset)
        self.client: Any = None
        self._also_close: list[Any] = []
        self._scripts: tuple[Any, Any, Any] = (None, None, None)

    def connect(self, url: str) -> None:
        self.client, self._also_close = make_client(url, self.cfg)
        self._scripts = (
            self.client.register_script(RECORD_SCRIPT),
            self.client.register_script(MERGE_SCRIPT),
            self.client.register_script(LOAD_SCRIPT),
        )

    async def aclose(self) -> None:
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

    async def _run(self, op: Any, timeout: float) -> Any:
        if self.client is None:
            raise StoreError("no Redis connection")
        if not self.breaker.allow():
            self.metrics.inc("breaker_open")
            raise StoreError("circuit breaker open")
        try:
            async with asyncio.timeout(timeout):
                result = await op()
        except TimeoutError:
            self.breaker.failure()
            self.metrics.inc("redis_timeout")
            raise StoreError(f"Redis did not answer within {timeout}s") from None
        except (RedisError, OSError) as exc:
            self.breaker.failure()
            self.metrics.inc("redis_error")
            raise StoreError(f"Redis failed: {exc}") from exc
        self.breaker.success()
        return result

    async def load(self, pid: str) -> Profile:
        """One round trip: every part of the profile."""
        keys = [self.key(pid, part) for part in PARTS]
        reply = await self._run(lambda: self._scripts[2](keys=keys), self.cfg.read_timeout)
        main, attrs, interests, shown, cart, caps = (_pairs(flat) for flat in reply[:6])
        viewed = [(item, float(score)) for item, score in _pairs(reply[6]).items()]
        return Profile.from_redis(main, attrs, interests, shown, cart, viewed, caps)

    async def record(self, pid: str, change: Change, half_life: float) -> None:
        """One round trip, atomic: everything this request changed; idle expiry renewed.

        A server-side script rather than MULTI/EXEC: the same atomicity, one command to send
        and one reply to read. All keys share the profile's hash tag, so it runs on Redis
        Cluster too.
        """
        keys = [self.key(pid, part) for part in PARTS]
        arg = json.dumps(change.payload(self.cfg.idle_ttl, half_life), separators=(",", ":"))
        await self._run(lambda: self._scripts[0](keys=keys, args=[arg]), self.cfg.write_timeout)

    async def merge(self, anon: str, user: str, now: float, half_life: float) -> bool:
        """Fold the anonymous profile into the user's, atomically on the user's keys; then
        delete the anonymous keys. True when this call did the merge."""
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
            "events": profile.events,
            "attrs": profile.attrs,
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
        """Delete every key of the profile (rate counters included)."""
        keys = [self.key(pid, p) for p in (*PARTS, "rate")]
        await self._run(lambda: self.client.delete(*keys), self.cfg.write_timeout)


def _pairs(flat: list[str]) -> dict[str, str]:
    return dict(zip(flat[::2], flat[1::2], strict=True))
