"""The four strategies, each scoring only the items that could reach the top.

Each returns ``{position: (raw score, because)}`` where ``because`` is what the item's reason
names: the visitor's interest (a tag) for ``interests``, the viewed item for ``also_viewed``.
Scores are compared within one strategy only; ranking normalises them before combining.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from omotenashi.recommend.catalog import Catalog, Item
from omotenashi.recommend.signals import Signals

Scored = dict[int, tuple[float, str | None]]

TOP_INTERESTS = 6  # interests beyond the visitor's top six add little and cost 2^k parts
SEED_HALF_LIFE = 7 * 86400.0  # a view a week ago seeds also-viewed at half the weight
RECENT_HALF_LIFE = 86400.0  # recently viewed: yesterday's view counts half of today's


@dataclass(frozen=True, eq=False)
class Allowed:
    """Which positions may be recommended: a bitset for the index, a test for single items."""

    blocked: int  # bitset of excluded positions
    blocked_ids: frozenset[str]
    skip_unavailable: bool

    @classmethod
    def build(cls, catalog: Catalog, ids: Iterable[str], skip_unavailable: bool) -> Allowed:
        blocked_ids = frozenset(ids)
        mask = catalog.mask_of(blocked_ids)
        if skip_unavailable:
            mask |= catalog.unavailable
        return cls(mask, blocked_ids, skip_unavailable)

    def allows(self, item: Item) -> bool:
        return item.id not in self.blocked_ids and (item.available or not self.skip_unavailable)


def set_bits(mask: int, limit: int) -> list[int]:
    """The positions of the lowest ``limit`` set bits of ``mask``, ascending."""
    out: list[int] = []
    while mask and len(out) < limit:
        low = mask & -mask
        out.append(low.bit_length() - 1)
        mask ^= low
    return out


def top_tags(catalog: Catalog, interests: Mapping[str, float]) -> list[tuple[str, float]]:
    """The visitor's strongest interests that some item carries, strongest first.

    Each interest is weighted by how specific its tag is (an inverse document frequency): an
    interest in a tag half the catalogue carries says less about an item than one in a rare tag.
    """
    spec = catalog.specificity
    known = [(t, w * spec[t]) for t, w in interests.items() if w > 0 and t in spec]
    known.sort(key=lambda tw: (-tw[1], tw[0]))
    return known[:TOP_INTERESTS]


def interest_score(item: Item, weights: Mapping[str, float]) -> tuple[float, str | None]:
    """Σ interest over the item's tags, and the strongest interest it matches."""
    score, best, best_w = 0.0, None, 0.0
    for tag in item.tags:
        w = weights.get(tag, 0.0)
        if w > 0:
            score += w
            if w > best_w or (w == best_w and best is not None and tag < best):
                best, best_w = tag, w
    return score, best


def interests(
    catalog: Catalog,
    tags: list[tuple[str, float]],
    allowed: Allowed,
    limit: int,
    liked: list[tuple[int, float]],
) -> Scored:
    """The ``limit`` best items by interest × tags, without visiting the rest of the catalogue.

    The items carrying any of the visitor's top tags are split, one tag at a time, into parts
    that match the same subset of tags (at most 2^k parts, only non-empty ones kept); a
    part's items share one score. Parts are taken best first; inside a part, popular items
    come first, then catalogue order.
    """
    if not tags:
        return {}
    union = 0
    for tag, _ in tags:
        union |= catalog.tag_mask[tag]
    union &= ~allowed.blocked
    if not union:
        return {}
    parts: list[tuple[float, int, int]] = [(0.0, len(tags), union)]  # score, best tag, mask
    for index, (tag, weight) in enumerate(tags):
        tag_mask = catalog.tag_mask[tag]
        refined: list[tuple[float, int, int]] = []
        for score, best, mask in parts:
            inside = mask & tag_mask
            if inside:
                refined.append((score + weight, min(best, index), inside))
                if inside != mask:
                    refined.append((score, best, mask ^ inside))
            else:
                refined.append((score, best, mask))
        parts = refined
    parts.sort(key=lambda p: (-p[0], p[1]))
    popular_mask = catalog.mask_of(catalog.items[p].id for p, _ in liked)
    out: Scored = {}
    for score, best, mask in parts:
        if len(out) >= limit:
            break
        because = tags[best][0]
        hot = mask & popular_mask
        if hot:
            hot_positions = set(set_bits(hot, len(liked)))
            for pos, _ in liked:
                if pos in hot_positions and len(out) < limit:
                    out[pos] = (score, because)
        for pos in set_bits(mask ^ hot, limit - len(out)):
            out[pos] = (score, because)
    return out


def seed_weights(signals: Signals) -> dict[str, float]:
    """Which viewed items seed also-viewed, and how strongly (the current item counts fully)."""
    seeds: dict[str, float] = {}
    for item_id, when in signals.viewed.items():
        seeds[item_id] = 0.5 ** (max(0.0, signals.now - when) / SEED_HALF_LIFE)
    if signals.current:
        seeds[signals.current] = 1.0
    return seeds


def also_viewed(catalog: Catalog, signals: Signals, allowed: Allowed) -> Scored:
    """Items viewed together with what this visitor viewed (co-views learned from everyone);
    only catalogue items seed, so every reason names an item by its title."""
    seeds = seed_weights(signals)
    totals: dict[int, float] = {}
    best: dict[int, tuple[float, str]] = {}
    for seed, neighbours in signals.co_views.items():
        weight = seeds.get(seed)
        if not weight or not neighbours or seed not in catalog.position:
            continue  # an item gone from the catalogue seeds nothing (and is named nowhere)
        top = max(neighbours.values())
        if top <= 0:
            continue
        for other, value in neighbours.items():
            pos = catalog.position.get(other)
            if pos is None or value <= 0 or not allowed.allows(catalog.items[pos]):
                continue
            part = weight * (value / top)
            if part <= 0:  # underflow: too faint to count
                continue
            totals[pos] = totals.get(pos, 0.0) + part
            if part > best.get(pos, (0.0, ""))[0]:
                best[pos] = (part, seed)
    return {pos: (score, best[pos][1]) for pos, score in totals.items()}


def ranked_popular(catalog: Catalog, signals: Signals) -> list[tuple[int, float]]:
    """``(position, score)`` of the popular items in the catalogue, most popular first."""
    pairs = [
        (pos, score)
        for item_id, score in signals.popular.items()
        if score > 0 and (pos := catalog.position.get(item_id)) is not None
    ]
    pairs.sort(key=lambda ps: (-ps[1], ps[0]))
    return pairs


def popular(catalog: Catalog, liked: list[tuple[int, float]], allowed: Allowed) -> Scored:
    """Items many visitors viewed lately (scores decayed in the store)."""
    items = catalog.items
    return {pos: (score, None) for pos, score in liked if allowed.allows(items[pos])}


def recently_viewed(catalog: Catalog, signals: Signals, allowed: Allowed) -> Scored:
    """What the visitor viewed, latest first."""
    out: Scored = {}
    for item_id, when in signals.viewed.items():
        pos = catalog.position.get(item_id)
        if pos is not None and allowed.allows(catalog.items[pos]):
            out[pos] = (0.5 ** (max(0.0, signals.now - when) / RECENT_HALF_LIFE), None)
    return out
