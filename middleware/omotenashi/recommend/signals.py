"""What ranking sees (the visitor's signals, read with the profile) and what it returns."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from omotenashi.recommend.catalog import Item

Source = Literal[
    "interests", "also_viewed", "popular", "recently_viewed", "serendipity", "selection"
]


@dataclass(frozen=True, eq=False)
class Signals:
    """Everything a recommendation may depend on, already read; ``now`` is the clock.

    ``personal`` is False for visitors without a usable profile (bots, Global Privacy
    Control, no consent) and on fresh page views: they get ``popular`` only; ``viewed``,
    ``cart`` and ``purchased`` then only filter (what they hold for a private visitor is
    empty). A new visitor is personal with an empty history: on an item page the item's own
    co-views ("Often viewed with <this item>") count, elsewhere popular items. A visitor who
    switched their browsing history off has empty ``interests`` and ``viewed`` and only the
    page's item in ``co_views``.
    """

    now: float
    visitor: str = ""  # a stable, opaque key: seeds the serendipity draw per visitor and day
    day: int | None = None  # the site's day (engine/periods.py), the draw's; None: UTC's
    personal: bool = True
    interests: Mapping[str, float] = field(default_factory=dict)  # topic → decayed score
    viewed: Mapping[str, float] = field(default_factory=dict)  # item → when (epoch seconds)
    co_views: Mapping[str, Mapping[str, float]] = field(default_factory=dict)  # seed → {item: w}
    popular: Mapping[str, float] = field(default_factory=dict)  # item → decayed score
    popular_half_life_days: float = 3.5
    purchased: frozenset[str] = frozenset()
    cart: frozenset[str] = frozenset()
    current: str | None = None  # the item on this page (its first, when it names several)
    page_items: frozenset[str] = frozenset()  # every item the page names (left out: current)


@dataclass(frozen=True, eq=False)
class Shared:
    """What everyone's views taught, read with the profile: relative weights in (0, 1]."""

    popular: Mapping[str, float] = field(default_factory=dict)  # item → weight
    co_views: Mapping[str, Mapping[str, float]] = field(default_factory=dict)  # the page's item
    # the visitor's own pairs (coview.own_co_views), seed → {item: w}, from the co lists of
    # their latest viewed items (store/seeds.py): empty for a visitor they are not worked out for
    own: Mapping[str, Mapping[str, float]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (self.popular or self.co_views)


@dataclass(frozen=True)
class Pick:
    """One recommended item and the true reason it is there."""

    item: Item
    source: Source  # the strategy that contributed most (or serendipity / selection)
    reason: str  # a sentence for the visitor: "Because you viewed Kyoto in autumn"
    score: float
    because: str | None = None  # the tag or the item behind the reason, if any

    def as_dict(self) -> dict[str, object]:
        """What a snippet sees for one item."""
        item = self.item
        return {
            "id": item.id,
            "url": item.url,
            "title": item.title,
            "image": item.image,
            "tags": list(item.tags),
            "price": item.price,
            "reason": self.reason,
            "source": self.source,
        }


def pick(item: Item, source: Source, reason: str, score: float, because: str | None = None) -> Pick:
    """``Pick(item, source, reason, score, because)``, its fields filled in directly (as
    omotenashi/quick.py does, without its keyword arguments' dict: its frozen ``__init__``
    sets each field through ``object.__setattr__``; tests/recommend/test_recommend_builds.py
    holds it to what ``__init__`` builds)."""
    new = _new(Pick)
    fields = new.__dict__
    fields["item"], fields["source"], fields["reason"] = item, source, reason
    fields["score"], fields["because"] = score, because
    return new


_new = object.__new__
