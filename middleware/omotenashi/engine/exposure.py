"""Exposures for measurement: which measured rules this page shows, or would have shown.

A rule with a holdout is *measured*. On a page, a measured rule is exposed in the treatment arm
("t") when it is shown, and in the control arm ("c") when the visitor is in its holdout and the
rule would have been shown without holdouts: same conditions, opt-outs, caps, budget, slot and
render. "Would have been shown" is found by deciding the page again with holdouts ignored, so
both arms pass exactly the same tests; this second pass runs only when a holdout refused a rule
the visitor has not yet been counted for (at most once per visitor and rule).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace

from omotenashi.engine.decide import Decision
from omotenashi.engine.restraint import Restraint

TREATMENT, CONTROL = "t", "c"


def exposures(
    applied: Iterable[Decision],
    restraint: Restraint,
    seen: frozenset[str],
    rerun: Callable[[Restraint], list[Decision]],
) -> dict[str, str]:
    """``{rule id: arm}`` for measured rules first exposed on this page.

    ``applied`` are the decisions shown, ``restraint`` the policy they were decided under (its
    ``held`` lists rules refused for their holdout), ``seen`` the rules already counted for
    this visitor, and ``rerun`` decides the page again under another restraint.
    """
    out = {d.id: TREATMENT for d in applied if d.rule.rule.holdout and d.id not in seen}
    held = {rule for rule in restraint.held if rule not in seen and rule not in out}
    if held:
        without = replace(restraint, ignore_holdout=True, names_on_page=0, held=[], excluded=set())
        for decision in rerun(without):
            if decision.id in held:
                out[decision.id] = CONTROL
    return out
