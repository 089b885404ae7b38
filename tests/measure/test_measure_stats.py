from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omotenashi.measure import stats, verdicts
from omotenashi.measure.errors import MeasureError
from omotenashi.measure.stats import Interval, Verdict


# Newcombe 1998a ("Two-sided confidence intervals for the single proportion"), Table I, method 3.
@pytest.mark.parametrize(
    ("x", "n", "low", "high"),
    [
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_matches_newcombe_1998a(x: int, n: int, low: float, high: float) -> None:
    interval = stats.wilson(x, n)
    assert (round(interval.low, 4), round(interval.high, 4)) == (low, high)


# Newcombe 1998b ("Interval estimation for the difference between independent proportions"),
# Table II, method 10 (hybrid score), worked examples (a), (b), (e)-(h).
@pytest.mark.parametrize(
    ("x1", "n1", "x2", "n2", "low", "high"),
    [
        (56, 70, 48, 80, 0.0524, 0.3339),
        (9, 10, 3, 10, 0.1705, 0.8090),
        (0, 10, 0, 20, -0.1611, 0.2775),
        (0, 10, 0, 10, -0.2775, 0.2775),
        (10, 10, 0, 20, 0.6791, 1.0),
        (10, 10, 0, 10, 0.6075, 1.0),
    ],
)
def test_newcombe_matches_newcombe_1998b(
    x1: int, n1: int, x2: int, n2: int, low: float, high: float
) -> None:
    interval = stats.newcombe(x1, n1, x2, n2)
    assert (round(interval.low, 4), round(interval.high, 4)) == (low, high)


@pytest.mark.parametrize(
    ("x1", "n1", "x2", "n2"),
    [(1200, 10000, 1000, 10000), (600, 5000, 500, 5000), (3000, 20000, 2900, 20000)],
)
def test_relative_lift_agrees_with_katz_log_interval_for_large_counts(
    x1: int, n1: int, x2: int, n2: int
) -> None:
    # With thousands of visitors MOVER-R and Katz's log interval are both accurate.
    result = stats.relative_lift(x1, n1, x2, n2)
    assert result is not None
    value, interval = result
    ratio = (x1 / n1) / (x2 / n2)
    spread = stats.z_for(0.95) * math.sqrt(1 / x1 - 1 / n1 + 1 / x2 - 1 / n2)
    assert value == pytest.approx(ratio - 1)
    assert interval.low == pytest.approx(ratio * math.exp(-spread) - 1, abs=2e-3)
    assert interval.high == pytest.approx(ratio * math.exp(spread) - 1, abs=2e-3)


@pytest.mark.parametrize(("x1", "n1", "x2", "n2"), [(5, 10, 0, 10), (0, 0, 1, 10), (1, 10, 0, 0)])
def test_no_relative_lift_without_a_control_rate(x1: int, n1: int, x2: int, n2: int) -> None:
    assert stats.relative_lift(x1, n1, x2, n2) is None


def test_relative_lift_without_treatment_conversions_is_minus_100_percent() -> None:
    result = stats.relative_lift(0, 100, 10, 100)
    assert result is not None
    value, interval = result
    low_c = stats.wilson(10, 100).low  # MOVER-R's upper limit at p_t = 0 (Donner & Zou 2012)
    high = stats.wilson(0, 100).high / math.sqrt(low_c * (2 * 0.10 - low_c)) - 1
    assert (value, interval.low, interval.high) == (-1.0, -1.0, pytest.approx(high))


@pytest.mark.parametrize(
    # (stats52) references: MOVER-R's closed form, then Koopman's score interval (statsmodels)
    ("x_t", "n_t", "x_c", "n_c", "mover_r", "koopman"),
    [
        (0, 100, 5, 100, -0.10, -0.25),  # (it read +72 %)
        (0, 177, 108, 4266, -0.15, -0.16),  # (+1.1 %)
        (0, 638, 10, 1147, -0.23, -0.31),  # (+26 %)
    ],
)
def test_without_treated_conversions_the_relative_interval_agrees_with_the_absolute(
    x_t: int, n_t: int, x_c: int, n_c: int, mover_r: float, koopman: float
) -> None:
    result = stats.relative_lift(x_t, n_t, x_c, n_c)
    assert result is not None
    high = result[1].high
    assert high == pytest.approx(mover_r, abs=0.005)
    assert koopman <= high < 0  # below zero, as the absolute interval is
    assert stats.newcombe(x_t, n_t, x_c, n_c).high < 0


def test_relative_lift_stays_bounded_and_positive_with_one_control_conversion() -> None:
    # 30 % against 1 %: the ratio is uncertain but certainly above 1 (lift above 0).
    result = stats.relative_lift(30, 100, 1, 100)
    assert result is not None
    assert 0 < result[1].low < result[0] < result[1].high < math.inf


@given(
    st.integers(0, 400).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
    st.integers(1, 400).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
)
def test_intervals_contain_their_estimates(t: tuple[int, int], c: tuple[int, int]) -> None:
    (x_t, n_t), (x_c, n_c) = t, c
    if n_t:
        assert stats.wilson(x_t, n_t).contains(x_t / n_t)
        diff = stats.newcombe(x_t, n_t, x_c, n_c)
        assert -1.0 <= diff.low <= x_t / n_t - x_c / n_c + 1e-12
        assert x_t / n_t - x_c / n_c - 1e-12 <= diff.high <= 1.0
        relative = stats.relative_lift(x_t, n_t, x_c, n_c)
        if relative is not None:
            assert relative[1].low - 1e-9 <= relative[0] <= relative[1].high + 1e-9
            assert relative[1].low >= -1.0


@pytest.mark.parametrize(
    ("statistic", "p"),
    [(3.841459, 0.05), (6.634897, 0.01), (10.827566, 0.001), (0.0, 1.0)],
)
def test_chi_square_tail_matches_critical_values(statistic: float, p: float) -> None:
    assert stats.chi2_sf_1df(statistic) == pytest.approx(p, rel=1e-5)


@pytest.mark.parametrize(
    ("n_t", "n_c", "share", "flagged"),
    [
        (5000, 5000, 0.5, False),
        (5100, 4900, 0.5, False),  # chi2 = 4, p = 0.0455: noise
        (5250, 4750, 0.5, True),  # chi2 = 25, p = 5.7e-7
        (9000, 1000, 0.1, False),
        (9200, 800, 0.1, True),  # a 10 % holdout that got 8 %
        (6000, 4000, 0.5, True),  # a skewed split
    ],
)
def test_sample_ratio_mismatch(n_t: int, n_c: int, share: float, flagged: bool) -> None:
    assert stats.srm_flagged(stats.srm_pvalue(n_t, n_c, share)) is flagged


def test_srm_p_value_known() -> None:
    assert stats.srm_pvalue(5100, 4900, 0.5) == pytest.approx(0.0455003, rel=1e-5)


@pytest.mark.parametrize(("n_t", "n_c", "share"), [(0, 0, 0.5), (10, 0, 0.0), (10, 5, 1.0)])
def test_no_srm_test_without_visitors_or_holdout(n_t: int, n_c: int, share: float) -> None:
    assert stats.srm_pvalue(n_t, n_c, share) is None


@pytest.mark.parametrize(
    ("call", "bad"),
    [
        (lambda: stats.wilson(5, 3), 5),
        (lambda: stats.wilson(1, -1), -1),
        (lambda: stats.newcombe(1, 2, -1, 2), -1),
        (lambda: stats.srm_pvalue(1, 1, 1.5), 1.5),
        (lambda: stats.z_for(1.0), 1.0),
        (lambda: stats.sample_size_per_arm(0.0, 0.1), (0.0, 0.1)),
    ],
)
def test_bad_inputs_raise_with_the_value(call: object, bad: object) -> None:
    with pytest.raises(MeasureError) as info:
        call()  # type: ignore[operator]
    assert repr(bad) in str(info.value)


def test_sample_size_for_ten_to_twelve_percent() -> None:
    # The common textbook figure: 3,841 per arm for 10 % -> 12 %, alpha 0.05, power 0.8.
    assert stats.sample_size_per_arm(0.10, 0.20) == 3841


def _power(p_c: float, p_t: float, n_c: int, n_t: int) -> float:
    """Power of the two-sided two-proportion z-test, unequal arms (normal approximation)."""
    from statistics import NormalDist

    z = NormalDist().inv_cdf(0.975)
    pooled = (n_c * p_c + n_t * p_t) / (n_c + n_t)
    null = (pooled * (1 - pooled) * (1 / n_c + 1 / n_t)) ** 0.5
    alt = (p_c * (1 - p_c) / n_c + p_t * (1 - p_t) / n_t) ** 0.5
    return NormalDist().cdf((abs(p_t - p_c) - z * null) / alt)


@pytest.mark.parametrize(
    ("base", "mde", "held"), [(0.1, 0.1, 0.1), (0.05, 0.1, 0.2), (0.3, -0.1, 0.05), (0.1, 0.2, 0.5)]
)
def test_sample_sizes_follow_the_holdout_split(base: float, mde: float, held: float) -> None:
    control, treated = stats.sample_sizes(base, mde, held)
    assert treated == pytest.approx(control * (1 - held) / held, abs=1)
    p_t = base * (1 + mde)
    assert _power(base, p_t, control, treated) >= 0.8 - 1e-6
    smaller = control - 1
    assert _power(base, p_t, smaller, round(smaller * (1 - held) / held)) < 0.8
    if held < 0.5:  # more treated visitors: fewer held out than with equal groups
        assert control < stats.sample_size_per_arm(base, mde)


@pytest.mark.parametrize(("base", "mde"), [(0.1, 0.2), (0.02, 0.1), (0.5, -0.05), (0.3, 0.5)])
def test_sample_size_is_the_smallest_with_enough_power(base: float, mde: float) -> None:
    n = stats.sample_size_per_arm(base, mde)
    assert stats.power(base, base * (1 + mde), n) >= 0.8 - 1e-9
    assert stats.power(base, base * (1 + mde), n - 1) < 0.8


@pytest.mark.parametrize(
    ("diff", "enough", "srm", "verdict"),
    [
        (Interval(0.01, 0.03), True, False, Verdict.HELPS),
        (Interval(-0.03, -0.01), True, False, Verdict.HURTS),
        (Interval(-0.01, 0.03), True, False, Verdict.NO_EVIDENCE),
        (Interval(0.01, 0.03), False, False, Verdict.NO_EVIDENCE),
        (Interval(0.01, 0.03), True, True, Verdict.NO_EVIDENCE),
        (Interval(0.0, 0.03), True, False, Verdict.NO_EVIDENCE),
    ],
)
def test_verdicts(diff: Interval, enough: bool, srm: bool, verdict: Verdict) -> None:
    assert stats.judge(diff, enough=enough, srm=srm) is verdict


@pytest.mark.parametrize(
    ("diff", "enough", "srm", "words"),
    [
        (Interval(0.01, 0.03), True, False, "helps: it raises conversion by about 1.0 to 3.0 "),
        # a size, without a double negative ("lowers ... by -19.7 to -8.2")
        (Interval(-0.197, -0.082), True, False, "it lowers conversion by about 8.2 to 19.7 "),
        (Interval(-0.01, 0.03), True, False, "between -1.0 and +3.0 percentage points"),
        (Interval(-0.01, 0.03), False, False, "Too few visitors"),
        (Interval(0.01, 0.03), True, True, "cannot be trusted"),
        # a tiny interval at huge counts shows its limits, not "+0.0 to +0.0"
        (Interval(-0.00011, 0.00028), True, False, "between -0.01 and +0.03 percentage points"),
        (Interval(0.000012, 0.000018), True, False, "by about 0.0012 to 0.0018 percentage"),
    ],
)
def test_sentences(diff: Interval, enough: bool, srm: bool, words: str) -> None:
    verdict = stats.judge(diff, enough=enough, srm=srm)
    said = stats.explain(verdict, diff, enough=enough, srm=srm)
    assert words in said, said
    assert "anywhere" not in said and "by about -" not in said


@pytest.mark.parametrize(
    ("closed", "start", "absent"),
    [
        (False, "No evidence yet: the effect is between", "planned size"),
        (True, "No evidence: the effect is between", "yet"),  # a test that ended: nothing to wait
    ],
)
def test_no_evidence_says_yet_only_while_the_test_runs(
    closed: bool, start: str, absent: str
) -> None:
    diff = Interval(-0.003, 0.003)
    said = stats.explain(Verdict.NO_EVIDENCE, diff, enough=True, srm=False, closed=closed)
    assert said.startswith(start) and absent not in said and "wait" not in said
    assert "between -0.3 and +0.3 percentage points (95% interval), zero included" in said


@pytest.mark.parametrize(
    ("diff", "words"),
    [
        # inside (-1.0, +1.0): effects as large as the 10% lift planned for are ruled out
        (Interval(-0.003, 0.003), "no effect was found: the effect is between -0.3 and +0.3 "),
        (Interval(-0.0006, 0.0131), "the result is inconclusive: the effect is between -0.1 and "),
        # a limit that would print as the planned effect prints with more decimals
        (Interval(-0.003, 0.00996), "between -0.300 and +0.996 percentage points"),
    ],
)
def test_past_the_plan_no_effect_is_found_only_when_the_planned_lift_is_ruled_out(
    diff: Interval, words: str
) -> None:
    arms = (16000, 1600, 16000, 1600)  # 10% in both: the plan was for +/-1.0 points
    said = verdicts.settled(diff, arms, 0.95)
    assert words in said, said
    assert ("would most likely" in said) is verdicts.ruled_out(diff, arms)
    assert "yet" not in said and "wait" not in said and "plan on" not in said


@pytest.mark.parametrize(
    ("low", "high", "least", "digits"),
    [
        (-0.8, 0.8, 1, 1),
        (-0.34, 0.34, 1, 1),
        (-0.019, 0.021, 1, 2),
        (0.0012, 0.0018, 1, 4),
        (-3.3, 3.5, 0, 0),
        (-0.2, 0.2, 0, 1),
        (-1.0, math.inf, 0, 0),
    ],
)
def test_decimals_show_the_width_of_an_interval(
    low: float, high: float, least: int, digits: int
) -> None:
    assert stats.decimals(low, high, least=least) == digits


@pytest.mark.parametrize(
    ("value", "digits", "text"),
    [
        (-0.0003, 1, "+0.0"),
        (-0.04, 1, "+0.0"),
        (-0.05001, 1, "-0.1"),
        (0.3, 0, "+0"),
        (-0.4, 0, "+0"),
        (2.5, 1, "+2.5"),
        (-1.25, 1, "-1.2"),
    ],
)
def test_a_difference_that_rounds_to_zero_is_never_negative(
    value: float, digits: int, text: str
) -> None:
    assert stats.signed(value, digits) == text


@pytest.mark.parametrize(
    ("n_t", "n_c", "share", "p_value"),
    [  # SciPy 1.x binomtest(n_c, n_t + n_c, share).pvalue, and chisquare beyond the exact range
        (2, 3, 0.05, 0.0011581),  # the chi-square said 1.7e-08: a mismatch flagged that is none
        (20, 9, 0.10, 0.0015502),  # chi-square 1.6e-04
        (13, 7, 0.10, 0.0023861),  # chi-square 1.9e-04
        (3, 7, 0.20, 0.00086436),
        (1, 4, 0.10, 0.00046),
        (8, 2, 0.10, 0.26390),
        (5, 0, 0.10, 1.0),
        (850, 150, 0.10, 1.3608023e-07),  # 100 expected held out: the chi-square
    ],
)
def test_the_split_check_is_exact_for_small_groups(
    n_t: int, n_c: int, share: float, p_value: float
) -> None:
    assert stats.srm_pvalue(n_t, n_c, share) == pytest.approx(p_value, rel=1e-4)


def test_the_settled_sentence_prints_the_limits_as_the_table_does() -> None:
    """measure67: the table printed +0.005 [-0.021, +0.031], the sentence "between -0.02 and
    +0.03" (its decimals from the limits alone; the table's from the lift too)."""
    arms = (10_000_000, 1_000_500, 10_000_000, 1_000_000)
    said = verdicts.settled(Interval(-0.00021, 0.00031), arms, 0.95)
    assert "between -0.021 and +0.031 percentage points" in said, said
