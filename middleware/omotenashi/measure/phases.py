"""Phases of a test: a holdout changed while a rule ran starts a new test.

A first exposure is tagged with the holdout in force (``h|t10|promo``: counting.phase). When a
rule's holdout changes (10 % to 20 %), visitors already counted keep their arm, new ones are
drawn at the new share: counts across the change mix two splits. Checked against the share now,
such a mix is a sample-ratio mismatch that is not one; and added up, the two groups weigh the
days before and after the change differently, so a conversion rate that moved meanwhile moves
the lift (Simpson's paradox). Production A/B tools start a new phase when the split changes
(GrowthBook) or warn that results are skewed (Optimizely); so does the report: a rule is judged
on the visitors first exposed from the first whole day counted under its holdout now, and its
rows say how many first exposed before were left out. Exposures without a tag (counted before
this version, or by the release before it during a rolling deploy: ``x|t|promo`` beyond its
day's tags) are taken as counted under the holdout now, as they always were.

A holdout removed and later restored is a boundary too (a rule removed from the files is not:
nobody sees it meanwhile, and no process knows its id to mark the gap): in the gap everyone saw
the rule and nobody was counted, so a visitor first counted after it may have seen the rule
already, and is drawn afresh (held out, perhaps). Nothing is counted in a gap, so the counts
alone cannot show one: a visitor counted before who comes back while the test is off marks
that day, once per visitor (``h|t0|promo``, counting 0: counting.gap_field). A marked day
before the last day with exposures ends a phase, as a day under another holdout does; marks
after it are the test's end (no holdout now, or no rule), which ``ended`` says.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from .counting import Cells, cells
from .report import Counts, Report, RuleSpec


@dataclass(frozen=True)
class Phase:
    """A rule's last phase: run with ``holdout`` (percent) from ``start`` (``None``: from the
    first day read); ``left_out`` visitors were first exposed before it, under the holdouts
    ``earlier``. ``ended``: "removed" (its holdout is 0 now), "gone" (no longer in the rule
    files), "" (running). ``now``: the rule's holdout now, when the days read ran with another
    (a range that ends before a change): they are judged on the one they ran with."""

    start: str | None
    left_out: int
    earlier: tuple[float, ...]
    holdout: float
    ended: str = ""
    now: float | None = None
    gap: str = ""  # the last day the test was off (holdout removed, or the rule) before it ran on

    def sentence(self) -> str:
        said = []
        if self.now is not None:
            said.append(
                f"The days read ran with a {self.holdout:g}% holdout (it is {self.now:g}% now): "
                "they are judged on that split."
            )
        if self.start is not None:
            was = " or ".join(f"{h:g}%" for h in self.earlier)
            changed = [f"changed (from {was} to {self.holdout:g}%)"] if self.earlier else []
            if self.gap:  # its visitors then saw the rule uncounted: some are held out now
                changed.append(f"removed and restored (the test was off on {self.gap})")
            said.append(
                f"The holdout was {' and '.join(changed)} while the rule ran: a changed split "
                "or a gap starts a new test, so these counts are of the visitors first "
                f"exposed from {self.start} on; the {self.left_out:,} first exposed before are "
                "left out."
            )
        if self.ended == "removed":
            said.append(
                f"The holdout was removed: the test ended, and is judged on the {self.holdout:g}% "
                "split it ran with. No visitor is newly counted; held-out visitors see the rule "
                "now, so goals they reach since count for the held-out group and pull the lift "
                "toward zero."
            )
        elif self.ended == "gone":
            said.append(
                f"The rule is no longer in the rule files: the test ended, and is judged on the "
                f"{self.holdout:g}% split it ran with; no visitor is newly counted."
            )
        return " ".join(said)


def current(
    days: Mapping[str, Mapping[Any, Any] | Cells],
    holdouts: Mapping[str, float],
    formerly: Mapping[str, tuple[str, ...]] = {},  # noqa: B006 (read only)
) -> dict[str, Phase]:
    """The last phase of each rule whose day counts hold a holdout other than its own now
    (``holdouts``: rule id -> percent), or that is no longer measured (its holdout 0, or not in
    the rule files) while its counts name the holdout it ran with; a former id's counts are its
    rule's (``formerly``). Counts without a holdout (from before it was written) are taken as
    counted under the holdout now."""
    now = {old: rule for rule, olds in formerly.items() for old in olds}
    tagged: dict[str, dict[str, Counter[float]]] = {}  # rule -> day -> holdout -> exposures
    exposed: Counter[tuple[str, str]] = Counter()  # (rule, day) -> first exposures
    off: dict[str, set[str]] = {}  # rule -> days a gap's mark names (counting.gap_field)
    for day, fields in days.items():
        for cell, raw in cells(fields):
            if cell.goal:
                continue
            count = max(0, raw)
            rule = now.get(cell.rule, cell.rule)
            exposed[(rule, day)] += 0 if cell.tag else count  # a tag's are in x|t|promo
            if cell.tag and cell.holdout == 0:  # the test was off: a gap, not a split
                off.setdefault(rule, set()).add(day)
            elif cell.holdout is not None:
                tagged.setdefault(rule, {}).setdefault(day, Counter())[cell.holdout] += count
    out = {}
    for rule, by_day in tagged.items():
        # a gap before the last day counted is a boundary: the visitors first exposed after it
        # are a new test (some saw the rule in it uncounted, and now drawn, may be held out);
        # one after it is the test's end, said below
        # (and only after a day it ran: the day a holdout is first given, a worker that has not
        # reloaded yet, or a rolling deploy's old release, still serves the rule without one)
        gaps = {day for day in off.get(rule, ()) if min(by_day) < day < max(by_day)}
        held = holdouts.get(rule)
        ended = "gone" if held is None else "removed" if held == 0 else ""
        # (everyone held out now, 100 %: a phase all the same, so that the visitors treated
        # under the holdout before are left out and said to be, not mixed in: report.py)
        last = by_day[max(by_day)]  # the last day read: its split, unless it has the one now
        ran = None if ended or held in last else last.most_common(1)[0][0]
        if ended or ran is not None:  # judged on the split it last ran with in the days read
            held = last.most_common(1)[0][0]
        other = [day for day, seen in by_day.items() if any(h != held for h in seen)] + [*gaps]
        if not (other or ended or ran is not None):
            continue
        start = (
            (dt.date.fromisoformat(max(other)) + dt.timedelta(days=1)).isoformat()
            if other
            else None
        )
        before = sum(n for (r, day), n in exposed.items() if r == rule and day < (start or ""))
        earlier = tuple(sorted({h for day in other for h in by_day.get(day, ()) if h != held}))
        was = None if ran is None else holdouts.get(rule)
        out[rule] = Phase(
            start, before, earlier, float(held or 0), ended, was, max(gaps, default="")
        )
    return out


def judged(specs: Iterable[RuleSpec], phases: Mapping[str, Phase]) -> list[RuleSpec]:
    """``specs`` with a rule whose test ended judged on the holdout it ran with (one no longer
    in the rule files, on every site goal)."""
    out = [
        replace(spec, holdout=phases[spec.id].holdout)
        if spec.id in phases and (phases[spec.id].ended or phases[spec.id].now is not None)
        else spec
        for spec in specs
    ]
    out += [RuleSpec(r, p.holdout) for r, p in sorted(phases.items()) if p.ended == "gone"]
    return out


def within(counts: Counts, phases: Mapping[str, Phase]) -> Counts:
    """``counts`` without the days before each rule's last phase."""
    if not phases:
        return counts
    out = Counts()

    def kept(rule: str, day: str) -> bool:
        phase = phases.get(rule)
        return phase is None or phase.start is None or day >= phase.start

    for (rule, arm, day), n in counts.exposures.items():
        if kept(rule, day):
            out.exposures[(rule, arm, day)] += n
    for (rule, goal, arm, day), n in counts.conversions.items():
        if kept(rule, day):
            out.conversions[(rule, goal, arm, day)] += n
    return out


def stopped(rules: Iterable[Any], now: dt.datetime) -> dict[str, str]:
    """What a measured rule that is off says (switched off, or its schedule ended): waiting
    adds no visitor to it. ``rules``: compiled rules (``id``, ``rule``); ``now``: aware, in the
    site's zone (a schedule without an offset is in it)."""
    out = {}
    for compiled in rules:
        rule = compiled.rule
        end = rule.schedule.end if rule.schedule is not None else None
        if end is not None and end.tzinfo is None:
            end = end.replace(tzinfo=now.tzinfo)
        if not rule.holdout:
            continue
        if not rule.enabled:
            out[compiled.id] = (
                "The rule is switched off (enabled: false): no visitor is newly counted; goals "
                "of those counted still are."
            )
        elif end is not None and now >= end:
            out[compiled.id] = (
                f"Its schedule ended ({end:%Y-%m-%d %H:%M}): no visitor is newly counted; goals "
                "of those counted still are."
            )
    return out


def noted(report: Report, notes: Mapping[str, str]) -> Report:
    """``report`` with each rule's note (``notes``: rule id -> sentences) after its rows'."""
    if not notes:
        return report
    rows = [
        replace(row, sentence=f"{row.sentence} {notes[row.rule]}") if row.rule in notes else row
        for row in report.rows
    ]
    return replace(report, rows=rows)
