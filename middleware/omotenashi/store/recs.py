"""Recommendations in Redis: popularity and co-views learned from everyone, bounded.

See :mod:`omotenashi.recommend.coview` for the design. Shared keys (no visitor id in them):
``<prefix>:rec:pop`` and ``<prefix>:rec:co:<item>``; a visitor's own pairs are worked out from
the ``co`` lists of their latest viewed items, which each process keeps a while
(:class:`Recs` ``lists_for``; store/seeds.py reads those it lacks). Each key is updated by
:data:`LEARN_SCRIPT`, one key per call, so Redis Cluster accepts every call; all calls of one
page view go in the pipeline of the post-response write, and the reads in the pipeline of the
profile read.
"""

from __future__ import annotations

import asyncio
import math
import time
from array import array
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

from omotenashi.recommend.coview import (
    CO_GRAIN,
    CO_HALF_LIFE,
    CO_KEEP,
    MIN_CO_SUPPORT,
    MIN_POPULAR_SUPPORT,
    POPULAR_GRAIN,
    POPULAR_HALF_LIFE,
    POPULAR_KEEP,
    SEED_NEIGHBOURS,
    Learning,
    grained,
    relative,
    supported,
)
from omotenashi.recommend.signals import Shared
from omotenashi.store import scripted

POPULAR_READ = 200  # the most popular items read per request (cached per process)
POPULAR_CACHE = 5.0  # seconds one read of the popular items serves every request
SHARED_TTL = 180 * 86400  # shared keys not updated for half a year expire
WEEK = 7 * 86400  # (the Unix epoch was a Thursday: Mondays are 4 days past a multiple)
WEEK_LEAST = math.log2(MIN_POPULAR_SUPPORT - 0.5)  # a week key's score: that many first views
# A week's counts are not trimmed to a top K (last60b: once 1,000 items had two first views, a
# new item's first came in last and went at once, all week): only catalogue items are counted,
# so it holds at most one member per catalogue item, for a week and a day.
WEEK_KEEP = 1 << 30
# The co lists a process keeps for visitors' own pairs (coview.own_co_views): the latest used
# LISTS_KEPT (an LRU), each read again, in the background, once older than LISTS_FRESH seconds
# (a co list's half-life is 30 days: a minute of it changes no ranking). Of each list only its
# best LIST_KEEP members are kept: ranking takes SEED_NEIGHBOURS (10) per seed, catalogue items
# only, so twice that leaves room for items gone from the catalogue. At most LISTS_KEPT ×
# LIST_KEEP = 81,920 (id, weight) pairs a process, every id a string of its own (as read; none
# interned): measured with every list full, about 8 MB with ids of 20 characters, 11.5 MB with
# ids of 64 (tests/store/test_seed_reads48b.py; README, Recommendations). Only a catalogue
# item's list is kept (what asks for it checks: asgi/middleware.py, recommend/coview.py
# seeds_of), so pages of made-up items push none out.
LISTS_KEPT = 4096
LISTS_FRESH = 60.0
LIST_KEEP = 2 * SEED_NEIGHBOURS
Ranked = list[tuple[str, float]]  # a co list's supported members, relative weights, best first

# KEYS[1]: a shared sorted set of log2 forward-decayed scores. ARGV: keep, when it expires
# (Unix seconds: SHARED_TTL after the hour or day its views learn, never the moment a write
# came: eye54, a TTL renewed at each write gave it back to the millisecond), 0 (a visitor's
# own, rounded, in releases before 48: none now), then member, increment pairs. Adds in log
# space (log2(2^a + 2^b)), keeps the best `keep`, sets the expiry.
LEARN_SCRIPT = """
local key, keep, at = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2])
for i = 4, #ARGV, 2 do
  local member, x = ARGV[i], tonumber(ARGV[i + 1])
  local old = redis.call('ZSCORE', key, member)
  if old then
    old = tonumber(old)
    local high, low = math.max(old, x), math.min(old, x)
    x = high + math.log(1 + math.pow(2, low - high)) / math.log(2)
  end
  redis.call('ZADD', key, x, member)
end
redis.call('ZREMRANGEBYRANK', key, 0, -(keep + 1))
redis.call('EXPIREAT', key, at)
return 1
"""
SHARED = 0  # LEARN_SCRIPT's third argument (kept: a caller of an earlier release's form)


class Recs:
    """Key names, the popular cache, and what goes into the read and write pipelines."""

    def __init__(self, prefix: str, popular_cache: float = POPULAR_CACHE) -> None:
        self.prefix = prefix
        self.popular_cache = popular_cache  # seconds (0: read on every request)
        self._popular: tuple[float, dict[str, float]] | None = None
        # what a request that read nothing shared gets: one per popular read, not per request
        self._none: tuple[tuple[float, dict[str, float]] | None, Shared] = (None, Shared())
        # item -> (when read, monotonic; its best LIST_KEEP ids; their weights): keep_list
        self._lists: OrderedDict[str, tuple[float, tuple[str, ...], array[float]]] = OrderedDict()
        # the reads of lists under way (store/seeds.py): each item's, and all of them (the
        # store's close cancels them, and none starts after it: ``stopped``, till a connect)
        self.reading: dict[str, asyncio.Task[dict[str, Ranked]]] = {}
        self.tasks: set[asyncio.Task[dict[str, Ranked]]] = set()
        self.stopped = False

    def popular_key(self) -> str:
        return f"{self.prefix}:rec:pop"

    def co_key(self, item: str) -> str:
        return f"{self.prefix}:rec:co:{item}"

    def week_key(self, now: float) -> str:
        """The first views of this calendar week (ISO, UTC): "Popular this week" is said of
        an item with MIN_POPULAR_SUPPORT of them, whatever its decayed score (recs60: views
        weeks old, many, kept an item "popular this week" nobody viewed this week)."""
        return f"{self.prefix}:rec:popw:{time.strftime('%G-%V', time.gmtime(now))}"

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
            pipe.zrevrange(self.week_key(time.time()), 0, POPULAR_READ - 1, withscores=True)
            kinds += ("pop", "week")
        return kinds

    def shared(
        self, kinds: list[str], replies: list[Any], current: str | None, now: float | None = None
    ) -> Shared:
        """The replies as weights, keeping only members with enough support (coview.py).
        ``current``'s co list is kept for the visitor's next pages (:meth:`lists_for`): a
        catalogue id only, which the caller checks (asgi/middleware.py reads no other's)."""
        if not kinds and not replies:  # nothing read: the cached popular items (frozen)
            popular, none = self._none
            if popular is not self._popular:
                popular = self._popular
                none = Shared(popular=popular[1] if popular else {}, co_views={})
                self._none = popular, none
            return none
        now = time.time() if now is None else now
        co: dict[str, dict[str, float]] = {}
        hot: list[tuple[str, float]] = []  # popular items ("pop" comes before "week")
        for kind, reply in zip(kinds, replies, strict=True):
            pairs = [(str(m), float(s)) for m, s in reply]
            if kind == "co" and current and pairs:
                kept = supported(pairs, now, CO_HALF_LIFE, MIN_CO_SUPPORT)
                if kept:
                    co[current] = relative(kept)
                self.keep_list(current, co.get(current, {}))
            elif kind == "co" and current:
                self.keep_list(current, {})
            elif kind == "pop":
                hot = supported(pairs, now, POPULAR_HALF_LIFE, MIN_POPULAR_SUPPORT)
            elif kind == "week":  # (log2 of a count: each first view adds 2^0)
                this_week = {m for m, x in pairs if x >= WEEK_LEAST}
                hot = [(m, x) for m, x in hot if m in this_week]
                self._popular = (time.monotonic(), relative(hot))
        return Shared(popular=self._popular[1] if self._popular else {}, co_views=co)

    def keep_list(self, item: str, weights: dict[str, float]) -> Ranked:
        """Keep ``item``'s co list as read now (returned): its best :data:`LIST_KEEP` supported
        members, best first, as a tuple of ids and an array of weights. (No ``sys.intern``:
        an interned string is never freed on CPython 3.12.0-3.12.5.)"""
        ranked = sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[:LIST_KEEP]
        lists = self._lists
        ids = tuple(i for i, _ in ranked)
        lists[item] = (time.monotonic(), ids, array("d", [w for _, w in ranked]))
        lists.move_to_end(item)
        if len(lists) > LISTS_KEPT:
            lists.popitem(last=False)
        return ranked

    def lists_for(self, seeds: Iterable[str]) -> tuple[dict[str, Ranked], list[str], list[str]]:
        """The kept co lists of ``seeds``; the seeds never read (or let go), and those whose
        list is older than :data:`LISTS_FRESH` (served still: to read again)."""
        have: dict[str, Ranked] = {}
        missing: list[str] = []
        stale: list[str] = []
        lists, now = self._lists, time.monotonic()
        for seed in seeds:
            kept = lists.get(seed)
            if kept is None:
                missing.append(seed)
                continue
            lists.move_to_end(seed)
            at, ids, weights = kept
            have[seed] = list(zip(ids, weights, strict=True))
            if now - at >= LISTS_FRESH:  # read again once: fresh until that read is back
                stale.append(seed)
                lists[seed] = (now, ids, weights)
        return have, missing, stale

    def unkept(self, seeds: Iterable[str]) -> list[str]:
        """Those of ``seeds`` whose list is not kept (nothing counted, nothing renewed)."""
        lists = self._lists
        return [seed for seed in seeds if seed not in lists]

    def take_lists(
        self, items: list[str], replies: list[Any], now: float | None = None
    ) -> dict[str, Ranked]:
        """Keep the co lists read for ``items`` (each reply: ``(member, score)`` pairs, as
        redis-py's ``withscores``); returns them."""
        now = time.time() if now is None else now
        taken: dict[str, Ranked] = {}
        for item, reply in zip(items, replies, strict=True):
            pairs = [(str(m), float(s)) for m, s in reply]
            counted = supported(pairs, now, CO_HALF_LIFE, MIN_CO_SUPPORT)
            taken[item] = self.keep_list(item, relative(counted) if counted else {})
        return taken

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
            now = time.time()
            at = int(grained(now, POPULAR_GRAIN)) + SHARED_TTL
            await _call(pipe, script, self.popular_key(), POPULAR_KEEP, at, views)
            ends = int(now - (now - 345600) % WEEK) + WEEK + 86400  # (a day past its Sunday)
            week = [(member, 0.0) for member, _ in views]  # (one more: log2(2^s + 1))
            await _call(pipe, script, self.week_key(now), WEEK_KEEP, ends, week)
        for item, pairs in learning.co.items() if co else ():
            at = int(grained(time.time(), CO_GRAIN)) + SHARED_TTL
            await _call(pipe, script, self.co_key(item), CO_KEEP, at, pairs)


async def _call(
    pipe: Any,
    script: Any,
    key: str,
    keep: int,
    at: int,
    pairs: list[tuple[str, float]],
) -> None:
    args: list[Any] = [keep, at, SHARED]
    for member, x in pairs:
        args += [member, repr(x)]
    await scripted.queue(pipe, script, [key], args)
