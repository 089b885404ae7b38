"""Room for something new: a share of items from outside the visitor's top interests.

How many surprises depends only on the visitor's key and the day; which ones, on those and
the page's item: each candidate gets a stable rank from a hash of them and its id, and the
best-ranked candidates that qualify are the surprises. So a reload shows the same surprise
as long as it still qualifies (it shares no tag with the visitor's top three interests, is
allowed, and is not already in the list), whatever else changed; tomorrow brings another.
"""

from __future__ import annotations

import hashlib
import math
import zlib
from collections.abc import Collection

from omotenashi.recommend.catalog import Catalog, Item
from omotenashi.recommend.strategies import Allowed

DAY = 86400
PROBES = 64  # random looks into the catalogue when no popular item is different enough


def _seed(visitor: str, now: float, purpose: str, page: str = "") -> int:
    day = int(now // DAY)
    text = f"{visitor}|{day}|{page}|{purpose}"
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
    items = catalog.items
    seen = set(taken)

    def fits(pos: int) -> bool:
        item = items[pos]
        return pos not in seen and allowed.allows(item) and different(item, top)

    base = _seed(visitor, now, "pick", page) & 0xFFFFFFFF

    def rank(pos: int, weight: float = 1.0) -> float:  # its own stable place today
        u = (zlib.crc32(items[pos].id.encode(), base) + 1) / 2**32  # in (0, 1]
        return -math.log(u) / weight  # smallest first: a draw in proportion to the weight

    best = liked[0][1] if liked else 1.0
    pool = {pos: w for pos, score in liked if (w := score / best) > 0 and fits(pos)}
    out = sorted(pool, key=lambda pos: rank(pos, pool[pos]))[:count]
    seen.update(out)
    if len(out) < count and items:
        looks = _looks(len(items), visitor, now, page)  # the same looks all day
        out += sorted((pos for pos in looks if fits(pos)), key=rank)[: count - len(out)]
    return out


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
