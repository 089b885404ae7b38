"""Exposures for measurement: which measured rules this page shows, or would have shown.

A rule with a holdout is *measured*. On a page, a measured rule is exposed in the treatment arm
("t") when it is shown, and in the control arm ("c") when the visitor is in its holdout and the
rule would have been shown without *its* holdout: same conditions, opt-outs, caps, budget, slot
and render, and every other measured rule in the arm drawn for this visitor. "Would have been
shown" is found by deciding the page again with only that rule's holdout ignored, so both arms
of a rule pass exactly the same tests, competitors included: two measured rules on one slot each
keep a fair control group (ignoring every holdout would give the slot to the higher priority
always, and the lower rule's control group would lose the visitors the higher one holds out).
This second pass runs once per held-out rule the visitor has not yet been counted for (at most
once per visitor and rule; a page has few measured rules).
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
    held = sorted({rule for rule in restraint.held if rule not in seen and rule not in out})
    for rule in held:
        alone = replace(
            restraint, unheld=frozenset({rule}), names_on_page=0, held=[], excluded=set()
        )
        if any(decision.id == rule for decision in rerun(alone)):
            out[rule] = CONTROL
    return out
