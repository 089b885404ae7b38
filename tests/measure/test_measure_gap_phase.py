"""A holdout removed and later restored, through the real middleware and Redis: the gap is a
phase boundary (measure/phases.py), as a changed holdout is. In the gap everyone saw the rule
and nobody was counted; restored, those visitors are drawn afresh, some into the held-out
group: pooled with the visitors before the gap, the report judged two tests as one."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Callable

import pytest

from omotenashi import Omotenashi, Settings
from omotenashi.measure.phases import current

from ..conftest import client_for
from .test_measure_middleware import GOALS, arm, shop
from .test_measure_phases import DAY, clock, row_of, rules, visit

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]
__all__ = ["clock"]  # the fixture, used by name below
REMOVED = GOALS + 'rules:\n  - {id: promo, slot: hero, text: Promo, why: "Everyone."}\n'


def today() -> str:
    return dt.datetime.fromtimestamp(time.time(), dt.UTC).date().isoformat()


async def first_visits(
    mw: Omotenashi, visitors: int
) -> tuple[dict[str, int], list[dict[str, str]]]:
    """New visitors, one page view each: their arms, and their cookies to come back with."""
    made, jars = {"t": 0, "c": 0}, []
    async with client_for(mw) as client:
        for _ in range(visitors):
            client.cookies.clear()
            made[arm(await client.get("/"))] += 1
            jars.append(dict(client.cookies))
    return made, jars


async def come_back(mw: Omotenashi, jars: list[dict[str, str]]) -> None:
    async with client_for(mw) as client:
        for jar in jars:
            client.cookies.clear()
            client.cookies.update(jar)
            assert arm(await client.get("/")) == "t"  # no holdout: everyone sees the rule


@pytest.mark.parametrize("back", [1, 5])
async def test_a_holdout_removed_and_restored_is_a_new_test(
    make_settings: Make, clock: list[float], back: int
) -> None:
    redis = {"key_prefix": f"m{uuid.uuid4().hex[:12]}"}
    before, jars = await first_visits(
        Omotenashi(shop(), settings=make_settings(rules("50%"), redis=redis)), 120
    )
    clock[0] = DAY  # the holdout removed: counted visitors come back, everyone sees the rule
    off_day = today()
    gap = Omotenashi(shop(), settings=make_settings(REMOVED, redis=redis))
    await come_back(gap, jars[:back])
    clock[0] = 2 * DAY  # restored
    mw = Omotenashi(shop(), settings=make_settings(rules("50%"), redis=redis))
    after = await visit(mw, 120)
    row = await row_of(mw, today())
    assert (row.n_t, row.n_c) == (after["t"], after["c"])  # the test after the gap alone
    assert row.holdout == 50.0
    assert f"removed and restored (the test was off on {off_day})" in row.sentence
    assert f"the {sum(before.values()):,} first exposed before are left out" in row.sentence
    async with client_for(mw):
        marks = await mw.store.read_stats([off_day])
    assert marks[off_day] == {"h|t0|promo": "0"}  # a mark, once per visitor: counting 0


async def test_a_holdout_still_removed_is_judged_on_the_split_it_ran_with(
    make_settings: Make, clock: list[float]
) -> None:
    redis = {"key_prefix": f"m{uuid.uuid4().hex[:12]}"}
    before, jars = await first_visits(
        Omotenashi(shop(), settings=make_settings(rules("50%"), redis=redis)), 60
    )
    clock[0] = DAY
    mw = Omotenashi(shop(), settings=make_settings(REMOVED, redis=redis))
    await come_back(mw, jars[:5])
    row = await row_of(mw, today())
    assert (row.n_t, row.n_c, row.holdout) == (before["t"], before["c"], 50.0)
    assert "The holdout was removed: the test ended" in row.sentence
    assert "restored" not in row.sentence and "left out" not in row.sentence


def day_counts(*days: str) -> dict[str, dict[str, str]]:
    """Each day's counts: "50" is 10 visitors counted at a 50% holdout, "off" a gap's mark."""
    out: dict[str, dict[str, str]] = {}
    for n, said in enumerate(days, 1):
        fields = out.setdefault(f"2026-11-0{n}", {})
        for what in said.split():
            if what == "off":
                fields["h|t0|promo"] = "0"
            else:
                fields |= {"x|t|promo": "10", f"h|t{what}|promo": "10"}
    return out


@pytest.mark.parametrize(
    ("days", "holdout", "start", "left_out", "gap"),
    [
        (("50", "off", "50"), 50.0, "2026-11-03", 10, "2026-11-02"),
        (("50", "off", "off", "50", "50"), 50.0, "2026-11-04", 10, "2026-11-03"),
        (("50", "50 off", "50"), 50.0, "2026-11-03", 20, "2026-11-02"),  # off in the day
        (("20", "off", "50"), 50.0, "2026-11-03", 10, "2026-11-02"),  # and changed
        (("50", "off", "50", "off"), 0.0, "2026-11-03", 10, "2026-11-02"),  # off again now
    ],
)
def test_a_gap_before_the_last_day_counted_starts_a_phase(
    days: tuple[str, ...], holdout: float, start: str, left_out: int, gap: str
) -> None:
    phase = current(day_counts(*days), {"promo": holdout})["promo"]
    assert (phase.start, phase.left_out, phase.gap, phase.holdout) == (start, left_out, gap, 50.0)
    assert f"removed and restored (the test was off on {gap})" in phase.sentence()


@pytest.mark.parametrize(
    ("days", "holdout"),
    [
        (("50", "off", "off"), 0.0),
        (("50", "50 off"), 0.0),
        (("50",), 50.0),
        # before the test ran, or on its first day (a worker that had not reloaded yet, or a
        # rolling deploy's old release, served the rule without its new holdout): no gap
        (("off", "50", "50"), 50.0),
        (("off 50", "50"), 50.0),
    ],
)
def test_a_gap_after_the_last_day_counted_is_no_phase(
    days: tuple[str, ...], holdout: float
) -> None:
    phase = current(day_counts(*days), {"promo": holdout}).get("promo")
    assert phase is None or (phase.start, phase.gap, phase.ended) == (None, "", "removed")
