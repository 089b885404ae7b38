"""What a request gets from the shared reads (``Recs.shared``): the popular items of the
last read of them (cached between reads), the page item's co-views when they were read, and
nothing else; a request that read nothing shared gets the cached popular items and no
co-views, and sees a newer read of the popular items at once."""

from __future__ import annotations

import math

import pytest

from omotenashi.recommend.coview import CO_HALF_LIFE, POPULAR_HALF_LIFE, log_increment
from omotenashi.recommend.signals import Shared
from omotenashi.store.recs import Recs

NOW = 1_800_000_000.0


def views(count: float, half_life: float) -> float:
    """The log score of ``count`` views made now."""
    return log_increment(NOW, half_life) + math.log2(count)


def week(pairs: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """This week's key for ``pairs``: five first views each (what "this week" needs)."""
    return [(member, math.log2(5)) for member, _ in pairs]


def seen(shared: Shared) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """What a Shared holds (it compares by identity), to nine decimals."""
    co = {k: {m: round(w, 9) for m, w in v.items()} for k, v in shared.co_views.items()}
    return {k: round(w, 9) for k, w in shared.popular.items()}, co


def made(
    popular: dict[str, float], co: dict[str, dict[str, float]]
) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    return popular, co


def test_nothing_read_and_nothing_cached_is_empty() -> None:
    recs = Recs("p")
    for current in (None, "", "item-1"):
        shared = recs.shared([], [], current, NOW)
        assert seen(shared) == made({}, {}) and shared.empty


def test_a_request_that_reads_nothing_gets_the_last_popular_read() -> None:
    recs = Recs("p")
    pop = [("a", views(8, POPULAR_HALF_LIFE)), ("b", views(16, POPULAR_HALF_LIFE))]
    first = recs.shared(["pop", "week"], [pop, week(pop)], None, NOW)
    assert seen(first) == made({"a": 0.5, "b": 1.0}, {})
    for current in (None, "a", "x"):
        assert seen(recs.shared([], [], current, NOW)) == seen(first)
    few = [("c", views(2, POPULAR_HALF_LIFE)), ("d", views(6, POPULAR_HALF_LIFE))]
    assert recs.shared(["pop", "week"], [few, week(few)], None, NOW).popular == pytest.approx(
        {"d": 1.0}
    )
    assert seen(recs.shared([], [], None, NOW)) == made({"d": 1.0}, {})
    assert recs.shared(["pop", "week"], [[], []], None, NOW).popular == pytest.approx({})
    assert seen(recs.shared([], [], "a", NOW)) == made({}, {})


def test_the_page_items_co_views_are_its_own_request_only() -> None:
    recs = Recs("p")
    pop = [("a", views(8, POPULAR_HALF_LIFE))]
    co = [("b", views(4, CO_HALF_LIFE)), ("c", views(1, CO_HALF_LIFE))]
    both = recs.shared(["co", "pop", "week"], [co, pop, week(pop)], "x", NOW)
    assert seen(both) == made({"a": 1.0}, {"x": {"b": 1.0}})
    assert seen(recs.shared(["co"], [co], None, NOW)) == made({"a": 1.0}, {})
    assert recs.shared(["co"], [[]], "x", NOW).co_views == {}
    assert seen(recs.shared([], [], "x", NOW)) == made({"a": 1.0}, {})


def test_popular_now_is_of_this_week_s_first_views_alone() -> None:
    # (recs60: "a" decayed past five from views weeks ago, none this week: not popular now)
    recs = Recs("p")
    pop = [("a", views(15, POPULAR_HALF_LIFE)), ("b", views(8, POPULAR_HALF_LIFE))]
    now = [("b", math.log2(5)), ("c", math.log2(9)), ("a", math.log2(4))]
    assert seen(recs.shared(["pop", "week"], [pop, now], None, NOW)) == made({"b": 1.0}, {})
