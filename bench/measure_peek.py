"""Peeking: an A/A test (a rule that changes nothing) read every day, straight through the
report's own code (``report.build`` on daily counts, as the store would hold them).

The middleware's counting was checked to be exact against the simulated truth by
``bench/measure_sim.py`` (every run's counts equal the visitors' own), so the daily reads can be
made on counts drawn directly: ``visitors`` a day arrive, a ``holdout`` share held out, each
converts with probability ``p`` (filed under their day, as a cohort). Each experiment is read at
the end of every day for ``days`` days.

    python bench/measure_peek.py --runs 2000 --days 28 --visitors 300 --p 0.1
    python bench/measure_peek.py --runs 2000 --days 60 --visitors 300 --p 0.1

Prints the share of experiments that showed, on some day: any *helps*/*hurts*; one not marked
*(early)*; and the share whose single read at the plan (the report up to the day it names,
``planned_on``) shows one, which should be about 5 %.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "middleware"))

from omotenashi.measure import report  # noqa: E402
from omotenashi.measure.counting import Arm  # noqa: E402
from omotenashi.measure.stats import Verdict  # noqa: E402

FIRST = dt.date(2026, 11, 2)


def binomial(rng: random.Random, n: int, p: float) -> int:
    """A binomial draw by geometric waiting times: about n·min(p, 1-p) steps."""
    if p > 0.5:
        return n - binomial(rng, n, 1 - p)
    if p <= 0:
        return 0
    step, hits, at = math.log(1 - p), 0, 0
    while True:
        at += int(math.log(1.0 - rng.random()) / step) + 1
        if at > n:
            return hits
        hits += 1


def experiment(
    rng: random.Random, *, days: int, visitors: int, holdout: float, p: float
) -> dict[str, bool]:
    counts = report.Counts()
    spec = report.RuleSpec("promo", holdout, ("buy",))
    seen = {"any": False, "unmarked": False, "planned": False, "at_plan": False, "early": False}
    seen["hurts"] = seen["named_early"] = False
    for index in range(days):
        day = (FIRST + dt.timedelta(days=index)).isoformat()
        n_c = binomial(rng, visitors, holdout / 100)
        for arm, n in ((Arm.CONTROL, n_c), (Arm.TREATMENT, visitors - n_c)):
            counts.exposures[("promo", arm, day)] += n
            counts.conversions[("promo", "buy", arm, day)] += binomial(rng, n, p)
        row = report.build(counts, [spec]).rows[0]
        judged = row.verdict is not Verdict.NO_EVIDENCE
        seen["any"] |= judged
        seen["unmarked"] |= judged and not row.early
        if row.planned_on:  # the read it names must itself be at its plan, not "early"
            named = report.build(counts, [spec], until=row.planned_on).rows[0]
            seen["named_early"] |= not named.planned
        if row.planned_on and not seen["planned"]:  # the one read the report asks for
            seen["planned"] = True
            at = report.build(counts, [spec], until=row.planned_on).rows[0]
            seen["at_plan"] = at.verdict is not Verdict.NO_EVIDENCE
            seen["hurts"] = at.verdict is Verdict.HURTS
            seen["early"] = index < days // 2  # reached in the first half of the days
    return seen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--days", type=int, default=28)
    parser.add_argument("--visitors", type=int, default=300, help="a day, both groups")
    parser.add_argument("--holdout", type=float, default=50.0)
    parser.add_argument("--p", type=float, default=0.10)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print("command: python bench/measure_peek.py " + " ".join(sys.argv[1:]))
    rng = random.Random(args.seed)
    runs = [
        experiment(rng, days=args.days, visitors=args.visitors, holdout=args.holdout, p=args.p)
        for _ in range(args.runs)
    ]
    total = len(runs)
    planned = sum(r["planned"] for r in runs)
    print(f"a helps/hurts on some day: {sum(r['any'] for r in runs) / total:.1%}")
    print(f"an unmarked helps/hurts on some day: {sum(r['unmarked'] for r in runs) / total:.1%}")
    print(f"reached the plan within {args.days} days: {planned}/{total}")
    named = sum(r["named_early"] for r in runs)
    print(f"a day's report naming a read that is not at its plan itself: {named}/{total}")
    if planned:
        wrong = sum(r["at_plan"] for r in runs)
        hurts = sum(r["hurts"] for r in runs)
        print(
            f"a helps/hurts at the one read the report names: {wrong / planned:.1%} "
            f"({wrong - hurts} helps, {hurts} hurts)"
        )
        soon = [r for r in runs if r["early"]]
        if soon:  # a plan reached soon is one whose read should be no less sound
            wrong_soon = sum(r["at_plan"] for r in soon) / len(soon)
            print(
                f"  of the {len(soon)} that reached it in the first {args.days // 2} days: "
                f"{wrong_soon:.1%}"
            )


if __name__ == "__main__":
    main()
