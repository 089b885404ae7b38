"""The exact split check costs the same at any number of visitors.

It is used while fewer than 20 visitors are expected in a group, which with a small holdout
(0.001 %) is up to two million visitors: a sum over every count held the report page's event
loop for seconds per row. It sums the two tails only, and gives the same p-values.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

from omotenashi.measure import stats


@pytest.mark.parametrize(
    ("n_t", "n_c", "share", "p_value"),
    [  # the sum over every count 0..n (the implementation of 112a5dd), to 1e-12
        (1_899_980, 20, 1e-5, 0.8177528703932279),
        (1_899_995, 5, 1e-5, 0.0003175518936187905),
        (1_899_960, 40, 1e-5, 2.5322698580642026e-05),
        (10, 1_899_990, 1 - 1e-5, 0.03785710767981272),  # the treated group is the small one
    ],
)
def test_the_exact_split_check_does_bounded_work_at_millions_of_visitors(
    monkeypatch: pytest.MonkeyPatch, n_t: int, n_c: int, share: float, p_value: float
) -> None:
    calls = [0]
    lgamma: Callable[[float], float] = math.lgamma

    def counted(x: float) -> float:
        calls[0] += 1
        return lgamma(x)

    monkeypatch.setattr(math, "lgamma", counted)
    assert stats.srm_pvalue(n_t, n_c, share) == pytest.approx(p_value, rel=1e-12)
    assert calls[0] < 5_000  # a sum over every count took 5.7 million


@pytest.mark.parametrize("trials", [1, 2, 7, 40, 333])
@pytest.mark.parametrize("share", [0.001, 0.05, 0.1, 0.5, 0.9, 0.999])
def test_the_exact_split_check_sums_every_count_no_likelier(trials: int, share: float) -> None:
    def pmf(k: int) -> float:
        return math.comb(trials, k) * share**k * (1 - share) ** (trials - k)

    for successes in range(trials + 1):
        limit = pmf(successes) * (1 + 1e-7)
        expected = min(1.0, math.fsum(pmf(k) for k in range(trials + 1) if pmf(k) <= limit))
        got = stats.binomial_pvalue(successes, trials, share)
        assert got == pytest.approx(expected, rel=1e-6, abs=1e-100)  # (float powers underflow)
