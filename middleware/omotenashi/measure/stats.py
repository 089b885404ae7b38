"""Statistics of a holdout experiment: intervals, the split check, and a plain verdict.

All pure functions over counts; no SciPy. Normal quantiles come from :class:`statistics.NormalDist`
and the chi-square tail with one degree of freedom has the closed form
``P(X > x) = erfc(sqrt(x / 2))``.

Methods (all at the same confidence level, 95 % by default):

- one rate: the Wilson score interval (Wilson 1927; method 3 of Newcombe 1998a);
- absolute lift ``p_t - p_c``: Newcombe's hybrid score interval, which combines the two Wilson
  intervals (method 10 of Newcombe 1998b, "Interval estimation for the difference between
  independent proportions", Stat Med 17:873-890);
- relative lift ``p_t / p_c - 1``: MOVER on the log scale with Wilson limits (Zou & Donner
  2008, "Construction of confidence limits about effect measures: a general approach", Stat Med
  27:1693-1702). It is the ratio counterpart of Newcombe's method (the same recovery of
  variance from the two Wilson intervals, applied to ``ln p``), so both intervals agree on
  whether zero lift is excluded in all but borderline cases (without treated conversions,
  MOVER-R on the ratio scale: ``relative_lift``);
- sample-ratio mismatch: Pearson's chi-square of the observed split against the configured
  holdout share, one degree of freedom, flagged below ``SRM_ALPHA`` (0.001); while fewer than
  ``EXACT_BELOW`` visitors are expected in a group, the exact binomial test instead (the
  chi-square's tail is far too thin there: 3 held out of 5 at 5 % gave p = 2e-8, exactly
  0.001; 9 of 29 at 10 %, 0.0002 for 0.002: a mismatch flagged that is none).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from statistics import NormalDist

from omotenashi.engine.exposure import CHECKS_PER_VIEW

from .errors import MeasureError
from .figures import shown

CONFIDENCE = 0.95
SRM_ALPHA = 0.001
MIN_PER_ARM = 100
EXACT_BELOW = 20  # visitors expected in a group under which the split check is exact
#: What a sample-ratio mismatch means and where to look: the one sentence every report gives.
SRM_ADVICE = (
    "The split between shown and held-out visitors is far from what the holdout asks for "
    "(p < 0.001), so these numbers cannot be trusted: check whether the holdout was changed "
    "during the test, whether a cache serves one visitor's personalised page to others, "
    "whether redirects, errors or bot filtering lose more visitors of one group, and whether "
    f"more than {CHECKS_PER_VIEW} measured rules can apply on one page: a page view counts the "
    f"held-out visitors of at most {CHECKS_PER_VIEW} of them, in turns, so visitors who see "
    "one page go missing from some held-out groups (`omotenashi check` warns; measure fewer "
    "rules at once, or put them on separate pages)."
)
_NORMAL = NormalDist()


def z_for(confidence: float) -> float:
    """The two-sided normal quantile: 1.959964 for 95 %."""
    if not 0.0 < confidence < 1.0:
        raise MeasureError("confidence", confidence, "must be between 0 and 1")
    return _NORMAL.inv_cdf(0.5 + confidence / 2)


@dataclass(frozen=True)
class Interval:
    """A closed interval ``[low, high]``; ``high`` may be ``math.inf`` (unbounded)."""

    low: float
    high: float

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high

    @property
    def above_zero(self) -> bool:
        return self.low > 0

    @property
    def below_zero(self) -> bool:
        return self.high < 0


def _check(successes: int, trials: int) -> None:
    if trials < 0:
        raise MeasureError("visitors", trials, "cannot be negative")
    if not 0 <= successes <= trials:
        raise MeasureError("conversions", successes, f"must be between 0 and {trials} visitors")


def wilson(successes: int, trials: int, confidence: float = CONFIDENCE) -> Interval:
    """Wilson score interval for one proportion; ``[0, 1]`` when there are no trials."""
    _check(successes, trials)
    if trials == 0:
        return Interval(0.0, 1.0)
    z = z_for(confidence)
    p = successes / trials
    z2n = z * z / trials
    centre = (p + z2n / 2) / (1 + z2n)
    half = z * math.sqrt(p * (1 - p) / trials + z2n / (4 * trials)) / (1 + z2n)
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == trials else min(1.0, centre + half)
    return Interval(low, high)


def newcombe(x_t: int, n_t: int, x_c: int, n_c: int, confidence: float = CONFIDENCE) -> Interval:
    """Newcombe's hybrid score interval for ``x_t/n_t - x_c/n_c`` (method 10)."""
    _check(x_t, n_t)
    _check(x_c, n_c)
    if n_t == 0 or n_c == 0:
        return Interval(-1.0, 1.0)
    p_t, p_c = x_t / n_t, x_c / n_c
    w_t, w_c = wilson(x_t, n_t, confidence), wilson(x_c, n_c, confidence)
    diff = p_t - p_c
    below = math.sqrt((p_t - w_t.low) ** 2 + (w_c.high - p_c) ** 2)
    above = math.sqrt((w_t.high - p_t) ** 2 + (p_c - w_c.low) ** 2)
    return Interval(max(-1.0, diff - below), min(1.0, diff + above))


def relative_lift(
    x_t: int, n_t: int, x_c: int, n_c: int, confidence: float = CONFIDENCE
) -> tuple[float, Interval] | None:
    """``p_t / p_c - 1`` with a MOVER interval on the log scale; ``None`` when ``p_c`` is zero.

    ``ln(p_t / p_c) = ln p_t - ln p_c``: MOVER combines the Wilson limits of each log rate
    exactly as Newcombe's method does for the difference, then the limits are exponentiated.
    Without treatment conversions the ratio is 0 and there is no log to take: its upper limit
    is MOVER-R's on the ratio scale (Donner & Zou 2012) at ``p_t = 0``,
    ``u_t / sqrt(l_c (2 p_c - l_c))``. (It was ``u_t / l_c``, the worst case of the two Wilson
    intervals: 0 of 100 against 5 of 100 read [-100 %, +72 %] beside an absolute interval all
    below zero, stats52; MOVER-R gives -10 %, Koopman's score interval -25 %.)
    """
    _check(x_t, n_t)
    _check(x_c, n_c)
    if n_t == 0 or n_c == 0 or x_c == 0:
        return None
    p_t, p_c = x_t / n_t, x_c / n_c
    w_t, w_c = wilson(x_t, n_t, confidence), wilson(x_c, n_c, confidence)
    if x_t == 0:
        return -1.0, Interval(-1.0, w_t.high / math.sqrt(w_c.low * (2 * p_c - w_c.low)) - 1)
    log_ratio = math.log(p_t) - math.log(p_c)
    below = math.hypot(math.log(p_t) - math.log(w_t.low), math.log(w_c.high) - math.log(p_c))
    above = math.hypot(math.log(w_t.high) - math.log(p_t), math.log(p_c) - math.log(w_c.low))
    return p_t / p_c - 1, Interval(math.exp(log_ratio - below) - 1, math.exp(log_ratio + above) - 1)


def chi2_sf_1df(statistic: float) -> float:
    """Upper tail of the chi-square distribution with one degree of freedom."""
    if statistic < 0 or math.isnan(statistic):
        raise MeasureError("chi-square", statistic, "must be a number >= 0")
    return math.erfc(math.sqrt(statistic / 2))


def srm_pvalue(n_t: int, n_c: int, holdout_share: float) -> float | None:
    """p-value of the observed split against a control share in (0, 1); ``None`` if no test.

    No test without visitors or without a holdout (share 0 or 1): there is nothing to compare.
    """
    if n_t < 0 or n_c < 0:
        raise MeasureError("visitors", (n_t, n_c), "cannot be negative")
    if not 0.0 <= holdout_share <= 1.0:
        raise MeasureError("holdout share", holdout_share, "must be between 0 and 1")
    total = n_t + n_c
    if total == 0 or holdout_share in (0.0, 1.0):
        return None
    expect_c = total * holdout_share
    expect_t = total - expect_c
    if min(expect_c, expect_t) < EXACT_BELOW:
        return binomial_pvalue(n_c, total, holdout_share)
    statistic = (n_c - expect_c) ** 2 / expect_c + (n_t - expect_t) ** 2 / expect_t
    return chi2_sf_1df(statistic)


def binomial_pvalue(successes: int, trials: int, share: float) -> float:
    """Two-sided exact binomial p-value: the probability of every count no likelier than
    ``successes`` (SciPy's ``binomtest``, with its relative tolerance of 1e-7).

    The work is bounded, not linear in ``trials``: on each side of the mode the probabilities
    fall, so the counts no likelier are two tails, found by bisection and summed outward only
    until the rest cannot matter (a 0.001 % holdout has 2 million visitors before 20 are
    expected in it: a sum over every count held the report page's loop for seconds)."""
    base, log_p, log_q = math.lgamma(trials + 1), math.log(share), math.log1p(-share)

    def log_pmf(k: int) -> float:
        return (
            base - math.lgamma(k + 1) - math.lgamma(trials - k + 1)
            + k * log_p + (trials - k) * log_q
        )  # fmt: skip

    limit = log_pmf(successes) + math.log1p(1e-7)
    mode = min(trials, math.floor((trials + 1) * share))
    # the last count at or below the mode, and the first above it, that is no likelier
    low, high = _last(0, mode, lambda k: log_pmf(k) <= limit), mode + 1
    if high <= trials:
        high = _last(mode + 1, trials, lambda k: log_pmf(k) > limit) + 1
    terms = _tail(log_pmf, low, -1, 0) + _tail(log_pmf, high, 1, trials)
    return min(1.0, math.fsum(terms))


def _last(lo: int, hi: int, holds: Callable[[int], bool]) -> int:
    """The last ``k`` in ``[lo, hi]`` for which ``holds`` (true up to some k, false after);
    ``lo - 1`` when none."""
    while lo <= hi:
        mid = (lo + hi) // 2
        lo, hi = (mid + 1, hi) if holds(mid) else (lo, mid - 1)
    return hi


def _tail(log_pmf: Callable[[int], float], k: int, step: int, end: int) -> list[float]:
    """Probabilities from ``k`` away from the mode (``step``) up to ``end``, until what is left
    is below 1e-17 of the sum: past the mode each ratio of neighbours is below the last (the
    binomial is log-concave), so the rest is at most a geometric series."""
    out: list[float] = []
    total = 0.0
    while (k - end) * step <= 0:
        here = log_pmf(k)
        out.append(math.exp(here))
        total += out[-1]
        if k == end:
            break
        ratio = math.exp(log_pmf(k + step) - here)
        if ratio < 1 and out[-1] * ratio / (1 - ratio) <= total * 1e-17:
            break
        k += step
    return out


def srm_flagged(p_value: float | None, alpha: float = SRM_ALPHA) -> bool:
    return p_value is not None and p_value < alpha


def power(p_c: float, p_t: float, n_per_arm: int, alpha: float = 1 - CONFIDENCE) -> float:
    """Approximate power of the two-sided two-proportion z-test with equal arms."""
    if n_per_arm <= 0 or p_c == p_t:
        return alpha if p_c == p_t else 0.0
    z_a = _NORMAL.inv_cdf(1 - alpha / 2)
    pooled = (p_c + p_t) / 2
    spread0 = math.sqrt(2 * pooled * (1 - pooled) / n_per_arm)
    spread1 = math.sqrt((p_c * (1 - p_c) + p_t * (1 - p_t)) / n_per_arm)
    return _NORMAL.cdf((abs(p_t - p_c) - z_a * spread0) / spread1)


def sample_size_per_arm(
    p_c: float, relative_mde: float, alpha: float = 1 - CONFIDENCE, target_power: float = 0.8
) -> int:
    """Visitors per arm, with equal arms, to detect a relative lift of ``relative_mde`` over
    ``p_c``: :func:`sample_sizes` with half the visitors held out."""
    return sample_sizes(p_c, relative_mde, 0.5, alpha, target_power)[0]


def sample_sizes(
    p_c: float,
    relative_mde: float,
    control_share: float,
    alpha: float = 1 - CONFIDENCE,
    target_power: float = 0.8,
) -> tuple[int, int]:
    """(held-out, treated) visitors to detect a relative lift of ``relative_mde`` over ``p_c``
    when ``control_share`` of visitors are held out.

    The textbook formula for two proportions without continuity correction, with an
    allocation ratio (Fleiss et al. 2003, eq. 4.19): with a 10 % holdout the control group
    needs fewer visitors than with equal arms, since nine times as many are treated.
    """
    p_t = p_c * (1 + relative_mde)
    if not 0.0 < p_c < 1.0 or not 0.0 < p_t < 1.0 or relative_mde == 0:
        raise MeasureError("baseline and lift", (p_c, relative_mde), "rates must stay in (0, 1)")
    if not 0.0 < control_share < 1.0:
        raise MeasureError("holdout", control_share, "the share held out must be in (0, 1)")
    ratio = (1 - control_share) / control_share  # treated per held-out visitor
    z_a = _NORMAL.inv_cdf(1 - alpha / 2)
    z_b = _NORMAL.inv_cdf(target_power)
    pooled = (p_c + ratio * p_t) / (1 + ratio)
    top = z_a * math.sqrt(pooled * (1 - pooled) * (1 + 1 / ratio)) + z_b * math.sqrt(
        p_c * (1 - p_c) + p_t * (1 - p_t) / ratio
    )
    control = math.ceil((top / (p_t - p_c)) ** 2 - 1e-9)
    return control, math.ceil(control * ratio - 1e-9)


def plan(
    arms: tuple[int, int, int, int], holdout: float | None, relative_mde: float
) -> tuple[int, int] | None:
    """(held-out, treated) visitors planned for ``arms`` (n_t, x_t, n_c, x_c) at ``holdout``
    percent: over both groups' rate together, which a rule that does nothing cannot move
    with the difference (the control's alone, high by chance, planned fewer visitors exactly
    when the difference said *hurts*); ``None`` while the held-out group has no conversions,
    or all."""
    n_t, x_t, n_c, x_c = arms
    base = (x_t + x_c) / max(n_t + n_c, 1)
    if not (holdout and 0 < holdout < 100 and 0 < x_c < n_c and 0 < base * (1 + relative_mde) < 1):
        return None
    return sample_sizes(base, relative_mde, holdout / 100)


def signed(value: float, digits: int = 1) -> str:
    """``value`` with its sign, where one that rounds to zero is "+0.0", never "-0.0"."""
    text = f"{value:+.{digits}f}"
    return "+" + text[1:] if text[0] == "-" and float(text) == 0 else text


def decimals(low: float, high: float, least: int = 1, most: int = 6) -> int:
    """Decimals that show at least one significant digit of an interval's width, at least
    ``least``: an interval of a few hundredths of a point is not printed as "+0.0 to +0.0";
    nor a limit that is not zero as "+0.0" (a rule that helps, from +0.0 to +4.1 points)."""
    width = high - low
    if not math.isfinite(width) or width <= 0:
        return shown((low, high), least)
    return shown((low, high), min(most, max(least, math.ceil(-math.log10(width)))))


class Verdict(StrEnum):
    HELPS = "helps"
    HURTS = "hurts"
    NO_EVIDENCE = "no evidence yet"


#: The label of a row with no verdict whose groups reached the planned size and whose interval
#: rules out the lift planned for (measure/verdicts.py): no "yet" to wait for.
NO_EFFECT = "no effect found"
#: The sentence of a rule whose holdout keeps every visitor from it.
HOLDOUT_ALL = (
    "The holdout keeps everyone out (100%): no visitor newly counted is shown the rule (one "
    "shown it under an earlier holdout keeps it), so there is nothing to compare; lower the "
    "holdout (10% to 50%) to measure it."
)


def judge(diff: Interval, *, enough: bool, srm: bool) -> Verdict:
    """Helps or hurts only when the interval excludes zero, the split is sound and big enough."""
    if srm or not enough:
        return Verdict.NO_EVIDENCE
    if diff.above_zero:
        return Verdict.HELPS
    if diff.below_zero:
        return Verdict.HURTS
    return Verdict.NO_EVIDENCE


def explain(
    verdict: Verdict,
    diff: Interval,
    *,
    enough: bool,
    srm: bool,
    min_per_arm: int = MIN_PER_ARM,
    confidence: float = CONFIDENCE,
    closed: bool = False,
) -> str:
    """One plain sentence for editors: what the numbers allow them to say.

    ``closed``: the test ended or is off, so waiting adds no visitor (no "yet", no "wait").
    A row past its planned size without evidence says more: measure/verdicts.py's ``settled``.
    """
    if srm:
        return SRM_ADVICE
    if not enough:
        if closed:
            return "Too few visitors were counted to judge it."
        return f"Too few visitors so far: wait for at least {min_per_arm} in each group."
    low, high = diff.low * 100, diff.high * 100
    digits = decimals(low, high)
    level = f"percentage points ({confidence:.0%} interval)"
    if verdict in (Verdict.HELPS, Verdict.HURTS):  # both limits on one side: a size, no signs
        small, large = (low, high) if verdict is Verdict.HELPS else (-high, -low)
        moves = "raises" if verdict is Verdict.HELPS else "lowers"
        return (
            f"The rule {verdict.value}: it {moves} conversion by about {small:.{digits}f} to "
            f"{large:.{digits}f} {level}."
        )
    points = f"between {signed(low, digits)} and {signed(high, digits)} {level}, zero included"
    return f"No evidence{'' if closed else ' yet'}: the effect is {points}."


def early_look(n_t: int, n_c: int, needed_c: int, needed_t: int, ended: bool = False) -> str:
    """The warning on a verdict given before both groups reached their planned size
    (``ended``: the test is over, or the range read ended before today, so it stays short of
    it: worded to be true of both)."""
    if needed_c == needed_t:
        counts = f"{min(n_t, n_c):,} of {needed_c:,} planned visitors per group"
    else:
        counts = (
            f"{n_c:,} of {needed_c:,} planned held-out visitors and {n_t:,} of "
            f"{needed_t:,} planned visitors shown the rule"
        )
    if ended:
        return f"Counted short of its plan: {counts}; a verdict this early is more often false."
    return f"An early look: {counts}; deciding now raises the chance of a false result."


def early_unplanned(x_c: int, n_c: int, ended: bool = False) -> str:
    """The warning on a verdict for which no size can be planned (:func:`plan` says None;
    ``ended``: the test is over)."""
    if x_c == 0 or x_c >= n_c:
        why = "it has no conversions" if x_c == 0 else "every visitor in it converted"
        said = f"no size can be planned from the held-out group's rate while {why}"
    else:  # both groups' rate together: the effect planned for would take it past 100%
        said = "no size can be planned while both groups together convert nearly always"
    if ended:  # (over, or a past range: nothing is left to decide "now")
        return f"{said[0].upper()}{said[1:]}: a verdict this early is more often false."
    return f"An early look: {said}; deciding now raises the chance of a false result."
