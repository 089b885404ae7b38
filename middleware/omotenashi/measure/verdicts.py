"""What a row of the report says: its label and its sentence, from what its numbers allow.

Past the planned size, a result without evidence is "no effect found" only when its interval
rules out the effect the plan was built to detect (``MDE`` of the rate the plan is made on,
either way); one that still includes it is "inconclusive", not reassuring. A test that ended
or is off (``closed``: its holdout removed, its rule gone from the files, switched off, its
schedule over)
never says "yet", "wait" or "plan on": waiting adds no visitor to it. A row that cannot be
judged at all (no holdout, everyone held out, a holdout unknown, no goal) reads "no verdict".
"""

from __future__ import annotations

from . import stats
from .figures import shown

MDE = 0.10  # the relative lift "visitors needed" is planned for
INCONCLUSIVE = "inconclusive"
NO_VERDICT = "no verdict"
CLOSED = "no evidence"  # a test that ended: no "yet" to wait for


def planned_points(arms: tuple[int, int, int, int]) -> float:
    """The effect the plan was built to detect, in percentage points: ``MDE`` of the rate the
    plan is made on, both groups' together (stats.plan), the ``d`` a null result must rule
    out, either way. ``arms``: (n_t, x_t, n_c, x_c)."""
    n_t, x_t, n_c, x_c = arms
    return (x_t + x_c) / (n_t + n_c) * MDE * 100 if n_t + n_c else 0.0


def ruled_out(diff: stats.Interval, arms: tuple[int, int, int, int]) -> bool:
    """The interval lies strictly inside (-d, +d): effects as large as the planned one are
    ruled out either way."""
    d = planned_points(arms) / 100
    return d > 0 and -d < diff.low and diff.high < d


def settled(diff: stats.Interval, arms: tuple[int, int, int, int], confidence: float) -> str:
    """The sentence of a row without evidence whose groups reached the planned size."""
    low, high, d = diff.low * 100, diff.high * 100, planned_points(arms)
    # the table's decimals (those its lift needs too: measure67, "[-0.021, +0.031]" was
    # "between -0.02 and +0.03"), or more: a limit never prints as the planned effect unless
    # it is
    n_t, x_t, n_c, x_c = arms
    point = (x_t / n_t - x_c / n_c) * 100 if n_t and n_c else None
    least = shown([point], stats.decimals(low, high))  # (as text.py's _points)
    digits = shown((low, high), least, apart=(0, d, -d))
    span = (
        f"between {stats.signed(low, digits)} and {stats.signed(high, digits)} percentage "
        f"points ({confidence:.0%} interval)"
    )
    size = f"{d:.{digits}f} points"
    lift = f"the {MDE:.0%} relative lift planned for"
    if ruled_out(diff, arms):
        return (
            f"The planned size was reached and no effect was found: the effect is {span}, "
            f"smaller than {lift} (±{size}). A {MDE:.0%} relative lift would most likely (4 "
            "times in 5) have shown."
        )
    up, down = high >= d, low <= -d
    if up and down:
        which = f"zero and both a rise and a drop as large as {lift} (±{size})"
    elif up:
        which = f"both zero and {lift} (+{size})"
    else:
        which = f"both zero and a drop as large as {lift} (-{size})"
    return (
        f"The planned size was reached but the result is inconclusive: the effect is {span}, "
        f"which includes {which}."
    )


def sentence(
    verdict: stats.Verdict,
    diff: stats.Interval,
    arms: tuple[int, int, int, int],
    holdout: float | None,
    goal: str,
    *,
    enough: bool,
    srm: bool,
    needed: tuple[int, int] | None,
    confidence: float,
    min_per_arm: int,
    closed: bool,
) -> str:
    """A row's sentence: what it allows an editor to say (report.py's ``_row``)."""
    n_t, x_t, n_c, x_c = arms
    planned = needed is not None and n_c >= needed[0] and n_t >= needed[1]
    if holdout == 0:
        return "No holdout: there is no control group to compare with (set holdout: 10%)."
    if holdout is None:
        return (
            "This rule is no longer in the rule files: its holdout is unknown, so whether the "
            "split is sound cannot be checked, and there is no verdict."
        )
    if holdout >= 100:
        return stats.HOLDOUT_ALL
    if not goal:
        return "No goals to judge this rule on: declare goals to measure it."
    nothing = verdict is stats.Verdict.NO_EVIDENCE
    if nothing and planned and enough and not srm:
        return settled(diff, arms, confidence)
    said = stats.explain(
        verdict, diff, enough=enough, srm=srm, min_per_arm=min_per_arm, confidence=confidence,
        closed=closed,
    )  # fmt: skip
    if not nothing and not planned:
        early = (
            stats.early_unplanned(x_c, n_c, ended=closed)
            if needed is None
            else stats.early_look(n_t, n_c, *needed, ended=closed)
        )
        return f"{said} {early}"
    if nothing and needed is not None and not srm and not closed:
        return f"{said} To detect a {MDE:.0%} relative lift, plan on about {_plan(*needed)}."
    return said


def label(
    verdict: stats.Verdict,
    *,
    judged: bool,
    settled: bool,
    ruled_out: bool,
    early: bool,
    closed: bool,
) -> str:
    """The verdict as every report shows it ("helps (early)" for an early look)."""
    if not judged:
        return NO_VERDICT
    if settled:
        return stats.NO_EFFECT if ruled_out else INCONCLUSIVE
    if early:
        return f"{verdict.value} (early)"
    return CLOSED if closed and verdict is stats.Verdict.NO_EVIDENCE else verdict.value


def _plan(control: int, treated: int) -> str:
    if control == treated:
        return f"{control:,} visitors per group, then decide"
    return f"{control:,} held-out visitors and {treated:,} shown the rule, then decide"
