"""Exposures for measurement: which measured rules this page shows, or would have shown.

A rule with a holdout is *measured*. On a page, a measured rule is exposed in the treatment arm
("t") when it is shown, and in the control arm ("c") when the visitor is in its holdout and the
rule would have been shown without *its* holdout: same conditions, opt-outs, caps, budget, slot
and render, and every other measured rule in the arm drawn for this visitor. "Would have been
shown" is found by deciding the page again with only that rule's holdout ignored, so both arms
of a rule pass exactly the same tests, competitors included: two measured rules on one slot each
keep a fair control group (ignoring every holdout would give the slot to the higher priority
always, and the lower rule's control group would lose the visitors the higher one holds out).
The passes are shared: the page is decided again with the holdouts of every held-out rule
not yet counted ignored at once; a rule shown then is shown with its own holdout alone ignored
too (fewer rules allowed can only leave it its slot and budget), so it is in control; the rules
found are held out again and the rest decided again, until a pass finds none, and a rule no pass
shows would not have been shown alone either (the rules that beat it were not ones held out).
So a page view decides again once, plus once per control exposure it finds, which is counted
once per visitor and rule: never once per held-out rule on every view.
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
    pending = {rule for rule in restraint.held if rule not in seen and rule not in out}
    while pending:  # each pass but the last finds one control exposure or more
        without = replace(
            restraint, unheld=frozenset(pending), names_on_page=0, held=[], excluded=set()
        )
        found = {d.id for d in rerun(without)} & pending
        if not found:
            break
        for rule in found:
            out[rule] = CONTROL
        pending -= found
    return out
