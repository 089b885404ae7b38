"""final46: the day's new profile fields, applied both ways (Change.apply and RECORD_SCRIPT),
must agree: HO (unrecorded) and bought_at beyond MAX_BOUGHT (tests/test_profile_drift.py's
assert_same compares neither, and draws at most 3 items bought)."""

from __future__ import annotations

import pytest
import redis

from omotenashi.engine.change import Change, apply
from omotenashi.engine.limits import MAX_BOUGHT
from omotenashi.engine.profile import Profile
from omotenashi.ids import new_vid

from .test_profile_drift import HALF_LIFE, record

T = 1_800_000_000.0


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ([f"i{n:02}" for n in range(MAX_BOUGHT - 1)], ["z1", "z2", "z3"]),  # the oldest go
        ([f"i{n:02}" for n in range(MAX_BOUGHT)], ["i00"]),  # bought again: latest
        ([], [f"t{n:02}" for n in range(MAX_BOUGHT + 2)]),  # ties in one change
        ([f"i{n:02}" for n in range(MAX_BOUGHT)], [f"a{n}" for n in range(3)]),
    ],
)
def test_bought_at_agrees(
    omotenashi_redis: redis.Redis, before: list[str], after: list[str]
) -> None:
    vid = new_vid()
    first = Change(now=T, view=True, bought=before)
    lua1 = record(omotenashi_redis, vid, first)
    py1 = apply(Profile(), first, HALF_LIFE)
    assert py1.purchased == lua1.purchased
    second = Change(now=T + 3600.5, view=True, bought=after)
    lua2 = record(omotenashi_redis, vid, second)
    py2 = apply(lua1, second, HALF_LIFE)
    assert py2.purchased == lua2.purchased
    assert py2.bought_at.keys() == lua2.bought_at.keys()
    assert all(abs(py2.bought_at[i] - lua2.bought_at[i]) < 1 for i in py2.bought_at)


@pytest.mark.parametrize("view", [False, True])
def test_unrecorded_agrees(omotenashi_redis: redis.Redis, view: bool) -> None:
    vid = new_vid()
    change = Change(now=T, view=view, unrecorded=True, new_visit=True)
    lua = record(omotenashi_redis, vid, change)
    assert apply(Profile(), change, HALF_LIFE).unrecorded == lua.unrecorded
