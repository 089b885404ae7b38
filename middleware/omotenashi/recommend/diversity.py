"""Keep a list varied: at most K items per tag, or maximal marginal relevance (MMR)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from omotenashi.recommend.catalog import Item


def per_tag(ranked: Sequence[tuple[float, Item]], n: int, k: int) -> list[int]:
    """Indexes into ``ranked`` (best first): greedily, no tag more than ``k`` times.

    When the rule leaves fewer than ``n`` items, the best of the skipped ones fill the
    list (a full slot with a repeat beats a half-empty one).
    """
    return per_tag_of([item.tags for _, item in ranked], n, k)


def per_tag_of(tag_lists: Iterable[tuple[str, ...]], n: int, k: int) -> list[int]:
    """:func:`per_tag` of the items' tags alone, best first (read only as far as needed)."""
    if n <= 0:
        return []
    counts: dict[str, int] = {}
    full: set[str] = set()  # the tags already ``k`` times in the list
    chosen: list[int] = []
    skipped: list[int] = []
    for index, tags in enumerate(tag_lists):
        if full.isdisjoint(tags):
            chosen.append(index)
            for tag in tags:
                counts[tag] = count = counts.get(tag, 0) + 1
                if count >= k:
                    full.add(tag)
            if len(chosen) >= n:  # (the rest is not read)
                return chosen
        else:
            skipped.append(index)
    chosen.extend(skipped[: n - len(chosen)])
    return chosen


def similarity(a: Item, b: Item) -> float:
    """Jaccard similarity of two items' tags."""
    if not a.tags or not b.tags:
        return 0.0
    sa, sb = set(a.tags), set(b.tags)
    return len(sa & sb) / len(sa | sb)


def mmr(ranked: Sequence[tuple[float, Item]], n: int, lam: float) -> list[int]:
    """Indexes into ``ranked``: each next item maximises λ·relevance − (1−λ)·max similarity.

    Relevance is the score over the best score, so λ means the same for every strategy.
    """
    if not ranked:
        return []
    top = ranked[0][0] or 1.0
    chosen: list[int] = []
    left = list(range(len(ranked)))
    while left and len(chosen) < n:
        best_index, best_value = left[0], float("-inf")
        for index in left:
            score, item = ranked[index]
            penalty = max((similarity(item, ranked[c][1]) for c in chosen), default=0.0)
            value = lam * score / top - (1 - lam) * penalty
            if value > best_value:
                best_index, best_value = index, value
        chosen.append(best_index)
        left.remove(best_index)
    return chosen
