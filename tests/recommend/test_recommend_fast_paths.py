"""The shortcuts ranking takes give what the plain algorithms give, to the last bit.

Each shortcut is checked against the plain algorithm it stands for: the serendipity draw and
per-tag diversity against the code they replaced (short, copied here), interest scores against
their definition (the weights of an item's tags added in the order of the top tags, from 0.0),
bitsets against the positions they hold, the catalogue's kept ranking of the popular items
against a catalogue that never ranked any, and ``pick`` against ``Pick``.
"""

from __future__ import annotations

import dataclasses
import math
import random
import zlib
from collections.abc import Collection, Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from omotenashi.recommend import Catalog, Item, Pick, Signals, diversity, recommend, serendipity
from omotenashi.recommend.catalog import SMALL_MASK
from omotenashi.recommend.signals import pick
from omotenashi.recommend.strategies import Allowed, interests, ranked_popular, top_tags
from tests.recommend.exact_cases import TAGS, case, shown

NOW = 1_780_000_000.0


def _catalog(seed: int, size: int, distinct: bool = True) -> Catalog:
    rng = random.Random(seed)
    tags = TAGS[: rng.choice([2, 5, 14])]
    items = []
    for pos in range(size):
        item_id = f"i{pos}" if distinct or rng.random() < 0.8 else f"i{rng.randrange(pos + 1)}"
        own = tuple(rng.sample(tags, rng.randint(0, min(3, len(tags)))))
        items.append(
            Item(id=item_id, url="/", title=item_id, tags=own, available=rng.random() > 0.1)
        )
    return Catalog(tuple(items))


def _plain_draw(
    catalog: Catalog,
    count: int,
    top: Collection[str],
    allowed: Allowed,
    taken: Collection[int],
    liked: list[tuple[int, float]],
    visitor: str,
    now: float,
    page: str,
) -> list[int]:
    """serendipity.draw as it was before its shortcuts."""
    if count <= 0 or not top:
        return []
    items = catalog.items
    seen = set(taken)

    def fits(pos: int) -> bool:
        item = items[pos]
        return pos not in seen and allowed.allows(item) and serendipity.different(item, top)

    base = serendipity._seed(visitor, now, "pick", page) & 0xFFFFFFFF

    def rank(pos: int, weight: float = 1.0) -> float:
        u = (zlib.crc32(items[pos].id.encode(), base) + 1) / 2**32
        return -math.log(u) / weight

    best = liked[0][1] if liked else 1.0
    pool = {pos: w for pos, score in liked if (w := score / best) > 0 and fits(pos)}
    out = sorted(pool, key=lambda pos: rank(pos, pool[pos]))[:count]
    seen.update(out)
    if len(out) < count and items:
        looks = serendipity._looks(len(items), visitor, now, page)
        out += sorted((pos for pos in looks if fits(pos)), key=rank)[: count - len(out)]
    return out


@settings(max_examples=300, deadline=None)
@given(
    st.integers(0, 10**6),
    st.sampled_from([1, 2, 5, 13, 40, 64, 65, 150]),
    st.booleans(),
    st.integers(1, 4),
    st.integers(0, 3),
)
def test_the_draw_is_the_plain_draw(
    seed: int, size: int, distinct: bool, count: int, top_n: int
) -> None:
    catalog = _catalog(seed, size, distinct)
    rng = random.Random(seed)
    ids = [i.id for i in catalog.items] + ["gone"]
    allowed = Allowed.build(catalog, rng.sample(ids, min(3, len(ids))), rng.random() < 0.7)
    taken = set(rng.sample(range(size), min(size, rng.randint(0, 5))))
    popular = {
        i: rng.choice([1.0, 0.5, rng.random()])
        for i in rng.sample(ids, min(len(ids), rng.randint(0, 8)))
    }
    liked = ranked_popular(catalog, Signals(now=NOW, popular=popular))
    top = frozenset(rng.sample(TAGS, top_n))
    visitor, page = f"v{seed}", rng.choice(["", "i1"])
    drawn = serendipity.draw(catalog, count, top, allowed, taken, liked, visitor, NOW, page)
    assert drawn == _plain_draw(catalog, count, top, allowed, taken, liked, visitor, NOW, page)


def _plain_per_tag(tag_lists: Sequence[tuple[str, ...]], n: int, k: int) -> list[int]:
    """diversity.per_tag as it was before its shortcuts."""
    counts: dict[str, int] = {}
    chosen: list[int] = []
    skipped: list[int] = []
    for index, tags in enumerate(tag_lists):
        if len(chosen) >= n:
            break
        if all(counts.get(tag, 0) < k for tag in tags):
            chosen.append(index)
            for tag in tags:
                counts[tag] = counts.get(tag, 0) + 1
        else:
            skipped.append(index)
    chosen.extend(skipped[: n - len(chosen)])
    return chosen


@given(
    st.lists(st.lists(st.sampled_from(TAGS[:5]), max_size=4, unique=True), max_size=25),
    st.integers(1, 12),
    st.integers(1, 4),
)
def test_per_tag_diversity_is_the_plain_one(tags: list[list[str]], n: int, k: int) -> None:
    lists = [tuple(t) for t in tags]
    assert diversity.per_tag_of(iter(lists), n, k) == _plain_per_tag(lists, n, k)


@settings(max_examples=200, deadline=None)
@given(
    st.integers(0, 10**6),
    st.sampled_from([3, 13, 40, 150]),
    st.dictionaries(st.sampled_from(TAGS), st.floats(0.001, 50), max_size=9),
    st.integers(1, 30),
)
def test_interest_scores_add_the_top_tags_in_their_order(
    seed: int, size: int, weights: dict[str, float], limit: int
) -> None:
    """Whether the strategy took every item it reached or the best ``limit`` of them."""
    catalog = _catalog(seed, size)
    tags = top_tags(catalog, weights)
    allowed = Allowed.build(catalog, [f"i{seed % size}"], skip_unavailable=True)
    liked = ranked_popular(catalog, Signals(now=NOW, popular={f"i{seed % 7}": 1.0}))
    found = interests(catalog, tags, allowed, limit, liked)
    reached = [
        pos
        for pos, item in enumerate(catalog.items)
        if allowed.allows(item) and set(item.tags) & set(dict(tags))
    ]
    assert len(found) == min(limit, len(reached)) and set(found) <= set(reached)
    for pos, (score, because) in found.items():
        mine = [(t, w) for t, w in tags if t in catalog.items[pos].tags]
        total = 0.0
        for _, w in mine:
            total += w
        assert (score.hex(), because) == (total.hex(), mine[0][0])


@given(st.sampled_from([1, 7, SMALL_MASK, SMALL_MASK + 1, 1500]), st.data())
def test_bitsets_hold_the_positions_whatever_the_size(size: int, data: st.DataObject) -> None:
    catalog = Catalog(tuple(Item(id=f"i{p}", url="/", title="t") for p in range(size)))
    positions = data.draw(st.lists(st.integers(0, size - 1), max_size=40))
    want = sum(1 << p for p in set(positions))
    assert catalog.mask_at(positions) == want
    assert catalog.mask_of([f"i{p}" for p in positions] + ["gone"]) == want


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10**9), st.lists(st.integers(0, 10**9), min_size=1, max_size=4))
def test_the_kept_popular_ranking_follows_the_popular_scores(seed: int, others: list[int]) -> None:
    """A catalogue keeps the popular items it last ranked: equal scores (a copy, in another
    order) reuse them, other scores are ranked again, as a catalogue that never kept any."""
    catalog, spec, signals = case(seed)
    for other in others:
        _, other_spec, other_signals = case(other)
        for popular in (
            dict(reversed(list(signals.popular.items()))),  # equal, another order
            {**signals.popular, **dict(list(other_signals.popular.items())[:3])},  # changed
            {},
        ):
            mixed = dataclasses.replace(other_signals, popular=popular)
            fresh = Catalog(catalog.items, catalog.labels, catalog.source)
            assert shown(recommend(catalog, other_spec, mixed)) == shown(
                recommend(fresh, other_spec, mixed)
            )
            assert ranked_popular(catalog, mixed) == ranked_popular(fresh, mixed)
        assert shown(recommend(catalog, spec, signals)) == shown(
            recommend(Catalog(catalog.items, catalog.labels), spec, signals)
        )


def test_the_popular_items_are_ranked_once_for_the_same_scores() -> None:
    catalog, _, signals = case(5)
    first = ranked_popular(catalog, signals)
    assert first  # (the case has popular items)
    again = dataclasses.replace(signals, popular=dict(signals.popular), visitor="another")
    assert ranked_popular(catalog, again) is first
    changed = dataclasses.replace(signals, popular={**signals.popular, "t3-b": 99.0})
    assert ranked_popular(catalog, changed) is not first
    assert ranked_popular(catalog, changed)[0] == (catalog.position["t3-b"], 99.0)


def test_pick_makes_what_pick_s_own_constructor_makes() -> None:
    item = Item(id="a", url="/a", title="A", tags=("x",))
    made, plain = (
        pick(item, "interests", "Because", 0.5, "x"),
        Pick(item, "interests", "Because", 0.5, "x"),
    )
    assert (made, hash(made), repr(made), vars(made)) == (
        plain,
        hash(plain),
        repr(plain),
        vars(plain),
    )
    assert made.as_dict() == plain.as_dict()
    assert pick(item, "popular", "Popular", 1.0) == Pick(item, "popular", "Popular", 1.0)
    # what pick() leaves out of Pick's __init__ must stay nothing: no check, no slots
    assert [f.name for f in dataclasses.fields(Pick)] == [
        "item",
        "source",
        "reason",
        "score",
        "because",
    ]
    assert not hasattr(Pick, "__post_init__") and "__slots__" not in vars(Pick)


def test_past_the_limit_the_most_popular_of_a_part_come_first() -> None:
    catalog = Catalog(tuple(Item(id=f"i{p}", url="/", title="t", tags=("a",)) for p in range(30)))
    popular = {"i25": 0.9, "i3": 0.8, "i17": 0.7, "i8": 0.6}
    liked = ranked_popular(catalog, Signals(now=NOW, popular=popular))
    allowed = Allowed.build(catalog, ["i3"], skip_unavailable=True)
    assert list(interests(catalog, [("a", 1.0)], allowed, 3, liked)) == [25, 17, 8]
    assert list(interests(catalog, [("a", 1.0)], allowed, 6, liked)) == [25, 17, 8, 0, 1, 2]
    mine = [(25, 0.9), (8, 0.8), (25, 0.1)]  # a list of the caller's own (twice: the first counts)
    assert list(interests(catalog, [("a", 1.0)], allowed, 3, mine)) == [25, 8, 0]
