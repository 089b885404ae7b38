"""Varied ranking inputs from a seed, and what ranking returned for them, as comparable text.

Every case draws from its own ``random.Random(seed)``, so adding cases moves none: catalogues
of 0 to 300 items (few or many tags, sold-out items, labels, long ids), visitors with or
without interests, views (future, old, underflowing), co-views, popular items, carts and
purchases, and specs with every strategy, filter, diversity and serendipity share. Many
weights repeat, so that ties (and how they are broken) are exercised.
"""

from __future__ import annotations

import hashlib
import json
import random

from omotenashi.recommend import Catalog, Item, Pick, RecommendSpec, Signals
from omotenashi.rules.recommend import STRATEGIES

NOW = 1_780_000_000.0
DAY = 86400.0
TAGS = [
    "japan", "kyoto", "beach", "family", "city", "winter", "food", "art-deco",
    "wild_life", "culture", "couple", "hiking", "spa", "islands",
]  # fmt: skip
SIZES = [0, 1, 2, 3, 5, 8, 13, 13, 20, 40, 64, 65, 100, 150, 300]
WEIGHTS = [0.0, 0.5, 1.0, 1.0, 2.0, 3.0, 1e-9, -1.0]
AGES = [0.0, 600.0, 3600.0, DAY, 2 * DAY, 7 * DAY, 30 * DAY, -600.0, 1e9]
CO = [1.0, 1.0, 0.5, 0.2, 0.0, -0.5, 1e-300, 3.0]


def _catalog(rng: random.Random) -> Catalog:
    size = rng.choice(SIZES)
    tags = TAGS[: rng.choice([1, 3, 6, 14])]
    items = []
    for pos in range(size):
        item_id = f"t{pos}-" + ("x" * 95 if rng.random() < 0.05 else rng.choice("abc"))
        own = rng.sample(tags, rng.randint(0, min(4, len(tags))))
        items.append(
            Item(
                id=item_id,
                url=f"/tours/{item_id}",
                title=f"Tour {pos}",
                tags=tuple(own),
                price=rng.choice([None, 100.0, 2390.0]),
                available=rng.random() > 0.1,
            )
        )
    labels = {t: t.upper() for t in tags if rng.random() < 0.4}
    return Catalog(tuple(items), labels, "cases")


def _ids(rng: random.Random, catalog: Catalog, most: int) -> list[str]:
    pool = [i.id for i in catalog.items] + ["gone", "never-heard"]
    return [rng.choice(pool) for _ in range(rng.randint(0, most))]


def _weight(rng: random.Random) -> float:
    return (
        rng.choice(WEIGHTS) if rng.random() < 0.6 else round(rng.uniform(0, 5), rng.randint(0, 6))
    )


def _signals(rng: random.Random, catalog: Catalog) -> Signals:
    now = NOW + rng.uniform(0, 10 * DAY)
    viewed = {i: now - rng.choice(AGES) for i in _ids(rng, catalog, 6)}
    current = rng.choice([None, None, "gone", *_ids(rng, catalog, 1)])
    seeds = [*viewed, current or "gone", "gone"]
    co_views = {
        seed: {i: rng.choice(CO) for i in _ids(rng, catalog, 8)}
        for seed in rng.sample(seeds, rng.randint(0, len(seeds)))
    }
    return Signals(
        now=now,
        visitor=rng.choice(["", "v1", "a-visitor", f"{rng.getrandbits(64):x}"]),
        personal=rng.random() < 0.85,
        interests={t: _weight(rng) for t in rng.sample([*TAGS, "nowhere"], rng.randint(0, 9))},
        viewed=viewed,
        co_views=co_views,
        popular={i: _weight(rng) for i in _ids(rng, catalog, 12)},
        popular_half_life_days=rng.choice([0.5, 3.5, 7.0, 30.0]),
        purchased=frozenset(_ids(rng, catalog, 2)),
        cart=frozenset(_ids(rng, catalog, 2)),
        current=current,
    )


PINNED_FILTERS = ("current", "purchased", "cart", "unavailable")


def _spec(rng: random.Random) -> RecommendSpec:
    names = rng.sample(STRATEGIES, rng.randint(1, 4))
    strategies = {name: rng.choice([0.0, 0.2, 0.3, 0.5, 1.0, 1.0, 2.0]) for name in names}
    if not any(strategies.values()):
        strategies[names[0]] = 1.0
    # (the filters the cases were pinned with: on_page, added since, needs a page, not drawn)
    exclude = [e for e in PINNED_FILTERS if rng.random() < 0.8]
    if rng.random() < 0.3 and not strategies.get("recently_viewed"):
        exclude.append("viewed")
    diversity = rng.choice(
        [None, None, {"per_tag": 1}, {"per_tag": 2}, {"per_tag": 3}, {"mmr": 0.0}, {"mmr": 0.7}]
    )
    return RecommendSpec.model_validate(
        {
            "items": rng.choice([1, 2, 3, 4, 4, 5, 8, 12]),
            "strategies": strategies,
            "exclude": exclude,
            "diversity": diversity,
            "serendipity": rng.choice([0.0, 0.1, 0.2, 0.25, 0.5]),
        }
    )


def case(seed: int) -> tuple[Catalog, RecommendSpec, Signals]:
    rng = random.Random(seed)
    catalog = _catalog(rng)
    return catalog, _spec(rng), _signals(rng, catalog)


def shown(picks: list[Pick]) -> list[tuple[str, str, str, str, str | None]]:
    """Each pick as compared: id, source, reason, the exact score (``float.hex``), because."""
    return [(p.item.id, p.source, p.reason, p.score.hex(), p.because) for p in picks]


def digest(picks: list[Pick]) -> str:
    return hashlib.sha256(json.dumps(shown(picks)).encode()).hexdigest()[:16]
