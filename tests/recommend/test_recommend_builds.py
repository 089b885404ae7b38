"""Records ranking builds without their ``__init__`` (a few per page) are the records ``__init__``
builds, and the serendipity seeds it remembers are those of exactly the text they are asked of
(a cache bounded in size, never answering for another visitor, day, page or purpose)."""

from __future__ import annotations

import dataclasses
import hashlib
from typing import Any

import pytest

from omotenashi.engine.facts import Facts
from omotenashi.engine.profile import Profile
from omotenashi.engine.recommending import signals_for
from omotenashi.recommend import serendipity
from omotenashi.recommend.catalog import Catalog, Item
from omotenashi.recommend.coview import POPULAR_HALF_LIFE
from omotenashi.recommend.signals import Pick, Shared, Signals, pick
from omotenashi.recommend.strategies import Allowed

NOW = 1_760_000_000.0
CATALOG = Catalog(
    (
        Item(id="kyoto", url="/tours/kyoto", title="Kyoto", tags=("japan",)),
        Item(id="nara", url="/tours/nara", title="Nara", tags=("japan",), available=False),
    )
)


def frozen_same(quick: Any, plain: Any) -> None:
    assert type(quick) is type(plain)
    assert vars(quick) == vars(plain)
    assert list(vars(quick)) == list(vars(plain))  # (the fields in their order: repr, asdict)
    assert repr(quick) == repr(plain)
    with pytest.raises(dataclasses.FrozenInstanceError):
        quick.now = 0.0


@pytest.mark.parametrize(
    ("personal", "history_off", "items"),
    [
        (True, False, ["kyoto"]),
        (True, False, []),
        (False, False, ["nara"]),
        (True, True, ["kyoto"]),
    ],
)
def test_signals_are_what_their_init_builds(
    personal: bool, history_off: bool, items: list[str]
) -> None:
    profile = Profile(viewed={"nara": NOW - 60}, purchased=frozenset({"kyoto"}), cart={"nara": 1})
    facts = Facts(interests={"japan": 2.0})
    shared = Shared(popular={"kyoto": 1.0}, co_views={"kyoto": {"nara": 1.0}})
    made = signals_for(
        "v1", NOW, profile, facts, shared, items, personal=personal, history_off=history_off
    )
    own = personal and not history_off
    plain = Signals(
        now=NOW,
        visitor="v1",
        day=int(NOW // 86400),
        personal=personal,
        interests={"japan": 2.0} if own else {},
        viewed={} if history_off else {"nara": NOW - 60},
        co_views={"kyoto": {"nara": 1.0}} if personal else {},
        popular={"kyoto": 1.0},
        popular_half_life_days=POPULAR_HALF_LIFE / 86400,
        purchased=frozenset({"kyoto"}),
        cart=frozenset({"nara"}),
        current=items[0] if items else None,
        page_items=frozenset(items),
    )
    frozen_same(made, plain)


@pytest.mark.parametrize(
    ("ids", "skip", "blocked"),
    [
        (["kyoto"], False, 0b01),
        (["kyoto", "gone"], True, 0b11),
        ([], True, 0b10),
        ([], False, 0),
    ],
)
def test_allowed_is_what_its_init_builds(ids: list[str], skip: bool, blocked: int) -> None:
    made = Allowed.build(CATALOG, ids, skip)
    assert vars(made) == vars(Allowed(blocked, frozenset(ids), skip))
    assert list(vars(made)) == ["blocked", "blocked_ids", "skip_unavailable"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.blocked = 0  # type: ignore[misc]


@pytest.mark.parametrize("because", [None, "japan"])
def test_a_pick_is_what_its_init_builds(because: str | None) -> None:
    item = CATALOG.items[0]
    made = pick(item, "interests", "Because", 0.5, because)
    plain = Pick(item, "interests", "Because", 0.5, because)
    assert made == plain and hash(made) == hash(plain)
    assert list(vars(made)) == list(vars(plain)) and repr(made) == repr(plain)
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.score = 1.0  # type: ignore[misc]


def blake(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


# asked in this order: each differs from the one before it in one input, so a remembered seed
# whose key left that input out would answer for the one before
ASKED = [
    ("v1", NOW, "count", ""),
    ("v2", NOW, "count", ""),
    ("v2", NOW + 86400, "count", ""),
    ("v2", NOW + 86400, "pick", ""),
    ("v2", NOW + 86400, "pick", "kyoto"),
    ("v2", NOW + 86400, "pick", "nara"),
    ("v2", NOW + 60, "pick", "nara"),  # (another day)
]


def test_remembered_seeds_are_each_texts_own() -> None:
    serendipity._hashed.cache_clear()
    for _ in range(2):  # (the second time, remembered)
        for visitor, now, purpose, page in ASKED:
            day = int(now // serendipity.DAY)
            expected = blake(f"{visitor}|{day}|{page}|{purpose}")
            assert serendipity._seed(visitor, now, purpose, page) == expected
    assert serendipity._hashed.cache_info().hits == len(ASKED)


def test_remembered_seeds_are_bounded() -> None:
    serendipity._hashed.cache_clear()
    limit = serendipity._hashed.cache_info().maxsize
    assert limit is not None
    for k in range(limit + 50):
        serendipity._seed(f"visitor{k}", NOW, "count")
    assert serendipity._hashed.cache_info().currsize == limit
