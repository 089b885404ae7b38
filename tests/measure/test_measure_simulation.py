"""Known truth through the pure counting path: many seeds, holdout 50 %, 12 % vs 10 %.

Each synthetic visitor goes through the same functions the middleware uses after a page view
(``tally`` for the first exposure, the visitor record read back, ``tally`` again for a later
conversion), the increments are summed into day hashes as Redis would, and the report is built
from them. One full run through the real middleware and Redis is in test_measure_middleware.py.
"""

from __future__ import annotations

import random

import pytest

from omotenashi.measure import counting, report
from omotenashi.measure.counting import Arm

NOW = 1_764_590_400  # 2025-12-01T12:00:00Z
TRUE_T, TRUE_C = 0.12, 0.10
SEEDS = range(200)


def run(seed: int, visitors: int, control_share: float = 0.5) -> report.Row:
    rng = random.Random(seed)
    days: dict[str, dict[str, int]] = {}

    def add(increments: dict[tuple[str, str], int]) -> None:
        for (day, name), n in increments.items():
            days.setdefault(day, {})[name] = days.get(day, {}).get(name, 0) + n

    for index in range(visitors):
        at = NOW + index
        arm = Arm.CONTROL if rng.random() < control_share else Arm.TREATMENT
        first = counting.tally(
            seen={}, converted=set(), exposed_now={"promo": arm}, goals_hit=set(), now=at
        )
        add(first.increments)
        if rng.random() < (TRUE_T if arm is Arm.TREATMENT else TRUE_C):
            seen, converted = counting.read_record(first.record)
            later = at + rng.randrange(60, 6 * 86400)
            add(
                counting.tally(
                    seen=seen, converted=converted, exposed_now={}, goals_hit={"buy"}, now=later
                ).increments
            )
    spec = report.RuleSpec("promo", 50.0, ("buy",))
    return report.build(report.counts_from_days(days), [spec]).rows[0]


def test_the_95_percent_interval_covers_the_true_difference_in_at_least_90_percent() -> None:
    rows = [run(seed, 1000) for seed in SEEDS]
    covered = sum(row.diff_ci.contains(TRUE_T - TRUE_C) for row in rows)
    assert covered >= 0.9 * len(rows)
    # The counts are what was simulated: about 500 visitors per arm, rates near the truth.
    assert 480 < sum(r.n_t for r in rows) / len(rows) < 520
    mean_t = sum(r.x_t / r.n_t for r in rows) / len(rows)
    assert mean_t == pytest.approx(TRUE_T, abs=0.005)
    # A fair 50/50 split is almost never flagged (the test's false alarm rate is 0.1 %).
    assert sum(row.srm for row in rows) <= 2


@pytest.mark.parametrize("control_share", [0.45, 0.40])
def test_a_skewed_assignment_is_flagged(control_share: float) -> None:
    # The holdout says 50 %, but only this share lands in control (e.g. cached default pages).
    rows = [run(seed, 4000, control_share) for seed in range(5)]
    assert all(row.srm and row.verdict is report.stats.Verdict.NO_EVIDENCE for row in rows)
