"""Recommendations in Redis: popularity and co-views learned from everyone, bounded.

See :mod:`omotenashi.recommend.coview` for the design. Shared keys (no visitor id in them):
``<prefix>:rec:pop`` and ``<prefix>:rec:co:<item>``; the visitor's own candidates live with
the profile (``<prefix>:{<vid>}:also``). Each key is updated by :data:`LEARN_SCRIPT`, one key
per call, so Redis Cluster accepts every call; all calls of one page view go in the pipeline
of the post-response write, and the reads in the pipeline of the profile read.
"""

from __future__ import annotations

import time
from typing import Any

from omotenashi.recommend.coview import (
    ALSO_KEEP,
    CO_HALF_LIFE,
    CO_KEEP,
    MIN_CO_SUPPORT,
    MIN_POPULAR_SUPPORT,
    POPULAR_HALF_LIFE,
    POPULAR_KEEP,
    Learning,
    relative,
    supported,
)
from omotenashi.recommend.signals import Shared
from omotenashi.store import scripted
from omotenashi.store.privacy import OWN_GUARD

POPULAR_READ = 200  # the most popular items read per request (cached per process)
POPULAR_CACHE = 5.0  # seconds one read of the popular items serves every request
SHARED_TTL = 180 * 86400  # shared keys not updated for half a year expire

# A visitor's own pair score as it is kept: to 2 decimals (in log space: a weight to 0.35%,
# finer than anything ranking tells apart; 3 until goal 8's count, a byte a pair more). Redis
# 7.2 and later write a compact sorted set's scores as their shortest text: "11.2", not
# "11.200272807128359" (a fifth of a visitor's pairs) or "11.200273". Not the shared lists: an
# item viewed by hundreds of thousands adds less than a millionth per view (log2(1 + 1/views)).
ROUNDED_X = "math.floor(x * 1e2 + 0.5) / 1e2"
# This release's members keep their score × 100 as a whole number (recommend/coview.py scaled,
# SCALE): Redis keeps it in 1-3 bytes. The release before's ``seed>item`` keep 2 decimals.
# SCALED(m): whether member m's is so; KEPT(x, m): log2 score x as member m keeps it; TRIM(key,
# keep): a visitor's own pairs cut to their best `keep` by their scores scaled back, whichever
# form each is in (a switch of OMOTENASHI_REDIS_COMPACT mixes them), a key in one form by rank;
# ties go as Redis ranks them, by member. (No comments inside: LEARN_SCRIPT stays under
# scripted.SHORT, sent as its text on Cluster, never NOSCRIPT: tests/store/test_pair_trim.py.)
SCALED_LUA = """
local function SCALED(m)
  return string.find(m, '\\31', 1, true) ~= nil or string.find(m, '>', 1, true) == nil
end
local function KEPT(x, m)
  if SCALED(m) then return math.floor(x * 100 + 0.5) end
  return ROUNDED_X
end
local function TRIM(key, keep)
  local n = redis.call('ZCARD', key)
  if n <= keep then return end
  local all, scored, scaled = redis.call('ZRANGE', key, 0, -1, 'WITHSCORES'), {}, 0
  for j = 1, #all, 2 do
    local m, s = all[j], tonumber(all[j + 1])
    if SCALED(m) then s, scaled = s / 100, scaled + 1 end
    scored[#scored + 1] = {m, s}
  end
  if scaled == 0 or scaled == n then
    redis.call('ZREMRANGEBYRANK', key, 0, -(keep + 1))
    return
  end
  table.sort(scored, function(p, q)
    if p[2] ~= q[2] then return p[2] < q[2] end
    return p[1] < q[1]
  end)
  for j = 1, n - keep do redis.call('ZREM', key, scored[j][1]) end
end
""".replace("ROUNDED_X", ROUNDED_X)
OWN, SHARED = 1, 0  # LEARN_SCRIPT's third argument: round the scores (a visitor's own) or not

# KEYS[1]: a sorted set of log2 forward-decayed scores. ARGV: keep, ttl, whether to round
# (OWN), then member, increment pairs. Adds in log space (log2(2^a + 2^b)), keeps the best
# `keep`, renews the TTL. The visitor's own key comes with their profile's keys and is refused
# as their record is (OWN_GUARD).
LEARN_SCRIPT = """
local key, keep, ttl, own = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3] == '1'
for i = 4, #ARGV, 2 do
  local member, x = ARGV[i], tonumber(ARGV[i + 1])
  local old = redis.call('ZSCORE', key, member)
  if old then
    old = tonumber(old)
    if own and SCALED(member) then old = old / 100 end
    local high, low = math.max(old, x), math.min(old, x)
    x = high + math.log(1 + math.pow(2, low - high)) / math.log(2)
  end
  if own then x = KEPT(x, member) end
  redis.call('ZADD', key, x, member)
end
if own then TRIM(key, keep) else redis.call('ZREMRANGEBYRANK', key, 0, -(keep + 1)) end
redis.call('EXPIRE', key, ttl)
return 1
"""
LEARN_SCRIPT = OWN_GUARD + SCALED_LUA + LEARN_SCRIPT


class Recs:
    """Key names, the popular cache, and what goes into the read and write pipelines."""

    def __init__(self, prefix: str, popular_cache: float = POPULAR_CACHE) -> None:
        self.prefix = prefix
        self.popular_cache = popular_cache  # seconds (0: read on every request)
        self._popular: tuple[float, dict[str, float]] | None = None
        # what a request that read nothing shared gets: one per popular read, not per request
        self._none: tuple[tuple[float, dict[str, float]] | None, Shared] = (None, Shared())

    def popular_key(self) -> str:
        return f"{self.prefix}:rec:pop"

    def co_key(self, item: str) -> str:
        return f"{self.prefix}:rec:co:{item}"

    def needs_read(self, current: str | None) -> bool:
        """Anything to read besides the profile (a page item, or popular items gone stale)?"""
        cached = self._popular
        return bool(current) or cached is None or self._stale(cached[0])

    def _stale(self, at: float) -> bool:
        return time.monotonic() - at >= self.popular_cache

    def queue_reads(self, pipe: Any, current: str | None) -> list[str]:
        """Queue the shared reads; returns what each reply is."""
        kinds: list[str] = []
        if current:
            pipe.zrevrange(self.co_key(current), 0, CO_KEEP - 1, withscores=True)
            kinds.append("co")
        cached = self._popular
        if cached is None or self._stale(cached[0]):
            pipe.zrevrange(self.popular_key(), 0, POPULAR_READ - 1, withscores=True)
            kinds.append("pop")
        return kinds

    def shared(
        self, kinds: list[str], replies: list[Any], current: str | None, now: float | None = None
    ) -> Shared:
        """The replies as weights, keeping only members with enough support (coview.py)."""
        if not kinds and not replies:  # nothing read: the cached popular items (frozen)
            popular, none = self._none
            if popular is not self._popular:
                popular = self._popular
                none = Shared(popular=popular[1] if popular else {}, co_views={})
                self._none = popular, none
            return none
        now = time.time() if now is None else now
        co: dict[str, dict[str, float]] = {}
        for kind, reply in zip(kinds, replies, strict=True):
            pairs = [(str(m), float(s)) for m, s in reply]
            if kind == "co" and current and pairs:
                kept = supported(pairs, now, CO_HALF_LIFE, MIN_CO_SUPPORT)
                if kept:
                    co[current] = relative(kept)
            elif kind == "pop":
                kept = supported(pairs, now, POPULAR_HALF_LIFE, MIN_POPULAR_SUPPORT)
                self._popular = (time.monotonic(), relative(kept))
        return Shared(popular=self._popular[1] if self._popular else {}, co_views=co)

    async def queue_own(
        self, pipe: Any, script: Any, learning: Learning, keys: list[str], ttl: int, since: float
    ) -> None:
        """Queue the visitor's own candidates (``also``; awaiting a pipeline's call only
        queues it). The record that follows sets their expiry to the profile's; ``keys``: the
        profile's (the record's), ``since``: the change's, so that the call is refused as that
        record is (store/privacy.py OWN_GUARD)."""
        if learning.also:
            own = [keys[1], keys[0], keys[2]]  # the also key, the hash, the first layout's
            await _call(pipe, script, own, ALSO_KEEP, ttl, learning.also, OWN, repr(since))

    async def teach(
        self, client: Any, script: Any, learning: Learning, due: tuple[bool, bool], lost: Any
    ) -> list[Any]:
        """The shared keys' writes the record found ``due`` (popular, co), in a round trip
        after it. The view is recorded as counted by then: when they fail (or are cancelled)
        it never counts again, and ``lost()`` counts that."""
        try:
            async with scripted.pipeline(client) as pipe:  # (Cluster's too: scripted.py)
                await self.queue_shared(pipe, script, learning, *due)
                return list(await pipe.execute())
        except BaseException:
            lost()
            raise

    async def queue_shared(
        self, pipe: Any, script: Any, learning: Learning, popular: bool, co: bool
    ) -> None:
        """Queue one script call per shared key: ``pop`` and ``co`` as far as the record found
        them due (``popular``, ``co``: store/store.py)."""
        if popular and (views := learning.popular):
            await _call(pipe, script, self.popular_key(), POPULAR_KEEP, SHARED_TTL, views)
        for item, pairs in learning.co.items() if co else ():
            await _call(pipe, script, self.co_key(item), CO_KEEP, SHARED_TTL, pairs)


async def _call(
    pipe: Any,
    script: Any,
    key: str | list[str],
    keep: int,
    ttl: int,
    pairs: list[tuple[str, float]],
    own: int = SHARED,
    *tail: str,
) -> None:
    args: list[Any] = [keep, ttl, own]
    for member, x in pairs:
        args += [member, repr(x)]
    keys = [key] if isinstance(key, str) else key
    await scripted.queue(pipe, script, keys, [*args, *tail])
