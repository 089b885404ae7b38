"""A visitor's own recommendation pairs (``:also``) are cut to their best by their scores scaled
back, whichever form each is in (store/recs.py TRIM): after ``OMOTENASHI_REDIS_COMPACT`` is
switched (on by default after 86f3d79; off to roll back) a key holds both, the
compact ones kept × 100, and a cut by stored rank dropped every new pair of the other form at
once (review final43 P2)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import redis

from omotenashi.recommend.coview import pair_member, pair_part
from omotenashi.store.recs import LEARN_SCRIPT, OWN
from omotenashi.store.scripted import SHORT

KEEP = 10


def _learn(r: redis.Redis, key: str, member: str, x: float) -> None:
    r.eval(LEARN_SCRIPT, 1, key, KEEP, 60, OWN, member, x)


def _code(n: int) -> str:
    return pair_member(pair_part(f"seed{n}"), pair_part(f"item{n}"))


@pytest.mark.parametrize(
    ("old_form", "new_member", "new_x", "kept"),
    [
        (_code, "kyoto>nara", 14.26, True),  # compact turned off: a strong full pair stays
        (_code, "kyoto>nara", 5.0, False),  # a weak one goes
        (lambda n: f"s{n}>i{n}", _code(99), 14.26, True),  # turned on: a strong compact pair
        (lambda n: f"s{n}>i{n}", _code(99), 5.0, False),
    ],
    ids=["off-strong", "off-weak", "on-strong", "on-weak"],
)
def test_own_pairs_are_cut_by_their_scores_in_either_form(
    omotenashi_redis: redis.Redis,
    old_form: Callable[[int], str],
    new_member: str,
    new_x: float,
    kept: bool,
) -> None:
    key = "omo:{trim}:also"
    omotenashi_redis.delete(key)
    for n in range(KEEP):  # a full key, in the other form, each pair at 9.93 + n/100
        _learn(omotenashi_redis, key, old_form(n), 9.93 + n / 100)
    _learn(omotenashi_redis, key, new_member, new_x)
    members = omotenashi_redis.zrange(key, 0, -1)
    assert len(members) == KEEP
    assert (new_member in members) is kept, members
    lowest = old_form(0)
    assert (lowest in members) is not kept, members  # the weakest of the rest made room


def test_the_learning_script_goes_as_its_text_on_a_cluster() -> None:
    """Under scripted.SHORT it is sent as its text with every Cluster call: a server that does
    not know it (new, restarted, flushed) runs it in the pipeline's order, before the record that
    sets the pairs' expiry to the profile's (by its hash it would be run again after it, the
    pairs then kept for the idle TTL: tests/test_cluster.py)."""
    assert len(LEARN_SCRIPT.encode()) < SHORT
