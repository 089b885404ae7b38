from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omotenashi.engine.facts import Facts
from omotenashi.engine.profile import Profile
from omotenashi.engine.recommending import signals_for
from omotenashi.recommend import Catalog, Item, RecommendSpec, Signals, recommend
from omotenashi.recommend.coview import (
    CO_HALF_LIFE,
    CO_KEEP,
    CO_WINDOW,
    LANDMARK,
    POPULAR_HALF_LIFE,
    RECENT,
    SCALE,
    Learner,
    also_to_co_views,
    decayed,
    learn_from_view,
    log_add,
    log_increment,
    long_part,
    pair_member,
    pair_part,
    pair_sides,
    pairs_for_view,
    relative,
    supported,
    trim,
)
from omotenashi.recommend.signals import Shared

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


def test_a_view_that_no_longer_counts_still_keeps_the_visitor_s_own_candidates() -> None:
    viewed = {"a": T0 - 30 * DAY, "b": T0 - 60}
    learning = learn_from_view(
        viewed, "a", T0, {"b": 1.0}, known={"a", "b"}, cookie=True, visits=3, new_visit=True,

    )  # fmt: skip
    assert learning is not None and not learning.shared and learning.learn == ""
    assert [member for member, _ in learning.also] == ["a>b"]
    # viewed before without being counted (the landing page, before the cookie): popular only
    landed = learn_from_view(
        {"a": T0 - 60}, "a", T0, {}, known={"a"}, cookie=True, visits=1, new_visit=False,
        uncounted={"a"},
    )  # fmt: skip
    assert landed is not None and landed.learn == "p:a" and not landed.also
    fresh = learn_from_view(
        {"b": T0 - 60}, "a", T0, {}, known={"a", "b"}, cookie=True, visits=3, new_visit=True
    )
    assert fresh is not None and fresh.shared and fresh.item == "a"
    full = learn_from_view(
        {"b": T0 - 60}, "a", T0, {}, known={"a", "b"}, cookie=True, visits=3, new_visit=True,
        full=True,
    )  # fmt: skip
    assert full is None  # nothing shared, no candidates: nothing to write


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
    assert learner.co["a"]["b"] == pytest.approx(log_increment(T0 + 60, CO_HALF_LIFE))


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


def test_trim_keeps_the_best_and_breaks_ties_by_member() -> None:
    scores = {"b": 1.0, "a": 1.0, "c": 3.0, "d": 0.5}
    trim(scores, 2)
    assert scores == {"c": 3.0, "a": 1.0}


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
        viewed,
        "a",
        T0,
        {"b": 1.0, "junk": 1.0},
        known={"a", "b"},
        cookie=cookie,
        visits=visits,
        new_visit=new_visit,
    )
    assert learning is not None  # the visitor's own pairs are always kept
    assert [item for item, _ in learning.popular] == popular
    assert {k: [m for m, _ in v] for k, v in learning.co.items()} == co
    assert [member for member, _ in learning.also] == ["a>b"]  # never a made-up neighbour


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


def test_a_visitor_s_pairs_name_items_by_short_codes_and_read_back_as_the_items() -> None:
    """A visitor's ``also`` pairs name each item by a code, two side by side in 12 characters
    (a pair of long ids over 64 bytes turned the set into Redis's larger encoding; ids of 12-14
    characters made a week-in profile's 50 pairs 1.1-1.5 KB): the catalogue's ``pair_names``
    gives the ids back, and also-viewed ranks with them as before."""
    catalog = Catalog(
        tuple(Item(id=i, url=f"/tours/{i}", title=i.title()) for i in (LONG_A, LONG_B, "b"))
    )
    learning = learn_from_view(
        {LONG_B: T0 - 60}, LONG_A, T0, {LONG_B: 1.0, "b": 0.5},
        known=catalog.position, cookie=True, visits=3, new_visit=True, parts=catalog.pair_parts,
    )  # fmt: skip
    assert learning is not None
    members = [member for member, _ in learning.also]
    assert members == [pair_member(pair_part(LONG_A), pair_part(i)) for i in (LONG_B, "b")]
    assert [len(m) for m in members] == [12, 12] and ">" not in members[0]
    assert catalog.pair_names[pair_part(LONG_A)] == LONG_A
    assert catalog.pair_names[pair_part(LONG_B)] == LONG_B
    kept = {m: round(x * SCALE) for m, x in learning.also}  # as LEARN_SCRIPT keeps them
    own = also_to_co_views(kept, catalog.pair_names)
    assert own == {LONG_A: {LONG_B: 1.0, "b": pytest.approx(0.5)}}
    signals = Signals(now=T0, viewed={LONG_A: T0 - 60}, co_views=own)
    spec = RecommendSpec.model_validate({"items": 2, "strategies": {"also_viewed": 1}})
    picks = recommend(catalog, spec, signals)
    assert [p.item.id for p in picks] == [LONG_B, "b"]


def test_pairs_written_before_codes_still_read_and_count_once_beside_coded_ones() -> None:
    """A profile written by the release before names items by their ids (a long one by a
    16-hex digest): both read back, and a pair kept in both forms counts once."""
    catalog = Catalog(tuple(Item(id=i, url=f"/t/{i}", title=i) for i in (LONG_A, "kyoto-autumn")))
    old = f"{long_part(LONG_A)}>kyoto-autumn"
    new = pair_member(pair_part(LONG_A), pair_part("kyoto-autumn"))
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
    stale = {pair_member(pair_part(first), pair_part("other")): 1.0}
    assert also_to_co_views(stale, catalog.pair_names) == {pair_part(first): {"other": 1.0}}
    assert pair_sides(next(iter(stale))) == (pair_part(first), pair_part("other"))


def test_the_page_s_own_co_views_win_over_the_visitor_s_pairs_for_the_same_seed() -> None:
    catalog = Catalog(tuple(Item(id=i, url=f"/t/{i}", title=i) for i in (LONG_A, "x", "y")))
    profile = Profile(
        also={f"{pair_part(LONG_A)}>x": 1.0, pair_member(pair_part(LONG_A), "~zzzzzz"): 2}
    )
    got = signals_for(
        "v", T0, profile, Facts(), Shared(co_views={LONG_A: {"y": 1.0}}), [LONG_A],
        personal=True, names=catalog.pair_names,
    ).co_views  # fmt: skip
    assert got == {LONG_A: {"y": 1.0}}  # as a short id's own pairs are replaced by the page's
