"""measure51 P2: a goal declared while a rule's test runs is judged on the visitors first
exposed after it (measure/goalstart.py, asgi/goalmarks.py). Before, those exposed before it
existed counted as not converting: its rate read low and its lift shrank toward zero, and the
report could not tell. Each process marks the day each goal, as declared now, was first in
force in the stats ledger; the report cuts such a goal's rows at the day after and says how
many it left out. Real middleware, real Valkey, the process's clock moved by days."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import redis

from omotenashi import Omotenashi, Settings
from omotenashi.measure import goalstart
from omotenashi.measure.counting import Arm
from omotenashi.measure.report import Counts, Report, RuleSpec, build
from omotenashi.measure.text import render_text
from omotenashi.rules.goals import Goal
from omotenashi.store import stats

from ..conftest import client_for
from .test_measure_gaps import report_of
from .test_measure_middleware import shop
from .test_measure_phases import DAY, clock

__all__ = ["clock"]  # the fixture, used by name below
pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]
GOALS = """
goals:
  - {id: purchase, event: purchase}
  - {id: thanks, path: /thanks}
"""
LATER = "  - {id: later, path: /thanks}\n"  # declared on the third day
RULE = 'rules:\n  - {id: promo, slot: hero, text: Promo, holdout: 50%, why: "Everyone."}\n'


def day(offset: float = 0.0) -> str:
    return dt.datetime.fromtimestamp(time.time() + offset, dt.UTC).date().isoformat()


async def thank(mw: Omotenashi, visitors: int) -> None:
    """New visitors, each exposed on ``/`` and then reaching ``/thanks``."""
    async with client_for(mw) as client:
        for _ in range(visitors):
            client.cookies.clear()
            assert (await client.get("/")).status_code == 200
            assert (await client.get("/thanks")).status_code == 200
    await mw.drain()


def row(report: Report, goal: str) -> Any:
    return next(r for r in report.rows if (r.rule, r.goal) == ("promo", goal))


async def test_a_goal_declared_mid_test_is_judged_from_the_day_after(
    make_settings: Make, clock: list[float], omotenashi_redis: redis.Redis
) -> None:
    prefix = f"q{uuid.uuid4().hex[:12]}"
    first = Omotenashi(shop(), settings=make_settings(GOALS + RULE, redis={"key_prefix": prefix}))
    await thank(first, 20)
    start = day()
    clock[0] = 2 * DAY  # two days on, a goal is added (a deploy: a new process)
    marked = day()
    later = Omotenashi(
        shop(), settings=make_settings(GOALS + LATER + RULE, redis={"key_prefix": prefix})
    )
    await thank(later, 10)
    clock[0] = 3 * DAY
    await thank(later, 10)
    ledger = omotenashi_redis.hgetall(stats.stats_key(prefix, stats.LEDGER))
    assert ledger["goals|since"] == start
    assert ledger["goal|thanks|path:/thanks"] == start
    assert ledger["goal|later|path:/thanks"] == marked
    report = await report_of(later)
    kept = row(report, "thanks")
    assert (kept.n_t + kept.n_c, kept.x_t + kept.x_c) == (40, 40)  # there from the start
    assert "was declared" not in kept.sentence
    cut = row(report, "later")
    assert (cut.n_t + cut.n_c, cut.x_t + cut.x_c) == (10, 10)  # (it was 40 and 20: half)
    said = (
        f"The goal “later” was declared (or its event or path changed) on {marked}, while this "
        f"test ran: its counts are of the visitors first exposed from {day()} on; the 30 first "
        "exposed before, who could not all reach it, are left out."
    )
    assert said in cut.sentence
    assert said in " ".join(render_text(report).split())


@pytest.mark.parametrize(
    ("goal", "field"),
    [
        (Goal(id="buy", event="purchase"), "goal|buy|event:purchase"),
        (Goal(id="buy", event="checkout"), "goal|buy|event:checkout"),  # changed: a new mark
        (Goal(id="thanks", path="/thanks/*"), "goal|thanks|path:/thanks/*"),
    ],
)
def test_a_goal_is_marked_as_declared_now(goal: Goal, field: str) -> None:
    assert goalstart.field(goal) == field


@pytest.mark.parametrize(
    ("ledger", "marked"),
    [
        ({}, {}),  # nothing marked (the release before, or Redis down): judged whole
        ({"goal|buy|event:purchase": "2026-12-03"}, {}),  # no start of the marks: unknown
        ({"goals|since": "2026-12-03", "goal|buy|event:purchase": "2026-12-03"}, {}),
        (
            {b"goals|since": b"2026-12-01", b"goal|buy|event:purchase": b"2026-12-03"},
            {"buy": "2026-12-03"},
        ),
        ({"goals|since": "2026-12-01", "goal|buy|event:checkout": "2026-12-03"}, {}),  # not now
    ],
)
def test_only_a_goal_marked_after_the_marks_began_is_cut(
    ledger: dict[Any, Any], marked: dict[str, str]
) -> None:
    assert goalstart.marked(ledger, [Goal(id="buy", event="purchase")]) == marked


@pytest.mark.parametrize(
    ("marked_on", "first_exposed", "cut"),
    [
        (None, "2026-12-01", None),
        ("2026-12-03", None, None),  # never exposed: nothing to cut
        ("2026-12-03", "2026-12-03", None),  # a rule and its goal deployed together
        ("2026-12-03", "2026-12-04", None),
        ("2026-12-03", "2026-12-02", "2026-12-04"),  # the first whole day with it
        ("2026-12-31", "2026-12-01", "2027-01-01"),
    ],
)
def test_the_cut_is_the_first_whole_day_with_the_goal(
    marked_on: str | None, first_exposed: str | None, cut: str | None
) -> None:
    assert goalstart.start(marked_on, first_exposed) == cut


def test_the_report_judges_a_later_goal_on_the_cohorts_after_it() -> None:
    counts = Counts()
    for d in ["2026-12-01", "2026-12-02", "2026-12-03", "2026-12-04"]:
        counts.exposures[("promo", Arm.TREATMENT, d)] += 100
        counts.exposures[("promo", Arm.CONTROL, d)] += 100
        counts.conversions[("promo", "old", Arm.TREATMENT, d)] += 20
        counts.conversions[("promo", "old", Arm.CONTROL, d)] += 10
        if d >= "2026-12-03":
            counts.conversions[("promo", "new", Arm.TREATMENT, d)] += 20
            counts.conversions[("promo", "new", Arm.CONTROL, d)] += 10
    specs = [RuleSpec("promo", 50.0)]
    report = build(counts, specs, ["old", "new"], goal_days={"new": "2026-12-02"})
    old, new = row(report, "old"), row(report, "new")
    assert (old.n_t, old.x_t, old.n_c, old.x_c) == (400, 80, 400, 40)
    assert (new.n_t, new.x_t, new.n_c, new.x_c) == (200, 40, 200, 20)  # from 12-03 on
    assert new.diff == pytest.approx(old.diff)  # (counted whole, it read half the lift)
    assert "the 400 first exposed before" in new.sentence
    whole = row(build(counts, specs, ["old", "new"]), "new")
    assert whole.diff == pytest.approx(old.diff / 2)
    within = row(
        build(counts, specs, ["new"], since="2026-12-02", goal_days={"new": "2026-12-02"}), "new"
    )
    assert (within.n_t, within.n_c) == (200, 200)
    assert "the 200 first exposed before" in within.sentence  # (only the days read)


def test_a_range_that_ends_before_the_cut_says_so() -> None:
    """eye52: with --until before the cut, the row said "from <a day not read> on"."""
    counts = Counts()
    for d in ["2026-12-01", "2026-12-02"]:
        counts.exposures[("promo", Arm.TREATMENT, d)] += 10
        counts.exposures[("promo", Arm.CONTROL, d)] += 10
    report = build(
        counts, [RuleSpec("promo", 50.0)], ["new"], until="2026-12-02",
        goal_days={"new": "2026-12-02"},
    )  # fmt: skip
    cut = row(report, "new")
    assert (cut.n_t, cut.n_c) == (0, 0)
    assert "judged on the visitors first exposed from 2026-12-03 on, after the days read" in (
        cut.sentence
    )


class Owner:
    _marked: object = "a rule set"


async def test_a_mark_redis_did_not_take_is_tried_again(make_settings: Make) -> None:
    """eye52: a mark that failed (Redis down, the breaker open) left the set marked, so a goal
    added then was marked at the next reload, days later, and judged from then."""
    from omotenashi.asgi import goalmarks
    from omotenashi.metrics import Metrics
    from omotenashi.store.store import Store

    settings = make_settings("", redis={"url": "redis://127.0.0.1:1/0", "write_timeout": 0.5})
    store = Store(settings.redis, Metrics())
    store.connect("redis://127.0.0.1:1/0")  # nothing listens there
    owner = Owner()

    def again() -> None:  # (as the middleware's: its rule set unmarked)
        owner._marked = None

    try:
        await goalmarks.mark(store, ["goal|g|event:e"], "2026-12-05", again)
    finally:
        await store.aclose()
    assert owner._marked is None  # (the next counting page view tries again)
