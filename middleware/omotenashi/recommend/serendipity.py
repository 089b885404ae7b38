"""Room for something new: a share of items from outside the visitor's top interests.

The draw depends only on the visitor's key and the day, so reloading a page shows the same
list, and tomorrow brings another surprise.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Collection

from omotenashi.recommend.catalog import Catalog, Item
from omotenashi.recommend.strategies import Allowed

DAY = 86400
PROBES = 64  # random looks into the catalogue when no popular item is different enough


def _seed(visitor: str, now: float, purpose: str) -> int:
    day = int(now // DAY)
    digest = hashlib.blake2b(f"{visitor}|{day}|{purpose}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


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
) -> list[int]:
    """Positions of ``count`` allowed items sharing no tag with ``top``.

    Among the ten most popular such items first (a surprise that others liked), else from
    random looks into the catalogue; the choice is shuffled by the visitor-and-day seed.
    """
    if count <= 0 or not top:
        return []
    rng = random.Random(_seed(visitor, now, "pick"))
    seen = set(taken)

    def fits(pos: int) -> bool:
        item = catalog.items[pos]
        return pos not in seen and allowed.allows(item) and different(item, top)

    pool: list[int] = []
    for pos, _ in liked:
        if len(pool) >= 10:
            break
        if fits(pos):
            pool.append(pos)
    rng.shuffle(pool)
    out: list[int] = []
    for pos in pool:
        if len(out) < count:
            out.append(pos)
            seen.add(pos)
    for _ in range(PROBES):
        if len(out) >= count or not catalog.items:
            break
        pos = rng.randrange(len(catalog.items))
        if fits(pos):
            out.append(pos)
            seen.add(pos)
    return out


def placements(n: int, count: int) -> list[int]:
    """Where the surprises go: spread out, each closing its share of the list."""
    return [(j + 1) * n // count - 1 for j in range(count)] if count else []
