"""A report of a range that ended before today never says to wait (marketer63): no visitor
can join a past range, so a row with too few (or no) visitors there says so, and one without
evidence says "no evidence", not "yet". A range that reaches today still may. Real middleware,
real Valkey."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Callable

import pytest

from omotenashi import Omotenashi, Settings
from omotenashi.measure.collect import read_report
from omotenashi.measure.report import Report

from ..conftest import client_for
from .test_measure_middleware import RULES, shop
from .test_measure_phases import DAY, clock, visit

__all__ = ["clock"]  # the fixture, used by name below
pytestmark = pytest.mark.anyio


def day(offset: float = 0.0) -> str:
    return dt.datetime.fromtimestamp(time.time() + offset, dt.UTC).date().isoformat()


async def report(mw: Omotenashi, since: str, until: str) -> Report:
    async with client_for(mw):
        return await read_report(
            mw.store, mw.rules.current.ruleset, since=since, until=until, retention_days=30,
            min_per_arm=10, today=day(),
        )  # fmt: skip


@pytest.mark.parametrize(
    ("since", "until", "said"),
    [
        (-3 * DAY, -2 * DAY, "Too few visitors were counted to judge it."),  # none there
        (-DAY, -DAY, "Too few visitors were counted to judge it."),  # yesterday's 6
        (-DAY, 0.0, "Too few visitors so far: wait for at least 10 in each group."),
    ],
)
async def test_a_range_that_ended_before_today_never_says_to_wait(
    make_settings: Callable[..., Settings],
    clock: list[float],
    since: float,
    until: float,
    said: str,
) -> None:
    settings = make_settings(RULES, redis={"key_prefix": f"p{uuid.uuid4().hex[:12]}"})
    mw = Omotenashi(shop(), settings=settings)
    clock[0] = -DAY
    await visit(mw, 6)  # yesterday's visitors
    clock[0] = 0.0
    got = await report(mw, day(since), day(until))
    row = next(row for row in got.rows if (row.rule, row.goal) == ("promo", "purchase"))
    assert row.sentence == said
    assert "wait" not in row.sentence or until == 0.0
