"""Rank the catalogue for one visitor: pure (no I/O), the time is an argument.

1. Filters: the page's own item, purchased and in-cart items, unavailable items (and, when
   the rule says so, items the visitor viewed).
2. Each strategy with a weight above 0 scores the items that could reach its top (the
   interests strategy through the catalogue's tag bitsets, the others from their sparse
   inputs); scores are divided by the strategy's best, weighted and summed.
3. Each item's reason is the strategy that contributed most to its score, so it is true.
4. Too few? ``popular`` fills, then the catalogue's own order ("From our selection").
5. Diversity (per tag or MMR), then the serendipity share: how many per visitor and day,
   which ones per visitor, day and page.

Visitors without a usable profile (``signals.personal`` False) get ``popular`` only; a new
visitor has a profile: on an item page, the item's own co-views ("Often viewed with") count.
"""

from __future__ import annotations

import heapq
from collections.abc import Collection
from operator import itemgetter
from typing import TypeVar

from omotenashi.recommend import diversity, serendipity
from omotenashi.recommend.catalog import Catalog
from omotenashi.recommend.reasons import reason
from omotenashi.recommend.signals import Pick, Signals, Source, pick
from omotenashi.recommend.strategies import (
    Allowed,
    Scored,
    also_viewed,
    interest_score,
    interests,
    popular,
    ranked_popular,
    recently_viewed,
    set_bits,
    top_tags,
)
from omotenashi.rules.recommend import STRATEGIES, RecommendSpec, StrategyName

TOP_FOR_SURPRISE = 3  # "outside the visitor's top interests": the three strongest

Ranked = tuple[float, int, Source, str | None]  # score, position, source, because
_NOTHING: tuple[float, Source, str | None] = (0.0, "popular", None)
_FIRST, _POSITION = itemgetter(0), itemgetter(1)
_K = TypeVar("_K", tuple[float, int], tuple[float, int, str | None])


def recommend(
    catalog: Catalog, spec: RecommendSpec, signals: Signals, on_page: Collection[str] = ()
) -> list[Pick]:
    """Up to ``spec.items`` picks, best first, each with its reason; ``on_page``: the ids of
    items the page's other blocks show (left out when the rule excludes ``on_page``)."""
    n = spec.items
    if not catalog.items:
        return []
    allowed = _allowed(catalog, spec, signals, on_page)
    weights: dict[StrategyName, float] = (
        {name: w for name, w in spec.strategies.items() if w > 0}
        if signals.personal
        else {"popular": 1.0}
    )
    tags = top_tags(catalog, signals.interests) if signals.personal else []
    liked = ranked_popular(catalog, signals)
    ranked = _combined(catalog, signals, allowed, weights, tags, liked, limit=max(20, 4 * n))
    if len(ranked) < 2 * n:
        ranked.extend(_fallback(catalog, liked, allowed, ranked, need=2 * n - len(ranked)))
    items = catalog.items
    rule = spec.diversity
    if rule is None:
        main = ranked[:n]
    elif rule.per_tag is not None:
        tag_lists = [items[pos].tags for _, pos, _, _ in ranked]
        main = [ranked[k] for k in diversity.per_tag_of(tag_lists, n, rule.per_tag)]
    else:
        pairs = [(score, items[pos]) for score, pos, _, _ in ranked]
        main = list(map(ranked.__getitem__, diversity.mmr(pairs, n, rule.mmr or 0.0)))
    surprises = _surprises(catalog, spec, signals, allowed, tags, liked, main)
    final = main[: n - len(surprises)]
    if surprises:
        for at, entry in zip(serendipity.placements(n, len(surprises)), surprises, strict=True):
            final.insert(min(at, len(final)), entry)
    return [
        pick(
            item := items[pos],
            source,
            reason(source, because, catalog, signals, item.id),
            score,
            because,
        )
        for score, pos, source, because in final
    ]


def _allowed(
    catalog: Catalog, spec: RecommendSpec, signals: Signals, on_page: Collection[str] = ()
) -> Allowed:
    excluded: list[str] = []
    if "current" in spec.exclude and signals.current:  # every item the page is about (reco51:
        excluded.extend(signals.page_items | {signals.current})  # a second was suggested)
    # Filters hold for every visitor (they are not personalisation): a fresh page view still
    # never suggests what is in the cart or was just viewed.
    if "purchased" in spec.exclude:
        excluded.extend(signals.purchased)
    if "cart" in spec.exclude:
        excluded.extend(signals.cart)
    if "viewed" in spec.exclude:
        excluded.extend(signals.viewed)
    if on_page and "on_page" in spec.exclude:
        excluded.extend(on_page)
    return Allowed.build(catalog, excluded, "unavailable" in spec.exclude)


def _combined(
    catalog: Catalog,
    signals: Signals,
    allowed: Allowed,
    weights: dict[StrategyName, float],
    tags: list[tuple[str, float]],
    liked: list[tuple[int, float]],
    limit: int,
) -> list[Ranked]:
    scored: dict[StrategyName, Scored] = {}  # (those that found something: none adds a part)
    for name in weights:
        if name == "interests":
            found = interests(catalog, tags, allowed, limit, liked)
        elif name == "also_viewed":
            found = also_viewed(catalog, signals, allowed)
        elif name == "popular":
            found = popular(catalog, liked, allowed) if liked else {}
        else:
            found = recently_viewed(catalog, signals, allowed)
        if found:
            scored[name] = found
    # items the other strategies found (interests found none: none of its tags' items is
    # allowed, so none of theirs has a tag of it)
    if len(scored) > 1 and "interests" in scored:
        _interests_of_others(catalog, scored, tags, allowed)
    counted: list[tuple[StrategyName, Scored, float]] = []  # with the factor of each part
    for name in STRATEGIES:  # in this order, so that equal parts name the first strategy
        entries = scored.get(name)
        if not entries:
            continue
        top = max(map(_FIRST, entries.values()))
        if top <= 0:
            continue
        counted.append((name, entries, weights[name] / top))
    # A sum starts from 0.0, and 0.0 + part is part (no part is -0.0: a strategy's values are
    # 0 or more, its factor above 0), so each item's first part is its total so far.
    if len(counted) == 1:  # one strategy: its parts are the totals, each its own reason
        name, entries, factor = counted[0]
        parts = [
            (-part, pos, because)
            for pos, (value, because) in entries.items()
            if (part := value * factor) > 0
        ]
        return [(-neg, pos, name, because) for neg, pos, because in _best(parts, limit)]
    totals: dict[int, float] = {}
    best: dict[int, tuple[float, Source, str | None]] = {}
    for name, entries, factor in counted:
        for pos, (value, because) in entries.items():
            part = value * factor
            total = totals.get(pos)
            if total is None:
                totals[pos] = part
                if part > 0.0:
                    best[pos] = (part, name, because)
            else:
                totals[pos] = total + part
                if part > best.get(pos, _NOTHING)[0]:
                    best[pos] = (part, name, because)
    keyed = _best([(-t, pos) for pos, t in totals.items() if t > 0], limit)
    return [(-neg, pos, best[pos][1], best[pos][2]) for neg, pos in keyed]


def _interests_of_others(
    catalog: Catalog,
    scored: dict[StrategyName, Scored],
    tags: list[tuple[str, float]],
    allowed: Allowed,
) -> None:
    """Give the items other strategies found their interest scores too (where above 0)."""
    own = scored["interests"]
    reach = 0  # the items with one of the tags (the others score 0)
    for tag, _ in tags:
        reach |= catalog.tag_mask[tag]
    if len(own) == (reach & ~allowed.blocked).bit_count():
        return  # it scored every allowed item it reaches, so every one another strategy found
    tag_weights, items = dict(tags), catalog.items
    for name, entries in scored.items():
        if name != "interests":
            for pos in entries:
                if pos not in own and reach >> pos & 1:
                    value, because = interest_score(items[pos], tag_weights)
                    if value > 0:
                        own[pos] = (value, because)


def _best(keyed: list[_K], limit: int) -> list[_K]:
    """The ``limit`` smallest of ``keyed`` (all distinct), in order: a sort of a few, a heap of
    many."""
    if len(keyed) <= 4 * limit:
        keyed.sort()
        return keyed[:limit]
    return heapq.nsmallest(limit, keyed)


def _fallback(
    catalog: Catalog,
    liked: list[tuple[int, float]],
    allowed: Allowed,
    ranked: list[Ranked],
    need: int,
) -> list[Ranked]:
    """Popular items, then the catalogue's own order, after what the strategies found."""
    if need <= 0:
        return []
    taken = set(map(_POSITION, ranked))
    out: list[Ranked] = []
    top = liked[0][1] if liked else 1.0
    items, blocked, skip = catalog.items, allowed.blocked_ids, allowed.skip_unavailable
    for pos, value in liked:
        if len(out) >= need:
            return out
        if pos not in taken:
            item = items[pos]
            if item.id not in blocked and (item.available or not skip):  # Allowed.allows
                out.append((value / top * 1e-3, pos, "popular", None))  # below every ranked item
                taken.add(pos)
    everything = (1 << len(catalog.items)) - 1
    for pos in set_bits(everything & ~allowed.blocked, need + len(taken)):
        if len(out) >= need:
            break
        if pos not in taken:
            out.append((0.0, pos, "selection", None))
    return out


def _surprises(
    catalog: Catalog,
    spec: RecommendSpec,
    signals: Signals,
    allowed: Allowed,
    tags: list[tuple[str, float]],
    liked: list[tuple[int, float]],
    main: list[Ranked],
) -> list[Ranked]:
    if not tags:  # nothing known about the visitor: nothing to differ from
        return []
    when = signals.now if signals.day is None else signals.day * serendipity.DAY  # (its day)
    count = serendipity.how_many(spec.items, spec.serendipity, signals.visitor, when)
    if count <= 0:
        return []
    page = signals.current or ""  # the pick is per visitor, day and page; the count per day
    positions = serendipity.draw(
        catalog,
        count,
        frozenset(dict(tags[:TOP_FOR_SURPRISE])),  # the top tags
        allowed,
        set(map(_POSITION, main)),
        liked,
        signals.visitor,
        when,
        page,
    )
    return [(0.0, pos, "serendipity", None) for pos in positions]
