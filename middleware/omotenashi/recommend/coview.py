"""How co-views and popularity are learned and kept: the design, and its pure arithmetic.

**What is kept** (bounded memory, no personal data in the shared keys)::

    omo:rec:pop            ZSET  item → score                        top POPULAR_KEEP items
    omo:rec:co:<item>      ZSET  other item → score                  top CO_KEEP per item
    omo:{<vid>}:also       ZSET  "<seed>><item>" → score             earlier releases only:
                                 erased and exported, no longer written nor ranked

Only catalogue items are ever recorded, so the shared keys hold at most
``len(catalog) × CO_KEEP + POPULAR_KEEP`` members whatever the traffic; every key has a TTL
refreshed on write.

**Decay without rewriting** (forward decay, Cormode et al., ICDE 2009). A view at time ``t``
adds ``2^((t − L)/H)`` for a fixed landmark ``L`` and half-life ``H``; dividing every score
by ``2^((now − L)/H)`` gives the classic decayed count, so the *order* of members (all that
top-K and ranking need) is that of decayed counts, and old scores are never touched. Scores
are stored as base-2 logarithms, so nothing overflows: adding ``x`` to ``s`` is
``max + log2(1 + 2^(min − max))`` (:func:`log_add`), done by a tiny server-side script per
key (one key each, so Redis Cluster accepts it). After each update the key is trimmed to its
top K (``ZREMRANGEBYRANK key 0 -(K+1)``). A fresh pair's increment grows with time, so it
displaces stale pairs: the kept top K are the items *recently and often* viewed together.

**Learning, after the response** (visitors whose profile may be written only: never bots,
GPC, no-consent, forced or preview views). When a visitor views catalogue item ``j`` for the
first time (:func:`pairs_for_view`: it is not among the items their profile keeps as viewed,
and that list never overflowed):

* ``pop``: log-add ``x(t)`` to ``j``, only when the request came with the visitor's cookie
  (a cookie-less request is a new id each time: it would count as often as it is sent);
* for each *catalogue* item ``i`` among the visitor's last ``RECENT`` views within
  ``CO_WINDOW``: log-add ``x(t)`` to ``co:i[j]`` and to ``co:j[i]`` (one script call per key),
  only for a *returning* visitor (:func:`returning`: a second visit or later). Ids the
  visitor's own beacon or app reported but the catalogue does not hold are never partners,
  so no key is ever named after them;
* nothing of the visitor's own: their pairs (``j>k`` for the top ``SEED_NEIGHBOURS`` of
  ``co:j``, scored ``x(t_view) + log2(share of k in co:j)``) are worked out when read from
  the shared ``co`` lists of their latest viewed items (:func:`own_co_views`); an ``also``
  key written by an earlier release is still erased and exported, never ranked.

**Each visitor counts once.** An item is counted for ``pop`` and a pair for ``co`` at most
once per profile. ``pop``: the first view that came with the visitor's cookie (an item
viewed and not counted yet carries ``?`` after its time in the profile: a landing page
viewed before the cookie counts at the next view). ``co``: only an item's first view pairs,
with items viewed before it, so a pair is counted when the later of its two items is first
viewed, never again. The
record script has the last word (one visitor's concurrent views: only the request whose
record first finds the item due, unseen or marked ``?``, teaches ``pop``, and only the one
that first puts it in the viewed list teaches ``co``; both are written after that record
answers). The viewed list keeps ``VIEWED_KEEP`` items: once it
has let one go (``WX`` in the profile), the visitor teaches ``pop`` and ``co`` no more, so
reporting 50 made-up items through the beacon cannot make a view count again. A claim's
support (below) is therefore a number of visitors (cookies), not of views: one person coming
back on five days cannot make "popular" or "often viewed with" out of their own browsing.

**Reading, in the same pipelined round trip as the profile**: the same pipeline as the
profile's load asks ``ZREVRANGE pop 0 P−1 WITHSCORES`` and ``ZREVRANGE co:<current> 0 K−1
WITHSCORES`` for the page's own item (known from the path before the app runs). The visitor's
own pairs come from the ``co`` lists of their latest viewed items (:func:`seeds_of`), known
only once the profile is read: each process keeps the lists it read (store/recs.py, a bounded
LRU; a list older than a minute serves once more while it is read again in the background),
and reads the ones it never read in one more small round trip before the page is decided.
:func:`relative` turns log scores into weights in (0, 1] for ranking.

**Support before a claim** (the one place these thresholds live). A co-view is read only
when at least ``MIN_CO_SUPPORT`` counted co-views stand behind it (returning visitors, each
counting a pair once), and an item is popular only with at least ``MIN_POPULAR_SUPPORT``
counted views, of as many visitors (:func:`supported`: the decayed count, in which a view
half a week old counts half for popular, must be above the minimum less one half, which only
that many views can reach); below that, ranking falls back to the next signal.

What remains possible: someone who keeps many cookies past a visit (``session_gap``) and
comes back with each can still push a pair, and many cookies each viewing an item once can
push it up the popular list; the bound is the real traffic they must outweigh.
"""

from __future__ import annotations

import base64
import hashlib
import math
from collections import Counter
from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass, field

LANDMARK = 1_767_225_600.0  # 2026-01-01T00:00:00Z; any fixed instant works in log space
POPULAR_HALF_LIFE = 3.5 * 86400  # "popular this week": a view a week ago counts a quarter
CO_HALF_LIFE = 30 * 86400.0
POPULAR_KEEP = 1000
CO_KEEP = 50
# A visitor's own pairs: 10 per seed, the best 50 (bench/recommend_eval.py's "pairs as stored":
# hit-rate@3 no different from 20 and 100 beyond the noise, with at most half the pairs)
ALSO_KEEP = 50
SEED_NEIGHBOURS = 10
RECENT = 10
CO_WINDOW = 86400.0
MIN_CO_SUPPORT = 3.0  # "Often viewed with": at least three decayed co-views
MIN_POPULAR_SUPPORT = 5.0  # "Popular this week": at least five decayed views
# What the keys kept for all visitors together learn of a view's time: the hour it began in
# (popular) or the UTC day (co-views), never the moment, so that copies of them taken before
# and after an erase cannot give back when a visitor looked (erase54: to the microsecond). A
# view still counts at most one, and ``least`` views of the last hours still suffice (an hour
# more of decay is under 1% a popular view; a day under 3% a co-view).
POPULAR_GRAIN = 3600.0
CO_GRAIN = 86400.0


def log_increment(now: float, half_life: float, landmark: float = LANDMARK) -> float:
    """log2 of a view's forward-decayed weight at ``now``."""
    return (now - landmark) / half_life


def grained(now: float, grain: float) -> float:
    """``now`` as the start of its ``grain`` (an hour, a day: UTC), what shared keys keep."""
    return now - now % grain


def log_add(a: float | None, b: float) -> float:
    """log2(2^a + 2^b), exactly and without overflow (``a`` None: nothing yet)."""
    if a is None:
        return b
    high, low = (a, b) if a >= b else (b, a)
    return high + math.log2(1.0 + 2.0 ** (low - high))


def relative(scores: Iterable[tuple[str, float]]) -> dict[str, float]:
    """Log scores → weights in (0, 1], the best being 1 (what ranking reads)."""
    pairs = list(scores)
    if not pairs:
        return {}
    top = max(s for _, s in pairs)
    return {member: 2.0 ** (s - top) for member, s in pairs}


def decayed(log_score: float, now: float, half_life: float, landmark: float = LANDMARK) -> float:
    """The classic decayed count a log score stands for at ``now``."""
    return float(2.0 ** (log_score - log_increment(now, half_life, landmark)))


def trim(scores: dict[str, float], keep: int) -> None:
    """Keep the ``keep`` best members; of a tie, the greater member in byte order stays, as
    the learning script's ``ZREMRANGEBYRANK key 0 -(keep+1)`` leaves it (a ZSET ranks a tie
    by member, the smaller lower). Hour and day grains (erase54) make ties common."""
    if len(scores) > keep:
        ranked = sorted(scores.items(), key=lambda kv: (kv[1], kv[0].encode()))
        for member, _ in ranked[: len(scores) - keep]:
            del scores[member]


def returning(visits: int, new_visit: bool) -> bool:
    """A visitor on their second visit or later (``visits``: those recorded before this view;
    ``new_visit``: this view starts one). Only they teach co-views."""
    return visits >= 2 or (visits >= 1 and new_visit)


def supported(
    pairs: Iterable[tuple[str, float]], now: float, half_life: float, least: float
) -> list[tuple[str, float]]:
    """The members whose decayed count at ``now`` is above ``least − ½``: that many counted
    views at least (a view never counts more than one), and ``least`` recent ones suffice
    (five views of the last hours have decayed a little below five)."""
    floor = least - 0.5
    return [(m, s) for m, s in pairs if decayed(s, now, half_life) >= floor]


def pairs_for_view(
    viewed: Mapping[str, float],
    item: str,
    now: float,
    known: Container[str] | None = None,
    full: bool = False,
) -> tuple[bool, list[str]]:
    """Does this view count (the visitor's first of ``item``; none once their viewed list
    overflowed, ``full``), and which items viewed in the last ``CO_WINDOW`` pair with it (only
    ids in ``known``, the catalogue, when given)."""
    if full or item in viewed:
        return False, []
    recent = sorted(
        (
            (when, other)
            for other, when in viewed.items()
            if other != item and (known is None or other in known)
        ),
        key=lambda wo: (-wo[0], wo[1]),
    )
    return True, [other for when, other in recent[:RECENT] if now - when < CO_WINDOW]


@dataclass
class Learner:
    """The shared keys' arithmetic in memory: the reference the store's scripts follow.

    Used by the offline evaluation and by tests; the store does the same per key in Redis.
    """

    popular: dict[str, float] = field(default_factory=dict)
    co: dict[str, dict[str, float]] = field(default_factory=dict)

    def view(self, viewed: Mapping[str, float], item: str, now: float) -> None:
        counts, partners = pairs_for_view(viewed, item, now)
        if not counts:
            return
        x = log_increment(grained(now, POPULAR_GRAIN), POPULAR_HALF_LIFE)
        self.popular[item] = log_add(self.popular.get(item), x)
        trim(self.popular, POPULAR_KEEP)
        x = log_increment(grained(now, CO_GRAIN), CO_HALF_LIFE)
        for other in partners:
            for a, b in ((other, item), (item, other)):
                row = self.co.setdefault(a, {})
                row[b] = log_add(row.get(b), x)
                trim(row, CO_KEEP)

    def popular_weights(self, top: int = 200) -> dict[str, float]:
        best = sorted(self.popular.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
        return relative(best)

    def co_weights(self, seeds: Iterable[str]) -> dict[str, dict[str, float]]:
        return {s: relative(self.co[s].items()) for s in seeds if self.co.get(s)}


# Bytes of each side of a visitor's ``also`` pair before pairs were coded (a longer id was a
# 16-hex digest there): what a profile written then may hold, read still (Catalog.pair_names).
PAIR_PART = 31
CODE_CHARS = 6  # a code: "~" and 36 bits of the id's SHA-1 (base64url)


# An ``also`` pair's score as releases 39-47 kept it: log2 × 100, a whole number (pair_score);
# their members: two codes side by side without their "~", or the two sides apart by a unit
# separator (an id whose code another id shares); the releases before wrote ``seed>item``.
SCALE = 100


def pair_part(item: str) -> str:
    """``item`` as one side of an ``also`` pair: ``~`` and :data:`CODE_CHARS` characters of
    its SHA-1. A catalogue gives two ids whose codes meet their :func:`long_part` instead
    (``Catalog.pair_parts``), and reads both back (``Catalog.pair_names``)."""
    raw = item.encode("utf-8", "surrogatepass")
    return "~" + base64.urlsafe_b64encode(hashlib.sha1(raw).digest())[:CODE_CHARS].decode()


def is_code(part: str) -> bool:
    """``part`` (a side of an ``also`` pair) has the shape of a code or a long id's digest."""
    return part[:1] == "~" and len(part) in (CODE_CHARS + 1, 17)


def pair_sides(member: str) -> tuple[str, str] | None:
    """The seed and the item of an ``also`` member, in any form (None: none)."""
    for sep in ("\x1f", ">"):
        seed, found, item = member.partition(sep)
        if found:
            return (seed, item) if seed and item else None
    if len(member) == 2 * CODE_CHARS:
        return "~" + member[:CODE_CHARS], "~" + member[CODE_CHARS:]
    return None


def scaled(member: str) -> bool:
    """Whether ``member``'s score is kept × :data:`SCALE` as a whole number (the forms of
    releases 39-47): every member but the ``seed>item`` of the releases before."""
    return "\x1f" in member or ">" not in member


def pair_score(member: str, kept: float) -> float:
    """The log2 score of ``member`` from what Redis keeps of it."""
    return kept / SCALE if scaled(member) else kept


def long_part(item: str) -> str:
    """``item`` as one side of a pair as written before codes (and for an id whose code another
    id of the catalogue shares): itself, or ``~`` and 16 hex digits of its SHA-1 when it is
    longer than :data:`PAIR_PART` bytes."""
    raw = item.encode("utf-8", "surrogatepass")
    return item if len(raw) <= PAIR_PART else "~" + hashlib.sha1(raw).hexdigest()[:16]


def pair_parts(ids: Iterable[str]) -> dict[str, str]:
    """Each of ``ids`` as a side of an ``also`` pair: its code (:func:`pair_part`), unless
    another of ``ids`` has the same code or is spelt as it is (then its :func:`long_part`, which
    is no other's), so that every pair written reads back as the ids it was written for."""
    codes = {i: pair_part(i) for i in ids}
    count = Counter(codes.values())
    return {
        i: c if c == i or (count[c] == 1 and c not in codes) else long_part(i)
        for i, c in codes.items()
    }


def also_to_co_views(
    also: Mapping[str, float], names: Mapping[str, str] | None = None
) -> dict[str, dict[str, float]]:
    """The visitor's ``also`` key (members → scores as Redis keeps them) as co-views per seed, each
    side a catalogue id again through ``names`` (``Catalog.pair_names``: codes and digests;
    a pair kept in two forms, each learned from other views, counts once, its scores added as
    the record and merge scripts add them)."""
    names = names or {}
    grouped: dict[str, dict[str, float]] = {}
    for member, kept in also.items():
        if sides := pair_sides(member):
            seed, item, score = *sides, pair_score(member, kept)
            pairs = grouped.setdefault(names.get(seed, seed), {})
            item = names.get(item, item)
            pairs[item] = log_add(pairs.get(item), score)
    return {seed: relative(pairs.items()) for seed, pairs in grouped.items()}


@dataclass(frozen=True)
class Learning:
    """What one page view teaches the shared keys: log increments per key."""

    popular: list[tuple[str, float]]  # [(item, increment)] for the popular key
    co: dict[str, list[tuple[str, float]]]  # item → [(other, increment)]
    item: str = ""  # the item viewed: the record script decides whether popular and co count

    @property
    def learn(self) -> str:
        """The record script's ``learn`` argument: which parts may count, and the item."""
        parts = ("p" if self.popular else "") + ("c" if self.co else "")
        return f"{parts}:{self.item}" if parts and self.item else ""


def learn_from_view(
    viewed: Mapping[str, float],
    item: str,
    now: float,
    *,
    known: Container[str],
    cookie: bool,
    visits: int,
    new_visit: bool,
    full: bool = False,
    uncounted: Container[str] = (),
) -> Learning | None:
    """The shared writes for a view of catalogue item ``item`` by a visitor who viewed
    ``viewed`` before (None: nothing to write): on their first view of it
    (:func:`pairs_for_view`), ``pop`` and ``co``. ``known``: the catalogue's ids, nothing else
    is ever written to a shared key; ``cookie``: the request came with the visitor's cookie
    (else no popular count); ``visits`` and ``new_visit``: only a :func:`returning` visitor
    teaches co-views; ``full``: the visitor's viewed list overflowed (they teach no one any
    more); ``uncounted``: the items in ``viewed`` this visitor was not counted for in
    popularity yet. The visitor's own pairs are not written: they are worked out when read
    (:func:`own_co_views`)."""
    if item not in known:
        return None
    counts, partners = pairs_for_view(viewed, item, now, known, full)
    x = log_increment(grained(now, CO_GRAIN), CO_HALF_LIFE)
    co: dict[str, list[tuple[str, float]]] = {}
    if counts and partners and returning(visits, new_visit):
        co[item] = [(p, x) for p in partners]
        for other in partners:
            co.setdefault(other, []).append((item, x))
    # popular: the visitor's first view of it that came with their cookie (their landing page,
    # before the cookie, counts then), once; the record script has the last word
    fresh = cookie and not full and (item not in viewed or item in uncounted)
    popular = (
        [(item, log_increment(grained(now, POPULAR_GRAIN), POPULAR_HALF_LIFE))] if fresh else []
    )
    if not (popular or co):
        return None
    return Learning(popular, co, item)


def seeds_of(viewed: Mapping[str, float], known: Container[str], most: int = RECENT) -> list[str]:
    """The items whose co-views make the visitor's own pairs: their ``most`` latest viewed
    catalogue items (a seed viewed longer ago weighs less in ranking: strategies.py)."""
    ranked = [(-w, i) for i, w in viewed.items() if i in known]  # latest first, then by id
    ranked.sort()
    return [i for _, i in ranked[:most]]


def own_co_views(
    viewed: Mapping[str, float],
    lists: Mapping[str, Iterable[tuple[str, float]]],
    known: Container[str],
) -> dict[str, dict[str, float]]:
    """The visitor's own pairs, worked out when read rather than kept: for each seed in
    ``lists`` (its supported co-views now, relative weights, best first: store/recs.py), its
    ``SEED_NEIGHBOURS`` best catalogue items but itself, scored ``x(t_view) + log2(w)`` as the
    ``also`` key scored them, the best ``ALSO_KEEP`` of all seeds kept, then per seed as
    weights in (0, 1] (what :func:`also_to_co_views` made of the key)."""
    scored: list[tuple[float, str, str]] = []
    for seed, pairs in lists.items():
        when = viewed.get(seed)
        if when is None:
            continue
        x, taken = log_increment(when, CO_HALF_LIFE), 0
        for other, w in pairs:
            if taken == SEED_NEIGHBOURS:
                break
            if other != seed and w > 0 and other in known:
                scored.append((x + math.log2(w), seed, other))
                taken += 1
    if len(scored) > ALSO_KEEP:
        scored.sort(key=lambda t: (-t[0], t[1], t[2]))
        del scored[ALSO_KEEP:]
    grouped: dict[str, list[tuple[str, float]]] = {}
    for score, seed, other in scored:
        grouped.setdefault(seed, []).append((other, score))
    return {seed: relative(pairs) for seed, pairs in grouped.items()}
