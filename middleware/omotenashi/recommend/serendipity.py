"""Room for something new: a share of items from outside the visitor's top interests.

How many surprises depends only on the visitor's key and the day (the site's: ``Signals.day``,
else UTC's); which ones, on those and
the page's item: each candidate gets a stable rank from a hash of them and its id, and the
best-ranked candidates that qualify are the surprises. So a reload shows the same surprise
as long as it still qualifies (it shares no tag with the visitor's top three interests, is
allowed, and is not already in the list) and no candidate joined ahead of it; tomorrow brings
another. Popular candidates are drawn first, weighted by their popularity: other visitors'
views (an item reaching popular, the shares moving) can change the draw (recs56).
"""

from __future__ import annotations

import hashlib
import math
import zlib
from collections.abc import Collection
from functools import lru_cache

from omotenashi.recommend.catalog import Catalog, Item
from omotenashi.recommend.strategies import Allowed, set_bits

DAY = 86400
PROBES = 64  # random looks into the catalogue when no popular item is different enough
_REMEMBERED = 2048  # seeds kept (each a visitor's for a day, or for a day and a page)


def _seed(visitor: str, now: float, purpose: str, page: str = "") -> int:
    return _hashed(f"{visitor}|{int(now // DAY)}|{page}|{purpose}")


@lru_cache(maxsize=_REMEMBERED)
def _hashed(text: str) -> int:
    """The seed of ``text`` (a visitor's, for a day and a page: the same on each of their
    pages that day, so remembered for the last few thousand)."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


def how_many(n: int, share: float, visitor: str, now: float) -> int:
    """``n × share`` items, the fraction decided by a stable coin per visitor and day."""
    if share <= 0 or n <= 1:
        return 0
    expected = n * share
    whole = int(expected)
    coin = _seed(visitor, now, "count") / 2**64
    return min(n - 1, whole + (1 if coin < expected - whole else 0))


def different(item: Item, top: Collection[str]) -> bool:
    return not any(tag in top for tag in item.tags)


def draw(
    catalog: Catalog,
    count: int,
    top: Collection[str],
    allowed: Allowed,
    taken: Collection[int],
    liked: list[tuple[int, float]],
    visitor: str,
    now: float,
    page: str = "",
) -> list[int]:
    """Positions of ``count`` allowed items sharing no tag with ``top``.

    Among the popular such items first (a surprise that others liked: drawn in proportion to
    popularity), else from looks into the catalogue. Either way each candidate has its own
    stable rank (from a hash of visitor, day, page and item; Efraimidis and Spirakis' weighted
    draw), so a candidate leaving or joining moves no other.
    """
    if count <= 0 or not top:
        return []
    items, ids = catalog.items, catalog.encoded_ids
    tops = top if isinstance(top, (set, frozenset)) else set(top)
    base = _seed(visitor, now, "pick", page) & 0xFFFFFFFF
    if len(items) <= PROBES and len(catalog.position) == len(items):  # small, ids distinct
        return _draw_small(catalog, count, tops, allowed, taken, liked, base)
    seen = set(taken)
    blocked, skip = allowed.blocked_ids, allowed.skip_unavailable
    # each candidate that fits (not taken, allowed, sharing no tag with ``top``) with its
    # stable place today, -ln(u) / weight for u from a hash of its id (smallest first: a draw
    # in proportion to the weight), and its order among the candidates (equal places keep it)
    best = liked[0][1] if liked else 1.0
    drawn: list[tuple[float, int, int]] = []
    for pos, score in liked:
        w = score / best
        if w > 0 and pos not in seen:
            item = items[pos]
            if item.id not in blocked and (item.available or not skip):
                if tops.isdisjoint(item.tags):
                    drawn.append((_place(ids[pos], base, w), len(drawn), pos))
    out = _first(drawn, count)
    if len(out) < count:
        seen.update(out)
        drawn = []
        for pos in _looks(len(items), visitor, now, page):  # the same looks all day
            if pos not in seen:
                item = items[pos]
                if item.id not in blocked and (item.available or not skip):
                    if tops.isdisjoint(item.tags):
                        drawn.append((_place(ids[pos], base), len(drawn), pos))
        out += _first(drawn, count - len(out))
    return out


def _draw_small(
    catalog: Catalog,
    count: int,
    top: Collection[str],
    allowed: Allowed,
    taken: Collection[int],
    liked: list[tuple[int, float]],
    base: int,
) -> list[int]:
    """:func:`draw` in a catalogue of at most :data:`PROBES` items (every one is looked at),
    with distinct ids: what fits is a bitset (Allowed.build's ``blocked`` is then exactly the
    items it does not allow)."""
    items, ids = catalog.items, catalog.encoded_ids
    fit = ((1 << len(items)) - 1) & ~allowed.blocked
    for tag in top:
        fit &= ~catalog.tag_mask.get(tag, 0)
    for pos in taken:
        fit &= ~(1 << pos)
    best = liked[0][1] if liked else 1.0
    drawn: list[tuple[float, int, int]] = []
    for pos, score in liked:
        w = score / best
        if w > 0 and fit >> pos & 1:
            drawn.append((_place(ids[pos], base, w), len(drawn), pos))
    out = _first(drawn, count)
    if len(out) < count:
        for pos in out:
            fit &= ~(1 << pos)
        looks = set_bits(fit, len(items))  # in catalogue order, as the looks go
        out += _first(_unweighted(ids, looks, base), count - len(out))
    return out


def _place(item_id: bytes, base: int, weight: float = 1.0) -> float:
    """An item's own stable place today: -ln(u) / weight for u in (0, 1] from a hash of its id
    (``Catalog.encoded_ids``; smallest first: a draw in proportion to the weight)."""
    return -math.log((zlib.crc32(item_id, base) + 1) / 2**32) / weight


def _unweighted(
    ids: tuple[bytes, ...], looks: list[int], base: int
) -> list[tuple[float, int, int]]:
    """(place, order, position) of each of ``looks``: its :func:`_place` of weight 1 (the same
    float: x / 1.0 is x), in one pass."""
    log, crc32 = math.log, zlib.crc32
    return [(-log((crc32(ids[pos], base) + 1) / 2**32), k, pos) for k, pos in enumerate(looks)]


def _first(drawn: list[tuple[float, int, int]], count: int) -> list[int]:
    """The positions of the ``count`` first of ``drawn`` (place, order, position)."""
    if count == 1:
        return [min(drawn)[2]] if drawn else []
    drawn.sort()
    return [pos for _, _, pos in drawn[:count]]


def _looks(n: int, visitor: str, now: float, page: str) -> Collection[int]:
    """Where to look in a catalogue of ``n`` items: all of a small one; :data:`PROBES` places
    of a larger one, drawn from one hash of visitor, day and page (no generator to seed)."""
    if n <= PROBES:
        return range(n)
    text = f"{visitor}|{int(now // DAY)}|{page}|probe".encode()
    words = memoryview(hashlib.shake_128(text).digest(4 * PROBES)).cast("I")
    return {word % n for word in words}


def placements(n: int, count: int) -> list[int]:
    """Where the surprises go: spread out, each closing its share of the list."""
    return [(j + 1) * n // count - 1 for j in range(count)] if count else []
