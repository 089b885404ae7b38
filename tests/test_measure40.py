"""measure40: a holdout raised to 100 % while a rule ran, through the real middleware and Redis.

Visitors counted as treated under the holdout before keep their arm and still see the rule, so
the report must not mix them with the held-out visitors counted since, nor say that no visitor
is shown the rule.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Callable

import pytest

from omotenashi import Omotenashi, Settings
from omotenashi.measure.collect import read_report
from omotenashi.measure.report import Report

from .conftest import client_for
from .measure.test_measure_middleware import arm, shop
from .measure.test_measure_phases import DAY, clock, rules

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]
__all__ = ["clock"]  # the fixture, used by name


def today() -> str:
    return dt.datetime.fromtimestamp(time.time(), dt.UTC).date().isoformat()


async def report_of(mw: Omotenashi, until: str | None) -> Report:
    async with client_for(mw):
        return await read_report(
            mw.store, mw.rules.current.ruleset, since=None, until=until, retention_days=5,
            min_per_arm=10, today=today(),
        )  # fmt: skip


@pytest.mark.parametrize(
    ("shift", "read_first_day_only"), [(0.0, False), (DAY, False), (DAY, True)]
)
async def test_a_holdout_raised_to_everyone_leaves_the_treated_before_out_and_says_so(
    make_settings: Make, clock: list[float], shift: float, read_first_day_only: bool
) -> None:
    redis = {"key_prefix": f"m{uuid.uuid4().hex[:12]}"}
    before = Omotenashi(shop(), settings=make_settings(rules("50%"), redis=redis))
    jars, made = [], {"t": 0, "c": 0}
    async with client_for(before) as client:
        for _ in range(40):
            client.cookies.clear()
            side = arm(await client.get("/"))
            made[side] += 1
            jars.append((side, dict(client.cookies)))
    first_day = today()
    clock[0] = shift
    mw = Omotenashi(shop(), settings=make_settings(rules("100%"), redis=redis))
    async with client_for(mw) as client:
        for side, jar in jars:  # the treated before still see it: their arm is kept
            client.cookies.clear()
            client.cookies.update(jar)
            assert arm(await client.get("/")) == side
        for _ in range(20):  # new visitors: all held out
            client.cookies.clear()
            assert arm(await client.get("/")) == "c"
    report = await report_of(mw, first_day if read_first_day_only else None)
    row = next(r for r in report.rows if (r.rule, r.goal) == ("promo", "purchase"))
    if read_first_day_only:  # days that ran with 50 %: judged on that split, checked
        assert (row.holdout, row.n_t, row.n_c) == (50.0, made["t"], made["c"])
        assert row.srm_p is not None and "it is 100% now" in row.sentence
        return
    # the 50 % phase is left out whole; what is left is the held-out visitors since
    assert (row.holdout, row.n_t, row.n_c) == (100.0, 0, 20 if shift else 0)
    left_out = 40 if shift else 60  # a change on the day leaves that day out whole
    assert "from 50% to 100%" in row.sentence
    assert f"the {left_out} first exposed before are left out" in row.sentence
    assert "no visitor is shown the rule" not in row.sentence
