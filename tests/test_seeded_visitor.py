"""``omotenashi_visitor`` for a suite testing a site where it runs: no rules folder here is
no holdout to choose by default (an error only when arms are asked for), and its visitor is
steady over the page views a test makes, up to a high fresh share."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import redis

from omotenashi.engine.restraint import is_fresh
from omotenashi.errors import CommandError
from omotenashi.settings import RulesSettings, Settings
from omotenashi.store.store import Store
from omotenashi.testing import SeededVisitor, choose_vid


@pytest.mark.parametrize(
    ("holdouts", "refused"),
    [("shown", False), (None, False), ("held-out", True), ({"spring": "held-out"}, True)],
)
def test_without_a_rules_folder_only_asked_arms_are_an_error(
    omotenashi_settings: Settings,
    omotenashi_redis: redis.Redis,
    omotenashi_visitor: Callable[..., SeededVisitor],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    holdouts: object,
    refused: bool,
) -> None:
    missing = RulesSettings(dir=tmp_path / "not-here")
    monkeypatch.setattr(omotenashi_settings, "rules", missing)
    if refused:
        with pytest.raises(CommandError, match="no rules folder at"):
            omotenashi_visitor(holdouts=holdouts, stage="loyalty")
        return
    visitor = omotenashi_visitor(holdouts=holdouts, stage="loyalty")
    assert omotenashi_redis.exists(f"omo:{{{visitor.id}}}:p2")


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("fields", "bought", "viewed"),
    [
        ({"bought": ["lapland-aurora"]}, {"lapland-aurora"}, set()),
        (
            {"bought": "lapland-aurora, bali-retreat", "purchases": 2},
            {"lapland-aurora", "bali-retreat"},
            set(),
        ),
        (
            {"viewed": ["kyoto-autumn"], "bought": ["kyoto-autumn"]},
            {"kyoto-autumn"},
            {"kyoto-autumn"},
        ),
        ({"viewed": ["kyoto-autumn"]}, set(), {"kyoto-autumn"}),
    ],
    ids=["bought", "as-profile-set-gives-it", "viewed-and-bought", "viewed-only"],
)
async def test_a_seeded_visitor_has_the_items_bought_and_viewed_it_is_given(
    omotenashi_visitor: Callable[..., SeededVisitor],
    store: Store,
    fields: dict[str, object],
    bought: set[str],
    viewed: set[str],
) -> None:
    """What a ``bought:`` or ``viewed:`` condition reads, as the store reads it back."""
    profile = await store.load(omotenashi_visitor(**fields).id)
    assert (set(profile.purchased), set(profile.viewed)) == (bought, viewed)


@pytest.mark.parametrize(("share", "views"), [(0.05, 0), (0.15, 3), (0.3, 0), (0.5, 10)])
def test_a_visitor_is_steady_over_the_views_a_test_makes_at_a_high_fresh_share(
    share: float, views: int
) -> None:
    vid = choose_vid({"spring": (False, 50)}, views=views, fresh_share=share)
    assert not any(is_fresh(vid, n, share) for n in range(views, views + 10))


@pytest.mark.parametrize(
    ("share", "steady", "arms"),
    [(0.95, 10, {}), (0.3, 100, {}), (0.0, 10, {"spring": (False, 100)})],
)
def test_a_visitor_that_cannot_be_found_is_refused_at_once_saying_why(
    share: float, steady: int, arms: dict[str, tuple[bool, float]]
) -> None:
    with pytest.raises(CommandError, match="no visitor id can be expected"):
        choose_vid(arms, fresh_share=share, steady_views=steady)
