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

from omotenashi.recommend import diversity, serendipity
from omotenashi.recommend.catalog import Catalog
from omotenashi.recommend.reasons import reason
from omotenashi.recommend.signals import Pick, Signals, Source
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


def recommend(catalog: Catalog, spec: RecommendSpec, signals: Signals) -> list[Pick]:
    """Up to ``spec.items`` picks, best first, each with its reason."""
    n = spec.items
    if not catalog.items:
        return []
    allowed = _allowed(catalog, spec, signals)
    weights: dict[StrategyName, float] = (
        {name: w for name, w in spec.strategies.items() if w > 0}
        if signals.personal
        else {"popular": 1.0}
    )
    tags = top_tags(catalog, signals.interests) if signals.personal else []
    liked = ranked_popular(catalog, signals)
    ranked = _combined(catalog, signals, allowed, weights, tags, liked, limit=max(20, 4 * n))
    ranked.extend(_fallback(catalog, liked, allowed, ranked, need=2 * n - len(ranked)))
    pairs = [(score, catalog.items[pos]) for score, pos, _, _ in ranked]
    if spec.diversity is None:
        chosen = list(range(min(n, len(ranked))))
    elif spec.diversity.per_tag is not None:
        chosen = diversity.per_tag(pairs, n, spec.diversity.per_tag)
    else:
        chosen = diversity.mmr(pairs, n, spec.diversity.mmr or 0.0)
    main = [ranked[i] for i in chosen]
    surprises = _surprises(catalog, spec, signals, allowed, tags, liked, main)
    final = main[: n - len(surprises)]
    for at, entry in zip(serendipity.placements(n, len(surprises)), surprises, strict=True):
        final.insert(min(at, len(final)), entry)
    return [
        Pick(catalog.items[pos], source, reason(source, because, catalog, signals), score, because)
        for score, pos, source, because in final
    ]


def _allowed(catalog: Catalog, spec: RecommendSpec, signals: Signals) -> Allowed:
    excluded: list[str] = []
    if "current" in spec.exclude and signals.current:
        excluded.append(signals.current)
    # Filters hold for every visitor (they are not personalisation): a fresh page view still
    # never suggests what is in the cart or was just viewed.
    if "purchased" in spec.exclude:
        excluded.extend(signals.purchased)
    if "cart" in spec.exclude:
        excluded.extend(signals.cart)
    if "viewed" in spec.exclude:
        excluded.extend(signals.viewed)
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
    scored: dict[StrategyName, Scored] = {}
    for name in weights:
        if name == "interests":
            scored[name] = interests(catalog, tags, allowed, limit, liked)
        elif name == "also_viewed":
            scored[name] = also_viewed(catalog, signals, allowed)
        elif name == "popular":
            scored[name] = popular(catalog, liked, allowed)
        else:
            scored[name] = recently_viewed(catalog, signals, allowed)
    candidates: set[int] = set().union(*scored.values())
    if "interests" in scored:
        own, tag_weights = scored["interests"], dict(tags)
        for pos in candidates.difference(own):
            value, because = interest_score(catalog.items[pos], tag_weights)
            if value > 0:
                own[pos] = (value, because)
    totals: dict[int, float] = {}
    best: dict[int, tuple[float, Source, str | None]] = {}
    for name in STRATEGIES:  # in this order, so that equal parts name the first strategy
        entries = scored.get(name, {})
        top = max((v for v, _ in entries.values()), default=0.0)
        if top <= 0:
            continue
        factor = weights[name] / top
        for pos, (value, because) in entries.items():
            part = value * factor
            totals[pos] = totals.get(pos, 0.0) + part
            if part > best.get(pos, _NOTHING)[0]:
                best[pos] = (part, name, because)
    top_n = heapq.nsmallest(limit, ((-t, pos) for pos, t in totals.items() if t > 0))
    return [(-neg, pos, best[pos][1], best[pos][2]) for neg, pos in top_n]


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
    taken = {pos for _, pos, _, _ in ranked}
    out: list[Ranked] = []
    top = liked[0][1] if liked else 1.0
    for pos, value in liked:
        if len(out) >= need:
            return out
        if pos not in taken and allowed.allows(catalog.items[pos]):
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
    page = signals.current or ""  # the pick is per visitor, day and page; the count per day
    count = serendipity.how_many(spec.items, spec.serendipity, signals.visitor, signals.now)
    top = {tag for tag, _ in tags[:TOP_FOR_SURPRISE]}
    positions = serendipity.draw(
        catalog,
        count,
        top,
        allowed,
        {pos for _, pos, _, _ in main},
        liked,
        signals.visitor,
        signals.now,
        page,
    )
    return [(0.0, pos, "serendipity", None) for pos in positions]
