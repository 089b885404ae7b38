"""A new visitor's first page and their next request within milliseconds on another worker:
the second read misses the first page's write (batched after the response), judges a new visit,
and the record script counted the first visit twice, starting per-visit caps again (upgrade55:
7 of 20 tries across two workers). The script now checks the judgement against what it keeps."""

from __future__ import annotations

import json

import pytest
import redis

from omotenashi.engine.change import Change, apply
from omotenashi.engine.profile import Profile
from omotenashi.ids import new_vid
from omotenashi.store.argument import record_argument
from omotenashi.store.replies import profile_from_reply
from omotenashi.store.store import LOAD_SCRIPT, PARTS, RECORD_SCRIPT

T = 1_800_000_000.0
GAP = 1800


def _page(now: float, *, new_visit: bool, gap: int = GAP) -> Change:
    change = Change(now=now, view=True, new_visit=new_visit)
    change.gap = gap  # (set apart: the code before knew no such field and sent none)
    change.caps = {"welcome": [f"v{int(now)}", 1, 1]}  # a per-visit cap, shown once here
    return change


def _record(client: redis.Redis, vid: str, change: Change, fast: bool) -> Profile:
    keys = [f"omo:{{{vid}}}:{part}" for part in (*PARTS, "profile")]
    arg = (
        record_argument(change, 3600, 7 * 86400.0, 0)
        if fast
        else json.dumps(change.payload(3600, 7 * 86400.0))
    )
    client.register_script(RECORD_SCRIPT)(keys=keys, args=[arg])
    return profile_from_reply(client.register_script(LOAD_SCRIPT)(keys=keys))  # type: ignore[arg-type]


@pytest.mark.parametrize("fast", [True, False])
def test_a_new_visit_read_before_the_first_page_landed_goes_on(
    omotenashi_redis: redis.Redis, fast: bool
) -> None:
    vid = new_vid()
    first = _record(omotenashi_redis, vid, _page(T, new_visit=True), fast)
    assert (first.visits, first.caps["welcome"]) == (1, (f"v{int(T)}", 1))
    stale = _page(T + 2, new_visit=True)  # (read from no profile at all: a write held up)
    second = _record(omotenashi_redis, vid, stale, fast)
    assert second.visits == 1 and second.views == 2
    assert second.visit_start == T
    assert second.caps["welcome"] == (f"v{int(T)}", 2)  # the same visit's cap, both counted
    assert apply(first, stale, 7 * 86400.0).visits == 1  # (the page's own view agrees)
    later = _record(omotenashi_redis, vid, _page(T + GAP + 60, new_visit=True), fast)
    assert later.visits == 2 and later.visit_start == T + GAP + 60  # a visit after the gap
    assert later.caps["welcome"] == (f"v{int(T + GAP + 60)}", 1)


def test_without_the_gap_a_new_visit_is_taken_as_said(omotenashi_redis: redis.Redis) -> None:
    """A change from a worker of the release before (no gap sent) counts as it always did."""
    vid = new_vid()
    _record(omotenashi_redis, vid, _page(T, new_visit=True), fast=False)
    again = _record(omotenashi_redis, vid, _page(T + 5, new_visit=True, gap=0), fast=False)
    assert again.visits == 2
