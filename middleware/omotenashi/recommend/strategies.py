"""The four strategies, each scoring only the items that could reach the top.

Each returns ``{position: (raw score, because)}`` where ``because`` is what the item's reason
names: the visitor's interest (a tag) for ``interests``, the viewed item for ``also_viewed``.
Scores are compared within one strategy only; ranking normalises them before combining.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from operator import itemgetter

from omotenashi.recommend.catalog import Catalog, Item, Liked
from omotenashi.recommend.signals import Signals

Scored = dict[int, tuple[float, str | None]]

TOP_INTERESTS = 6  # interests beyond the visitor's top six add little and cost 2^k parts
SEED_HALF_LIFE = 7 * 86400.0  # a view a week ago seeds also-viewed at half the weight
RECENT_HALF_LIFE = 86400.0  # recently viewed: yesterday's view counts half of today's
_FIRST, _SECOND = itemgetter(0), itemgetter(1)
_new = object.__new__


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
        # its fields filled in directly (one per recommendation; held to what __init__ builds
        # by tests/recommend/test_recommend_builds.py)
        new = _new(cls)
        fields = new.__dict__
        fields["blocked"], fields["blocked_ids"] = mask, blocked_ids
        fields["skip_unavailable"] = skip_unavailable
        return new

    def allows(self, item: Item) -> bool:
        return item.id not in self.blocked_ids and (item.available or not self.skip_unavailable)


def set_bits(mask: int, limit: int) -> list[int]:
    """The positions of the lowest ``limit`` set bits of ``mask``, ascending."""
    out: list[int] = []
    while mask and limit > 0:
        low = mask & -mask
        out.append(low.bit_length() - 1)
        mask ^= low
        limit -= 1
    return out


def top_tags(catalog: Catalog, interests: Mapping[str, float]) -> list[tuple[str, float]]:
    """The visitor's strongest interests that some item carries, strongest first.

    Each interest is weighted by how specific its tag is (an inverse document frequency): an
    interest in a tag half the catalogue carries says less about an item than one in a rare tag.
    """
    spec = catalog.specificity
    known = [(t, w * spec[t]) for t, w in interests.items() if w > 0 and t in spec]
    known.sort(key=_FIRST)  # strongest first, equal ones by tag (stable sorts)
    known.sort(key=_SECOND, reverse=True)
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
    come first, then catalogue order (what the dict holds; its order means nothing).
    """
    if not tags:
        return {}
    union = 0
    for tag, _ in tags:
        union |= catalog.tag_mask[tag]
    union &= ~allowed.blocked
    if not union:
        return {}
    if union.bit_count() <= limit:  # every item it reaches is in (which come first plays no
        return _every_one(catalog, tags, union)  # part, nor does the order of the dict)
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
    parts.sort(key=_SECOND)  # by score, best first, then by the best tag (stable sorts:
    parts.sort(key=_FIRST, reverse=True)  # equal parts keep their order)
    known = catalog.liked[0]
    if known is None or known.pairs is not liked:  # (not the catalogue's popular items)
        first: dict[int, int] = {}  # position → its place in ``liked``
        for i, (pos, _) in enumerate(liked):
            first.setdefault(pos, i)
        known = Liked({}, liked, catalog.mask_of(catalog.items[p].id for p, _ in liked), first)
    place = known.place
    out: Scored = {}
    for score, best, mask in parts:
        if len(out) >= limit:
            break
        entry = (score, tags[best][0])  # (one tuple for the part's items)
        hot = mask & known.mask
        if hot:  # the popular ones first, most popular first
            hot_positions = [pos for pos in set_bits(hot, len(liked)) if pos in place]
            hot_positions.sort(key=place.__getitem__)
            for pos in hot_positions[: limit - len(out)]:
                out[pos] = entry
        for pos in set_bits(mask ^ hot, limit - len(out)):
            out[pos] = entry
    return out


def _every_one(catalog: Catalog, tags: list[tuple[str, float]], union: int) -> Scored:
    """:func:`interests` of every item in ``union``: each item's score adds the weights of its
    tags in the order of ``tags`` from 0.0, as its part's does (the same float), and names the
    first of them."""
    sums: dict[int, float] = {}
    first: dict[int, str] = {}
    for tag, weight in tags:
        mask = catalog.tag_mask[tag] & union
        while mask:  # (set_bits, inline)
            low = mask & -mask
            pos = low.bit_length() - 1
            mask ^= low
            if pos in sums:
                sums[pos] += weight
            else:
                sums[pos] = 0.0 + weight
                first[pos] = tag
    return {pos: (score, first[pos]) for pos, score in sums.items()}


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
    if not signals.co_views:
        return {}
    seeds = seed_weights(signals)
    blocked, skip = allowed.blocked_ids, allowed.skip_unavailable
    position, items = catalog.position, catalog.items
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
            pos = position.get(other)
            if pos is None or value <= 0:
                continue
            item = items[pos]
            if item.id in blocked or not (item.available or not skip):  # Allowed.allows
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
    return liked_of(catalog, signals.popular).pairs


def liked_of(catalog: Catalog, popular: Mapping[str, float]) -> Liked:
    """The popular items ranked, as the catalogue last had them for equal scores (the same
    for every visitor until the popular items are read again), or worked out now."""
    known = catalog.liked[0]
    if known is not None and known.scores == popular:
        return known
    position = catalog.position
    pairs = [
        (pos, score)
        for item_id, score in popular.items()
        if score > 0 and (pos := position.get(item_id)) is not None
    ]
    pairs.sort(key=_FIRST)  # most popular first, equal ones in catalogue order (stable sorts)
    pairs.sort(key=_SECOND, reverse=True)
    mask = catalog.mask_at(pos for pos, _ in pairs)
    liked = Liked(dict(popular), pairs, mask, {pos: i for i, (pos, _) in enumerate(pairs)})
    catalog.liked[0] = liked
    return liked


def popular(catalog: Catalog, liked: list[tuple[int, float]], allowed: Allowed) -> Scored:
    """Items many visitors viewed lately (scores decayed in the store)."""
    items, blocked, skip = catalog.items, allowed.blocked_ids, allowed.skip_unavailable
    return {
        pos: (score, None)
        for pos, score in liked
        if (item := items[pos]).id not in blocked and (item.available or not skip)
    }


def recently_viewed(catalog: Catalog, signals: Signals, allowed: Allowed) -> Scored:
    """What the visitor viewed, latest first."""
    out: Scored = {}
    for item_id, when in signals.viewed.items():
        pos = catalog.position.get(item_id)
        if pos is not None and allowed.allows(catalog.items[pos]):
            out[pos] = (0.5 ** (max(0.0, signals.now - when) / RECENT_HALF_LIFE), None)
    return out
