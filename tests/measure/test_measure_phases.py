"""An editor changes a running test: the holdout, through the real middleware and Redis.

A changed holdout starts a new phase (measure/phases.py): the report judges the visitors first
exposed from the first whole day under the holdout now, checks their split against it, and says
how many were left out.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Callable, Iterator

import pytest

from omotenashi import Omotenashi, Settings
from omotenashi.measure.collect import read_report
from omotenashi.measure.counting import Arm, Cell, parse_field
from omotenashi.measure.report import Row

from ..conftest import client_for
from .test_measure_middleware import GOALS, arm, shop

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]
DAY = 86400.0


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[float]]:
    """Seconds this process's clock is set ahead by: ``clock[0]``."""
    real, offset = time.time, [0.0]
    monkeypatch.setattr(time, "time", lambda: real() + offset[0])
    yield offset


def rules(holdout: str) -> str:
    return GOALS + (
        "rules:\n"
        f'  - {{id: promo, slot: hero, text: Promo, holdout: "{holdout}", why: "Everyone."}}\n'
    )


async def visit(mw: Omotenashi, visitors: int) -> dict[str, int]:
    """New visitors, each one page view: how many landed in each arm."""
    made = {"t": 0, "c": 0}
    async with client_for(mw) as client:
        for _ in range(visitors):
            client.cookies.clear()
            made[arm(await client.get("/"))] += 1
    return made


async def row_of(mw: Omotenashi, today: str) -> Row:
    async with client_for(mw):  # the store is open while the app runs
        report = await read_report(
            mw.store, mw.rules.current.ruleset, since=None, until=None, retention_days=5,
            min_per_arm=10, today=today,
        )  # fmt: skip
    return next(row for row in report.rows if (row.rule, row.goal) == ("promo", "purchase"))


@pytest.mark.parametrize(("before", "after"), [("10%", "30%"), ("30%", "10%")])
async def test_a_changed_holdout_starts_a_new_phase_judged_on_its_own_split(
    make_settings: Make, clock: list[float], before: str, after: str
) -> None:
    redis = {"key_prefix": f"m{uuid.uuid4().hex[:12]}"}  # both servers count in one place
    first = await visit(Omotenashi(shop(), settings=make_settings(rules(before), redis=redis)), 600)
    clock[0] = DAY  # the editor's change is live from the next day on
    mw = Omotenashi(shop(), settings=make_settings(rules(after), redis=redis))
    second = await visit(mw, 600)
    today = dt.datetime.fromtimestamp(time.time(), dt.UTC).date().isoformat()
    row = await row_of(mw, today)
    # Only the visitors drawn at the holdout now, checked against it: no false mismatch.
    assert (row.n_t, row.n_c) == (second["t"], second["c"])
    assert row.holdout == float(after.rstrip("%"))
    assert not row.srm
    assert f"the {sum(first.values()):,} first exposed before are left out" in row.sentence
    assert f"from {before} to {after}" in row.sentence


async def test_a_change_on_the_day_leaves_that_day_out_and_says_so(make_settings: Make) -> None:
    redis = {"key_prefix": f"m{uuid.uuid4().hex[:12]}"}
    await visit(Omotenashi(shop(), settings=make_settings(rules("10%"), redis=redis)), 40)
    mw = Omotenashi(shop(), settings=make_settings(rules("20%"), redis=redis))
    await visit(mw, 40)
    today = dt.datetime.now(dt.UTC).date().isoformat()
    row = await row_of(mw, today)
    tomorrow = (dt.date.fromisoformat(today) + dt.timedelta(days=1)).isoformat()
    assert (row.n_t, row.n_c) == (0, 0)
    assert f"first exposed from {tomorrow} on; the 80 first exposed before" in row.sentence


async def test_an_unchanged_holdout_keeps_every_day(make_settings: Make) -> None:
    mw = Omotenashi(
        shop(),
        settings=make_settings(rules("20%"), redis={"key_prefix": f"m{uuid.uuid4().hex[:12]}"}),
    )
    made = await visit(mw, 50)
    row = await row_of(mw, dt.datetime.now(dt.UTC).date().isoformat())
    assert (row.n_t, row.n_c) == (made["t"], made["c"])
    assert "holdout was changed" not in row.sentence


@pytest.mark.parametrize(
    ("name", "cell"),
    [
        ("x|t|promo", Cell("promo", "", Arm.TREATMENT)),  # before the holdout was written
        ("x|c10|promo", Cell("promo", "", Arm.CONTROL, 10.0)),
        ("x|t12.5|promo", Cell("promo", "", Arm.TREATMENT, 12.5)),
        ("x|t101|promo", None),
        ("x|tx|promo", None),
        ("x|t-1|promo", None),
    ],
)
def test_an_exposure_counter_names_the_holdout_in_force(name: str, cell: Cell | None) -> None:
    assert parse_field(name) == cell


OTHER = '  - {id: other, slot: side, text: Other, why: "Everyone."}\n'


@pytest.mark.parametrize(
    ("after", "said"),
    [
        (  # the holdout removed: the test ended, judged on the split it ran with
            'holdout: "0%"',
            "The holdout was removed: the test ended, and is judged on the 20% split",
        ),
        (None, "The rule is no longer in the rule files: the test ended, and is judged on"),
        ('holdout: "20%", enabled: false', "The rule is switched off (enabled: false)"),
        (
            'holdout: "20%", schedule: {end: 2020-01-31}',
            "Its schedule ended (2020-02-01 00:00): no visitor is newly counted",
        ),
    ],
)
async def test_a_test_that_ended_or_is_off_keeps_its_counts_and_says_so(
    make_settings: Make, after: str | None, said: str
) -> None:
    redis = {"key_prefix": f"m{uuid.uuid4().hex[:12]}"}
    made = await visit(Omotenashi(shop(), settings=make_settings(rules("20%"), redis=redis)), 60)
    edited = GOALS + "rules:\n" + OTHER
    if after is not None:
        edited += f'  - {{id: promo, slot: hero, text: Promo, why: "Everyone.", {after}}}\n'
    mw = Omotenashi(shop(), settings=make_settings(edited, redis=redis))
    row = await row_of(mw, dt.datetime.now(dt.UTC).date().isoformat())
    assert (row.n_t, row.n_c, row.holdout) == (made["t"], made["c"], 20.0)
    assert row.srm_p is not None  # the split it ran with is checked
    assert said in row.sentence


async def test_goals_reached_after_a_rename_count_once_in_the_first_arm(
    make_settings: Make,
) -> None:
    redis = {"key_prefix": f"m{uuid.uuid4().hex[:12]}"}
    before = Omotenashi(shop(), settings=make_settings(rules("50%"), redis=redis))
    jars, arms = [], []
    async with client_for(before) as client:
        for _ in range(30):
            client.cookies.clear()
            arms.append(arm(await client.get("/")))
            jars.append(dict(client.cookies))
    renamed = rules("50%").replace("id: promo,", "id: spring, formerly: [promo],")
    mw = Omotenashi(shop(), settings=make_settings(renamed, redis=redis))
    async with client_for(mw) as client:
        for jar, first in zip(jars, arms, strict=True):  # each buys twice, after the rename
            client.cookies.clear()
            client.cookies.update(jar)
            page = await client.get("/")
            assert ('data-omo-rule="spring"' in page.text) == (first == "t")  # the arm kept
            await client.post("/buy")
            await client.post("/buy")
        report = await read_report(
            mw.store, mw.rules.current.ruleset, since=None, until=None, retention_days=5,
            min_per_arm=10,
        )  # fmt: skip
    rows = [(r.rule, r.n_t, r.x_t, r.n_c, r.x_c) for r in report.rows if r.goal == "purchase"]
    treated = arms.count("t")
    assert rows == [("spring", treated, treated, 30 - treated, 30 - treated)]


async def test_a_range_before_a_change_is_judged_on_the_split_it_ran_with(
    make_settings: Make, clock: list[float]
) -> None:
    """``--until`` the day before the holdout changed: those days ran with one split, the old
    one, and are judged on it (they were all left out, 0/0, against the holdout now)."""
    redis = {"key_prefix": f"m{uuid.uuid4().hex[:12]}"}
    first = await visit(Omotenashi(shop(), settings=make_settings(rules("30%"), redis=redis)), 300)
    day_one = dt.datetime.fromtimestamp(time.time(), dt.UTC).date().isoformat()
    clock[0] = DAY
    mw = Omotenashi(shop(), settings=make_settings(rules("10%"), redis=redis))
    await visit(mw, 100)
    today = dt.datetime.fromtimestamp(time.time(), dt.UTC).date().isoformat()
    async with client_for(mw):
        report = await read_report(
            mw.store, mw.rules.current.ruleset, since=None, until=day_one, retention_days=5,
            min_per_arm=10, today=today,
        )  # fmt: skip
    row = next(row for row in report.rows if (row.rule, row.goal) == ("promo", "purchase"))
    assert (row.n_t, row.n_c) == (first["t"], first["c"])
    assert row.holdout == 30.0 and not row.srm
    assert "ran with a 30% holdout (it is 10% now)" in row.sentence
