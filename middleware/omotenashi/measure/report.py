"""The report: from daily counts per (rule, goal, arm, day) to rows editors can read.

Input is what the statistics hashes hold (see :mod:`.counting`); output is a :class:`Report`
with one :class:`Row` per rule and goal, daily series for the plots, a text table and JSON.
Days are the site's cohort days (``OMOTENASHI_RULES_TIMEZONE``'s): a range keeps the visitors
first exposed in it and their conversions.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from . import goalstart, stats, verdicts
from .counting import Arm, Cells, counted
from .errors import MeasureError
from .gaps import Gap
from .notes import MANY, METHODS, UNUSABLE, planned_on
from .verdicts import MDE

Plan = tuple[int, int] | None  # (held-out, treated) visitors planned; None: none can be


@dataclass(frozen=True)
class RuleSpec:
    """What the report needs to know of a rule: its holdout (percent) and its judged goals."""

    id: str
    holdout: float
    goals: tuple[str, ...] = ()


@dataclass
class Counts:
    exposures: Counter[tuple[str, Arm, str]] = field(default_factory=Counter)  # rule, arm, day
    conversions: Counter[tuple[str, str, Arm, str]] = field(default_factory=Counter)

    @property
    def days(self) -> list[str]:
        found = {k[2] for k in self.exposures} | {k[3] for k in self.conversions}
        return sorted(found)


def parse_day(text: str, name: str = "day") -> str:
    """A ``YYYY-MM-DD`` argument (``name``: what it was given as, ``--since``), checked;
    raises :class:`MeasureError` otherwise (``20261205``, which ISO also reads, included)."""
    if _DAY.fullmatch(text.strip()) is None:
        raise MeasureError(name, text, "expected a date as YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(text.strip()).isoformat()
    except ValueError:  # (cli61: 2026-02-30 was told to be written as it was)
        raise MeasureError(name, text, "there is no such day (YYYY-MM-DD)") from None


_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def counts_from_days(days: Mapping[str, Mapping[str, Any] | Cells]) -> Counts:
    """Counts from ``{day: {field: count}}`` as read from the day hashes; unknown fields skip."""
    counts = Counts()
    for day, fields in days.items():
        for cell, value in counted(fields):
            if cell.goal:
                counts.conversions[(cell.rule, cell.goal, cell.arm, day)] += value
            else:
                counts.exposures[(cell.rule, cell.arm, day)] += value
    return counts


def _within(day: str, since: str | None, until: str | None) -> bool:
    return (since is None or day >= since) and (until is None or day <= until)


@dataclass(frozen=True)
class Row:
    rule: str
    goal: str
    holdout: float | None
    n_t: int
    x_t: int
    n_c: int
    x_c: int
    diff: float | None  # None when either group has no visitors: there is nothing to compare
    diff_ci: stats.Interval
    rel: float | None
    rel_ci: stats.Interval | None
    srm_p: float | None
    srm: bool
    enough: bool
    verdict: stats.Verdict
    sentence: str
    needed: int | None = None  # held-out visitors to detect a MDE relative lift (80 % power)
    needed_treated: int | None = None  # and treated ones, at the rule's holdout split
    unusable: bool = False  # more conversions than visitors in a group: nothing to compute
    planned_on: str | None = None  # the cohort day both groups reached the planned size
    formerly: tuple[str, ...] = ()  # the rule's former ids, whose visitors are counted here
    closed: bool = False  # the test ended or is off: waiting adds no visitor (verdicts.py)

    @property
    def named(self) -> str:
        """The rule as the report names it: its id, and its former ids when it has any."""
        return f"{self.rule} (formerly {', '.join(self.formerly)})" if self.formerly else self.rule

    @property
    def planned(self) -> bool:
        """Both groups reached the number of visitors planned for them."""
        if self.needed is None:
            return False
        return self.n_c >= self.needed and self.n_t >= (self.needed_treated or 0)

    @property
    def early(self) -> bool:
        """A verdict given before both groups reached the planned number of visitors, or for
        which no number can be planned (the control group has no conversions, or all)."""
        return self.verdict is not stats.Verdict.NO_EVIDENCE and not self.planned

    @property
    def label(self) -> str:
        """The verdict as every report shows it: "helps (early)" for an early look,
        "inconclusive" past the plan while the lift planned for is not ruled out."""
        if self.unusable:
            return "unusable data"
        nothing = self.verdict is stats.Verdict.NO_EVIDENCE
        return verdicts.label(
            self.verdict,
            judged=bool(self.goal) and self.holdout is not None and 0 < self.holdout < 100,
            settled=nothing and self.planned and self.enough and not self.srm,
            ruled_out=verdicts.ruled_out(self.diff_ci, (self.n_t, self.x_t, self.n_c, self.x_c)),
            early=self.early,
            closed=self.closed,
        )

    @property
    def rate_t(self) -> float | None:
        return self.x_t / self.n_t if self.n_t and not self.unusable else None

    @property
    def rate_c(self) -> float | None:
        return self.x_c / self.n_c if self.n_c and not self.unusable else None

    def as_json(self) -> dict[str, Any]:
        def finite(value: float | None) -> float | None:
            return value if value is not None and math.isfinite(value) else None

        rel_ci = self.rel_ci
        return {
            "rule": self.rule,
            "formerly": list(self.formerly),
            "goal": self.goal,
            "holdout_percent": self.holdout,
            "treatment": {"visitors": self.n_t, "conversions": self.x_t, "rate": self.rate_t},
            "control": {"visitors": self.n_c, "conversions": self.x_c, "rate": self.rate_c},
            "absolute_lift": {
                "value": self.diff,
                "low": None if self.diff is None else self.diff_ci.low,
                "high": None if self.diff is None else self.diff_ci.high,
            },
            "relative_lift": {
                "value": self.rel,
                "low": None if rel_ci is None else finite(rel_ci.low),
                "high": None if rel_ci is None else finite(rel_ci.high),
            },
            "srm": {"p_value": self.srm_p, "flagged": self.srm},
            "enough_visitors": self.enough,
            "needed": None
            if self.needed is None
            else {"control": self.needed, "treatment": self.needed_treated},
            "verdict": self.label,
            "early": self.early,
            "planned_on": self.planned_on,
            "unusable": self.unusable,
            "sentence": self.sentence,
        }


@dataclass(frozen=True)
class DayPoint:
    day: str
    exposures: dict[Arm, int]
    conversions: dict[Arm, int]  # summed over the rule's judged goals


@dataclass(frozen=True)
class Report:
    rows: list[Row]
    daily: dict[str, list[DayPoint]]
    since: str | None
    until: str | None
    confidence: float
    min_per_arm: int
    range_note: str = ""  # why the days read are not those asked for (notes.clamped)
    zone: str = "UTC"  # the site's time zone, whose days these are (OMOTENASHI_RULES_TIMEZONE)
    gaps: tuple[Gap, ...] = ()  # days whose counts are missing, left out (measure/gaps.py)
    unwritten: tuple[tuple[str, int], ...] = ()  # (day, counts Redis refused or never got)

    @property
    def measured(self) -> list[Row]:
        """The rows with a control group to judge by (a rule with no holdout has none)."""
        return [row for row in self.rows if row.holdout != 0]

    def unmeasured(self, shown: int = 20) -> str:
        """One sentence naming the rules without a holdout, or "" when there are none."""
        rules = sorted({row.rule for row in self.rows if row.holdout == 0})
        if not rules:
            return ""
        more = f" and {len(rules) - shown} more" if len(rules) > shown else ""
        count = f"{len(rules)} rule{'s' if len(rules) != 1 else ''}"
        return (
            f"Not measured, no holdout ({count}; give a rule `holdout: 10%` to measure it): "
            f"{', '.join(rules[:shown])}{more}."
        )

    def many(self) -> str:
        """The multiple-comparisons note, or "" when at most one rule and goal is judged."""
        judged = sum(1 for row in self.measured if row.goal and not row.unusable)
        return MANY.format(n=judged) if judged > 1 else ""

    def as_json(self) -> dict[str, Any]:
        return {
            "since": self.since,
            "until": self.until,
            "time_zone": self.zone,  # whose days since, until and the daily points are
            "range_note": self.range_note or None,
            "missing_days": [gap.as_json() for gap in self.gaps],  # left out of every figure
            "unwritten": [{"day": day, "counts": n} for day, n in self.unwritten],  # at most
            "confidence": self.confidence,
            "min_visitors_per_arm": self.min_per_arm,
            "methods": METHODS,
            "rows": [row.as_json() for row in self.rows],
            "daily": {
                rule: [
                    {
                        "day": p.day,
                        "exposures": {
                            "treatment": p.exposures[Arm.TREATMENT],
                            "control": p.exposures[Arm.CONTROL],
                        },
                        "conversions": {
                            "treatment": p.conversions[Arm.TREATMENT],
                            "control": p.conversions[Arm.CONTROL],
                        },
                    }
                    for p in points
                ]
                for rule, points in self.daily.items()
            },
        }


def _row(
    rule: str,
    goal: str,
    holdout: float | None,
    arms: tuple[int, int, int, int],
    confidence: float,
    min_per_arm: int,
    closed: bool = False,
) -> Row:
    n_t, x_t, n_c, x_c = arms
    if x_t > n_t or x_c > n_c:  # old, over-counted data: shown as such, never an exception
        return _unusable(rule, goal, holdout, arms)
    diff_ci = stats.newcombe(x_t, n_t, x_c, n_c, confidence)
    diff = x_t / n_t - x_c / n_c if n_t and n_c else None
    relative = stats.relative_lift(x_t, n_t, x_c, n_c, confidence)
    srm_p = None if holdout is None else stats.srm_pvalue(n_t, n_c, holdout / 100)
    srm = stats.srm_flagged(srm_p)
    enough = min(n_t, n_c) >= min_per_arm
    # a rule no longer in the files has no known holdout: its split cannot be checked; one
    # held out entirely has no treated group (any counted were so under another holdout)
    unknown = holdout is None or holdout >= 100
    verdict = stats.judge(diff_ci, enough=enough, srm=srm or unknown)
    needed = _needed((n_t, x_t, n_c, x_c), holdout, min_per_arm)
    sentence = verdicts.sentence(
        verdict, diff_ci, arms, holdout, goal, enough=enough, srm=srm, needed=needed,
        confidence=confidence, min_per_arm=min_per_arm, closed=closed,
    )  # fmt: skip
    return Row(
        rule, goal, holdout, n_t, x_t, n_c, x_c, diff, diff_ci,
        None if relative is None else relative[0],
        None if relative is None else relative[1],
        srm_p, srm, enough, verdict, sentence,
        None if needed is None else needed[0], None if needed is None else needed[1],
        closed=closed,
    )  # fmt: skip


def _unusable(rule: str, goal: str, holdout: float | None, arms: tuple[int, int, int, int]) -> Row:
    n_t, x_t, n_c, x_c = arms
    what = "; ".join(
        f"{x:,} conversions counted for {n:,} {group} visitors"
        for group, n, x in (("treated", n_t, x_t), ("held-out", n_c, x_c))
        if x > n
    )
    return Row(
        rule, goal, holdout, n_t, x_t, n_c, x_c, None, stats.Interval(-1.0, 1.0), None, None,
        None, False, False, stats.Verdict.NO_EVIDENCE, UNUSABLE.format(what=what),
        unusable=True,
    )  # fmt: skip


def _needed(arms: tuple[int, int, int, int], holdout: float | None, least: int) -> Plan:
    """(held-out, treated) visitors planned: stats.plan's, never fewer than a verdict needs
    (at 85 %+ conversion the formula asks for fewer than ``least``: "reached" beside "too
    few visitors"); ``None`` when no size can be planned."""
    needed = stats.plan(arms, holdout, MDE)
    return None if needed is None else (max(needed[0], least), max(needed[1], least))


def build(
    counts: Counts,
    specs: Iterable[RuleSpec],
    site_goals: Iterable[str] = (),
    *,
    since: str | None = None,
    until: str | None = None,
    confidence: float = stats.CONFIDENCE,
    min_per_arm: int = stats.MIN_PER_ARM,
    closed: frozenset[str] = frozenset(),
    goal_days: Mapping[str, str] = {},  # noqa: B006 (read only)
) -> Report:
    """Rows for every configured rule (and any counted rule no longer configured); ``closed``:
    the rules whose test ended or is off (collect.py), whose rows never say to wait;
    ``goal_days``: goal id -> the day it was declared as it is now, where known
    (measure/goalstart.py: a rule first exposed before is judged on it from the day after)."""
    if since is not None and until is not None and since > until:
        raise MeasureError("since/until", f"{since} > {until}", "since must not be after until")
    known = {spec.id: spec for spec in specs}
    goals_all = tuple(site_goals)
    exposed: Counter[tuple[str, Arm]] = Counter()
    converted: Counter[tuple[str, str, Arm]] = Counter()
    for (rule, arm, day), n in counts.exposures.items():
        if _within(day, since, until):
            exposed[(rule, arm)] += n
    for (rule, goal, arm, day), n in counts.conversions.items():
        if _within(day, since, until):
            converted[(rule, goal, arm)] += n
    rules = sorted(set(known) | {rule for rule, _ in exposed})
    reached: dict[str, set[str]] = {}  # rule -> goals counted for it
    for rule, goal, _ in converted:
        reached.setdefault(rule, set()).add(goal)
    span = [day for day in counts.days if _within(day, since, until)]  # once: sorted
    rows: list[Row] = []
    daily: dict[str, list[DayPoint]] = {}
    firsts = goalstart.first_days(counts) if goal_days else {}
    for rule in rules:
        spec = known.get(rule)
        # (a rule gone from the files: the goals counted for it, not every site goal: editor63)
        counted = tuple(sorted(reached.get(rule, ())))
        goals = (
            spec.goals if spec and spec.goals else spec is None and counted or goals_all
        ) or counted
        n_t, n_c = exposed[(rule, Arm.TREATMENT)], exposed[(rule, Arm.CONTROL)]
        holdout = spec.holdout if spec else None
        for goal in goals or ("",):
            x_t = converted[(rule, goal, Arm.TREATMENT)] if goal else 0
            x_c = converted[(rule, goal, Arm.CONTROL)] if goal else 0
            arms, days = (n_t, x_t, n_c, x_c), span
            if cut := goalstart.start(goal_days.get(goal), firsts.get(rule)):
                arms, left = goalstart.arms_from(counts, rule, goal, span, cut)
                days = [day for day in span if day >= cut]
            row = _row(rule, goal, holdout, arms, confidence, min_per_arm, rule in closed)
            if cut:
                told = goalstart.said(goal, goal_days[goal], cut, left, bool(days))
                row = replace(row, sentence=f"{row.sentence} {told}")
            rows.append(_dated(row, counts, days, min_per_arm))
        daily[rule] = _daily(counts, rule, set(goals), span)
    return Report(rows, daily, since, until, confidence, min_per_arm)


def _dated(row: Row, counts: Counts, span: list[str], least: int) -> Row:
    """A planned row with the first cohort day of ``span`` (the days read, sorted) whose read
    (the report up to it) reached its own plan, not the whole range's, and a sentence naming
    that read as the one that counts."""
    if not row.planned or row.srm or row.unusable or not row.goal:
        return row
    n_t = n_c = x_t = x_c = 0
    for day in span:
        n_t += counts.exposures[(row.rule, Arm.TREATMENT, day)]
        n_c += counts.exposures[(row.rule, Arm.CONTROL, day)]
        x_t += counts.conversions[(row.rule, row.goal, Arm.TREATMENT, day)]
        x_c += counts.conversions[(row.rule, row.goal, Arm.CONTROL, day)]
        needed = _needed((n_t, x_t, n_c, x_c), row.holdout, least)
        if needed and n_c >= needed[0] and n_t >= needed[1]:
            return replace(row, planned_on=day, sentence=f"{row.sentence} {planned_on(day)}")
    return row


def _daily(counts: Counts, rule: str, goals: set[str], span: list[str]) -> list[DayPoint]:
    points: list[DayPoint] = []
    for day in span:
        exp = {arm: counts.exposures[(rule, arm, day)] for arm in Arm}
        conv = {arm: sum(counts.conversions[(rule, g, arm, day)] for g in goals) for arm in Arm}
        if any(exp.values()) or any(conv.values()):
            points.append(DayPoint(day, exp, conv))
    return points
