"""Exposures for measurement: which measured rules this page shows, or would have shown.

A rule with a holdout is *measured*. On a page, a measured rule is exposed in the treatment arm
("t") when it is shown, and in the control arm ("c") when the visitor is in its holdout and the
rule would have been shown without *its* holdout: same conditions, opt-outs, caps, budget, slot,
intents and render, and every other measured rule in the arm drawn for this visitor. "Would have
been shown" is found by deciding the page again with only that rule's holdout ignored, so both
arms of a rule pass exactly the same tests, competitors included (ignoring every holdout at once
would give a slot to a competitor held out too, and sharing one pass between held rules is not
exact either: an intent, the name limit or a block that renders nothing make one held rule's
outcome depend on another's).

One pass per held-out rule not yet counted (counted once per visitor and rule), at most
``CHECKS_PER_VIEW`` passes on one page view: a page with more measured rules held out than that
checks them in turns, a different group on each view (by the visitor's page count), so a rule
that can never be shown does not cost a pass on every view of a page with many measured rules.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace

from omotenashi.engine.decide import Decision
from omotenashi.engine.restraint import Restraint

TREATMENT, CONTROL = "t", "c"
CHECKS_PER_VIEW = 8  # passes for control exposures on one page view, at most


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
    pending = sorted({rule for rule in restraint.held if rule not in seen and rule not in out})
    if len(pending) > CHECKS_PER_VIEW:  # in turns: a different group on each page view
        turn = restraint.profile.views * CHECKS_PER_VIEW % len(pending)
        pending = (pending[turn:] + pending[:turn])[:CHECKS_PER_VIEW]
    for rule in pending:
        alone = replace(
            restraint, unheld=frozenset({rule}), names_on_page=0, held=[], excluded=set()
        )
        if any(decision.id == rule for decision in rerun(alone)):
            out[rule] = CONTROL
    return out
