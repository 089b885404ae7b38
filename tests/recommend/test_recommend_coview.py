from __future__ import annotations

import math
import time

import pytest
import redis
from hypothesis import given
from hypothesis import strategies as st

from omotenashi.engine.facts import Facts
from omotenashi.engine.profile import Profile
from omotenashi.engine.recommending import signals_for
from omotenashi.recommend import Catalog, Item, RecommendSpec, Signals, recommend
from omotenashi.recommend.coview import (
    ALSO_KEEP,
    CO_HALF_LIFE,
    CO_KEEP,
    CO_WINDOW,
    LANDMARK,
    POPULAR_HALF_LIFE,
    RECENT,
    SEED_NEIGHBOURS,
    Learner,
    also_to_co_views,
    decayed,
    learn_from_view,
    log_add,
    log_increment,
    long_part,
    own_co_views,
    pair_part,
    pair_sides,
    pairs_for_view,
    relative,
    seeds_of,
    supported,
    trim,
)
from omotenashi.recommend.signals import Shared
from omotenashi.store.recs import LEARN_SCRIPT, SHARED

DAY = 86400.0
T0 = LANDMARK + 400 * DAY


@given(st.floats(-60, 60), st.floats(-60, 60))
def test_log_add_adds_in_log_space(a: float, b: float) -> None:
    assert log_add(a, b) == pytest.approx(math.log2(2**a + 2**b))
    assert log_add(a, b) == log_add(b, a)


@pytest.mark.parametrize(("a", "b"), [(None, 3.0), (5000.0, 5000.0), (1e6, -1e6)])
def test_log_add_never_overflows(a: float | None, b: float) -> None:
    expected = b if a is None else max(a, b) + (1.0 if a == b else 0.0)
    assert log_add(a, b) == pytest.approx(expected)


def test_forward_decay_is_the_classic_decayed_count() -> None:
    score = None
    for days_ago in (0, 3.5, 7):  # views a week ago, half a week ago and now
        score = log_add(score, log_increment(T0 - days_ago * DAY, POPULAR_HALF_LIFE))
    assert score is not None
    assert decayed(score, T0, POPULAR_HALF_LIFE) == pytest.approx(1 + 0.5 + 0.25)


def test_relative_weights_put_the_best_at_one() -> None:
    assert relative([("a", 10.0), ("b", 9.0), ("c", 7.0)]) == {"a": 1.0, "b": 0.5, "c": 0.125}
    assert relative([]) == {}


@pytest.mark.parametrize(
    ("viewed", "item", "counts", "partners"),
    [
        ({}, "a", True, []),
        ({"a": T0 - 60}, "a", False, []),  # a reload within the window counts once
        ({"a": T0 - 30 * DAY}, "a", False, []),  # a visitor counts an item once, ever
        ({"b": T0 - 60, "c": T0 - 120, "d": T0 - CO_WINDOW - 1}, "a", True, ["b", "c"]),
    ],
)
def test_which_views_count_and_what_they_pair_with(
    viewed: dict[str, float], item: str, counts: bool, partners: list[str]
) -> None:
    assert pairs_for_view(viewed, item, T0) == (counts, partners)
    assert pairs_for_view(viewed, item, T0, full=True) == (False, [])  # the list overflowed


def test_a_view_that_no_longer_counts_teaches_nothing_and_nothing_of_the_visitor_s_is_kept() -> (
    None
):
    viewed = {"a": T0 - 30 * DAY, "b": T0 - 60}
    learning = learn_from_view(
        viewed, "a", T0, known={"a", "b"}, cookie=True, visits=3, new_visit=True
    )
    assert learning is None  # (it wrote the visitor's own pairs: their "also" key, until 48)
    # viewed before without being counted (the landing page, before the cookie): popular only
    landed = learn_from_view(
        {"a": T0 - 60}, "a", T0, known={"a"}, cookie=True, visits=1, new_visit=False,
        uncounted={"a"},
    )  # fmt: skip
    assert landed is not None and landed.learn == "p:a" and not landed.co
    fresh = learn_from_view(
        {"b": T0 - 60}, "a", T0, known={"a", "b"}, cookie=True, visits=3, new_visit=True
    )
    assert fresh is not None and fresh.co and fresh.item == "a"
    full = learn_from_view(
        {"b": T0 - 60}, "a", T0, known={"a", "b"}, cookie=True, visits=3, new_visit=True,
        full=True,
    )  # fmt: skip
    assert full is None  # nothing shared: nothing to write


def test_only_the_most_recent_views_pair() -> None:
    viewed = {f"i{k}": T0 - 60 * (k + 1) for k in range(RECENT + 5)}
    _, partners = pairs_for_view(viewed, "new", T0)
    assert partners == [f"i{k}" for k in range(RECENT)]


def test_co_views_are_symmetric_and_popularity_counts_views() -> None:
    learner = Learner()
    learner.view({}, "a", T0)
    learner.view({"a": T0}, "b", T0 + 60)
    learner.view({"a": T0, "b": T0 + 60}, "b", T0 + 120)  # a reload: nothing more
    assert learner.co_weights(["a", "b", "c"]) == {"a": {"b": 1.0}, "b": {"a": 1.0}}
    assert set(learner.popular_weights()) == {"a", "b"}
    # (the day of the co-view, not its moment: erase54)
    assert learner.co["a"]["b"] == pytest.approx(log_increment(T0, CO_HALF_LIFE))


@pytest.mark.parametrize("moment", [0.0, 1.25, 3599.999, 3600.0, 7 * 3600 + 59.5])
def test_the_shared_keys_learn_the_hour_and_the_day_of_a_view_not_its_moment(
    moment: float,
) -> None:
    """erase54: a score written to ``rec:pop`` or ``rec:co:*`` gave back a view's time to the
    microsecond, so copies of the keys taken before and after an erase gave it back."""
    now = T0 + moment
    learned = learn_from_view(
        {"a": now - 60}, "b", now, known={"a", "b"}, cookie=True, visits=2, new_visit=False
    )
    assert learned is not None
    hour = T0 + moment // 3600 * 3600
    assert learned.popular == [("b", log_increment(hour, POPULAR_HALF_LIFE))]
    assert learned.co == {
        "b": [("a", log_increment(T0, CO_HALF_LIFE))],
        "a": [("b", log_increment(T0, CO_HALF_LIFE))],
    }


def test_memory_is_bounded_and_fresh_pairs_displace_stale_ones() -> None:
    learner = Learner()
    for k in range(CO_KEEP + 20):  # old pairs with "hub", each seen twice long ago
        for step in range(2):
            now = T0 + k + step * CO_WINDOW * 2
            learner.view({"hub": now - 1}, f"old{k}", now)
    assert len(learner.co["hub"]) == CO_KEEP
    later = T0 + 120 * DAY  # four half-lives later, one fresh view outweighs two stale ones
    learner.view({"hub": later - 1}, "fresh", later)
    assert len(learner.co["hub"]) == CO_KEEP
    assert max(learner.co["hub"], key=lambda m: learner.co["hub"][m]) == "fresh"


def test_trim_keeps_the_best_and_breaks_ties_as_the_learning_script_does(
    omotenashi_redis: redis.Redis,
) -> None:
    """eye54: of a tie the script's ZREMRANGEBYRANK dropped the smaller member and this (the
    offline evaluation's reference) kept it; hour and day grains make ties common."""
    scores = {"b": 1.0, "a": 1.0, "c": 3.0, "d": 0.5, "é": 1.0, "z": 1.0}
    key, at = "omo:rec:co:ties", int(time.time()) + 60
    omotenashi_redis.delete(key)
    for member, score in scores.items():
        omotenashi_redis.eval(LEARN_SCRIPT, 1, key, 3, at, SHARED, member, score)
    kept = dict(omotenashi_redis.zrange(key, 0, -1, withscores=True))
    trim(scores, 3)
    assert scores == kept == {"c": 3.0, "é": 1.0, "z": 1.0}


@pytest.mark.parametrize(
    ("cookie", "visits", "new_visit", "popular", "co"),
    [
        (True, 2, False, ["a"], {"a": ["b"], "b": ["a"]}),  # a returning visitor: both
        (True, 1, True, ["a"], {"a": ["b"], "b": ["a"]}),  # the first view of a second visit
        (True, 1, False, ["a"], {}),  # still on the first visit: no co-views
        (False, 0, True, [], {}),  # no cookie came with the request: nothing shared
    ],
)
def test_only_catalogue_ids_cookies_and_returning_visitors_teach(
    cookie: bool, visits: int, new_visit: bool, popular: list[str], co: dict[str, list[str]]
) -> None:
    viewed = {"b": T0 - 60, "junk": T0 - 30, "gone": T0 - 20}
    learning = learn_from_view(
        viewed, "a", T0, known={"a", "b"}, cookie=cookie, visits=visits, new_visit=new_visit
    )
    assert [item for item, _ in learning.popular] == popular if learning else not popular
    assert ({k: [m for m, _ in v] for k, v in learning.co.items()} if learning else {}) == co


@pytest.mark.parametrize(
    ("views", "least", "kept"), [(2, 3.0, False), (3, 3.0, True), (4, 5.0, False), (5, 5.0, True)]
)
def test_support_needs_that_many_views(views: int, least: float, kept: bool) -> None:
    score = None
    for k in range(views):  # views over the last hours: each has decayed a little
        score = log_add(score, log_increment(T0 - k * 3600, POPULAR_HALF_LIFE))
    assert score is not None
    assert bool(supported([("a", score)], T0, POPULAR_HALF_LIFE, least)) is kept


LONG_A = "a-week-in-the-japanese-alps-walking-the-nakasendo-trail"  # 55 bytes
LONG_B = "hokkaido-snow-festival-with-the-family-in-february"


COLLIDING = ("tour-38147", "tour-301346")  # one code, "~J4DsLH" (found by a birthday search)


def _coded(seed: str, item: str) -> str:
    """An ``also`` member as releases 39-47 wrote it (two codes side by side, no ``~``)."""
    return seed[1:] + item[1:]


def test_a_visitor_s_pairs_come_from_the_co_lists_of_their_latest_viewed_items() -> None:
    """The visitor's own pairs are worked out when read, from the shared co lists of their
    latest viewed catalogue items (none is kept per visitor): ``SEED_NEIGHBOURS`` of each
    seed, never the seed itself nor an item the catalogue lost, a seed viewed longer ago
    weighing less, and also-viewed ranks with them by their ids."""
    catalog = Catalog(
        tuple(Item(id=i, url=f"/tours/{i}", title=i.title()) for i in (LONG_A, LONG_B, "b"))
    )
    viewed = {LONG_A: T0 - 60, "gone": T0 - 30, LONG_B: T0 - 40 * DAY}
    assert seeds_of(viewed, catalog.position) == [LONG_A, LONG_B]  # latest first, known only
    lists = {
        LONG_A: [("gone", 1.0), (LONG_A, 0.9), (LONG_B, 0.8), ("b", 0.4)],
        LONG_B: [("b", 1.0)],
    }
    own = own_co_views(viewed, lists, catalog.position)
    assert own == {LONG_A: {LONG_B: 1.0, "b": pytest.approx(0.5)}, LONG_B: {"b": 1.0}}
    signals = Signals(now=T0, viewed={LONG_A: T0 - 60}, co_views=own)
    spec = RecommendSpec.model_validate({"items": 2, "strategies": {"also_viewed": 1}})
    picks = recommend(catalog, spec, signals)
    assert [p.item.id for p in picks] == [LONG_B, "b"]
    # the catalogue still reads the codes an earlier release's "also" key named them by
    assert catalog.pair_names[pair_part(LONG_A)] == LONG_A


def test_own_pairs_take_so_many_per_seed_and_the_best_of_all_seeds() -> None:
    items = [f"i{k}" for k in range(200)]
    seeds = items[:RECENT]
    viewed = {s: T0 - k * DAY for k, s in enumerate(seeds)}  # the first, the latest
    lists = {s: [(o, 1.0) for o in items[100:130]] for s in seeds}  # alike: the view decides
    own = own_co_views(viewed, lists, set(items))
    assert all(len(pairs) <= SEED_NEIGHBOURS for pairs in own.values())
    assert sum(len(pairs) for pairs in own.values()) == ALSO_KEEP < RECENT * SEED_NEIGHBOURS
    assert set(own) == set(seeds[: ALSO_KEEP // SEED_NEIGHBOURS])  # the latest seeds' best
    assert own_co_views({}, lists, set(items)) == {}  # a list of an item not viewed: none


def test_pairs_written_before_codes_still_read_and_count_once_beside_coded_ones() -> None:
    """A profile written by the release before names items by their ids (a long one by a
    16-hex digest): both read back, and a pair kept in both forms counts once."""
    catalog = Catalog(tuple(Item(id=i, url=f"/t/{i}", title=i) for i in (LONG_A, "kyoto-autumn")))
    old = f"{long_part(LONG_A)}>kyoto-autumn"
    new = _coded(pair_part(LONG_A), pair_part("kyoto-autumn"))
    assert old != new and long_part(LONG_A).startswith("~") and len(long_part(LONG_A)) == 17
    got = also_to_co_views({old: 3.0, new: 400.0}, catalog.pair_names)  # (this one × SCALE)
    assert got == {LONG_A: {"kyoto-autumn": 1.0}}


def test_ids_whose_codes_meet_are_written_as_themselves() -> None:
    """Two ids of one catalogue with the same code (36 bits: a few in 100,000 items) would
    read back as each other: both are written as their long form instead, and the code names
    neither, so a pair written when only one of them was in the catalogue is dropped."""
    first, second = COLLIDING
    assert pair_part(first) == pair_part(second)
    catalog = Catalog(tuple(Item(id=i, url=f"/t/{i}", title=i) for i in (*COLLIDING, "other")))
    assert catalog.pair_parts == {first: first, second: second, "other": pair_part("other")}
    assert pair_part(first) not in catalog.pair_names
    stale = {_coded(pair_part(first), pair_part("other")): 1.0}
    assert also_to_co_views(stale, catalog.pair_names) == {pair_part(first): {"other": 1.0}}
    assert pair_sides(next(iter(stale))) == (pair_part(first), pair_part("other"))


def test_the_page_s_own_co_views_win_over_the_visitor_s_pairs_for_the_same_seed() -> None:
    profile = Profile(also={f"{pair_part(LONG_A)}>x": 1.0, _coded(pair_part(LONG_A), "~zzzzzz"): 2})
    shared = Shared(co_views={LONG_A: {"y": 1.0}}, own={LONG_A: {"x": 1.0}, "b": {"z": 1.0}})
    got = signals_for("v", T0, profile, Facts(), shared, [LONG_A], personal=True).co_views
    assert got == {LONG_A: {"y": 1.0}, "b": {"z": 1.0}}  # an "also" key kept is never ranked
    alone = signals_for("v", T0, profile, Facts(), Shared(), [LONG_A], personal=True)
    assert alone.co_views == {}
    off = signals_for("v", T0, profile, Facts(), shared, [LONG_A], personal=True, history_off=True)
    assert off.co_views == {LONG_A: {"y": 1.0}}  # the history off: the page's own only
