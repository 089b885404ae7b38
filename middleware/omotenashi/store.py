"""Store: profiles in Redis, one pipelined read before the app and one write after the body.

Keys carry the visitor id as a hash tag (``omo:{<vid>}:profile``) so one visitor's keys share a
cluster slot and one pipeline reaches them all. Every call is bounded by a timeout; failures raise
:class:`StoreError` for the caller to fail open, and a circuit breaker stops asking a dead server.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.cluster import RedisCluster
from redis.asyncio.sentinel import Sentinel
from redis.exceptions import RedisError

from .errors import StoreError
from .metrics import Metrics
from .profile import Profile
from .settings import RedisSettings

PARTS = ("profile", "attrs", "interests", "shown")

# KEYS: profile, attrs, interests, shown.
# ARGV: now, new visit (0/1), idle ttl, number of topics, topics..., shown rule ids...
RECORD_SCRIPT = """
local profile, interests, shown = KEYS[1], KEYS[3], KEYS[4]
redis.call('HINCRBY', profile, 'views', 1)
if ARGV[2] == '1' then redis.call('HINCRBY', profile, 'visits', 1) end
redis.call('HSETNX', profile, 'first_seen', ARGV[1])
redis.call('HSET', profile, 'last_seen', ARGV[1])
local topics = tonumber(ARGV[4])
for k = 5, 4 + topics do redis.call('HINCRBYFLOAT', interests, ARGV[k], 1) end
for k = 5 + topics, #ARGV do redis.call('HINCRBY', shown, ARGV[k], 1) end
for _, key in ipairs(KEYS) do redis.call('EXPIRE', key, ARGV[3]) end
return 1
"""


@dataclass
class Visit:
    """What one page view changes in the profile, written after the response."""

    now: float
    new_visit: bool
    first: bool
    topics: list[str] = field(default_factory=list)
    shown: list[str] = field(default_factory=list)


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


def make_client(url: str, cfg: RedisSettings) -> Any:
    """A client with a bounded pool and explicit timeouts, for a plain, Sentinel or Cluster URL."""
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
        return sentinel.master_for(service, max_connections=cfg.max_connections, **common)
    if cfg.cluster:
        return RedisCluster.from_url(url, max_connections=cfg.max_connections, **common)
    # A blocking pool: a burst past max_connections waits (within our timeouts) for a
    # connection instead of failing with "Too many connections".
    pool = BlockingConnectionPool.from_url(
        url, max_connections=cfg.max_connections, timeout=cfg.connect_timeout, **common
    )
    return Redis.from_pool(pool)


class Store:
    def __init__(self, cfg: RedisSettings, metrics: Metrics) -> None:
        self.cfg = cfg
        self.metrics = metrics
        self.breaker = Breaker(cfg.breaker_failures, cfg.breaker_reset)
        self.client: Any = None
        self._record_script: Any = None

    def connect(self, url: str) -> None:
        self.client = make_client(url, self.cfg)
        self._record_script = self.client.register_script(RECORD_SCRIPT)

    async def aclose(self) -> None:
        if self.client is not None:
            client, self.client = self.client, None
            await client.aclose()

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

    async def load(self, vid: str) -> Profile:
        """One round trip: every part of the visitor's profile."""

        async def op() -> list[Any]:
            async with self.client.pipeline(transaction=False) as pipe:
                for part in PARTS:
                    pipe.hgetall(self.key(vid, part))
                return list(await pipe.execute())

        main, attrs, interests, shown = await self._run(op, self.cfg.read_timeout)
        return Profile.from_redis(main, attrs, interests, shown)

    async def record(self, vid: str, visit: Visit) -> None:
        """One round trip, atomic: the page view and what was shown; idle expiry renewed.

        A server-side script rather than MULTI/EXEC: the same atomicity, one command to send
        and one reply to read instead of fifteen. All keys share the visitor's hash tag, so it
        runs on Redis Cluster too.
        """
        keys = [self.key(vid, part) for part in PARTS]
        args: list[Any] = [
            repr(visit.now),
            int(visit.new_visit),
            self.cfg.idle_ttl,
            len(visit.topics),
            *visit.topics,
            *visit.shown,
        ]
        await self._run(lambda: self._record_script(keys=keys, args=args), self.cfg.write_timeout)

    async def set_attrs(self, vid: str, attrs: dict[str, Any]) -> None:
        key = self.key(vid, "attrs")

        async def op() -> None:
            async with self.client.pipeline(transaction=True) as pipe:
                pipe.hset(key, mapping={k: json.dumps(v) for k, v in attrs.items()})
                pipe.expire(key, self.cfg.idle_ttl)
                await pipe.execute()

        await self._run(op, self.cfg.write_timeout)

    async def erase(self, vid: str) -> None:
        await self._run(
            lambda: self.client.delete(*(self.key(vid, p) for p in PARTS)), self.cfg.write_timeout
        )
