"""A goal declared while a test ran: judged on the visitors first exposed after it.

A visitor can only reach a goal that exists: one first exposed to a rule before its goal was
declared (or before the goal's ``event:``/``path:`` changed) had part or all of their
attribution window without it, and counted with the others they pull its rates down and its
lift toward zero. Each process marks the day each goal, as declared now, was first in force,
in the stats ledger (asgi/goalmarks.py: ``goal|<id>|event:<name>``, HSETNX); the report judges
such a goal, for a rule first exposed before that day, on the visitors first exposed from the
day after (the first whole day with it: a phase of its own, as a changed holdout is,
measure/phases.py) and says how many it left out.

A goal first marked the day the marks began (``goals|since``) may be older than that (the
release before marked nothing), and one marked on or before its rule's first exposure was
there as its test began (a rule and its goal deployed together): neither is cut.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from omotenashi.rules.goals import Goal

from .counting import Arm

SINCE = "goals|since"  # the ledger field: the day goals were first marked there


def field(goal: Goal) -> str:
    """The ledger field of ``goal`` as declared now (a changed definition is a new field)."""
    what = f"event:{goal.event}" if goal.event is not None else f"path:{goal.path}"
    return f"goal|{goal.id}|{what}"


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def marked(ledger: Mapping[Any, Any], goals: Iterable[Goal]) -> dict[str, str]:
    """Goal id -> the day its definition now was first in force, for the goals marked after
    the marks began (the others: as if there from the start)."""
    if not ledger:
        return {}
    fields = {_text(k): _text(v) for k, v in ledger.items()}
    began = fields.get(SINCE)
    out = {}
    for goal in goals:
        day = fields.get(field(goal))
        if began is not None and day is not None and day > began:
            out[goal.id] = day
    return out


def start(marked_on: str | None, first_exposed: str | None) -> str | None:
    """The first cohort day a goal marked on ``marked_on`` is judged from, for a rule first
    exposed on ``first_exposed`` (the days read); None: judged on all of them."""
    if marked_on is None or first_exposed is None or first_exposed >= marked_on:
        return None
    return (dt.date.fromisoformat(marked_on) + dt.timedelta(days=1)).isoformat()


def said(goal: str, marked_on: str, since: str, left_out: int, read: bool = True) -> str:
    """What a row cut at ``since`` says of it (``read``: some day read is on or after it)."""
    declared = (
        f"The goal “{goal}” was declared (or its event or path changed) on {marked_on}, while "
        "this test ran: "
    )
    if not read:  # (eye52: --until before the cut said "from <a day not read> on")
        return (
            f"{declared}it is judged on the visitors first exposed from {since} on, after the "
            "days read."
        )
    return (
        f"{declared}its counts are of the visitors first exposed from {since} on; the "
        f"{left_out:,} first exposed before, who could not all reach it, are left out."
    )


def first_days(counts: Any) -> dict[str, str]:
    """Rule id -> the first day of ``counts`` (report.Counts) with an exposure of it."""
    out: dict[str, str] = {}
    for (rule, _, day), n in counts.exposures.items():
        if n > 0 and (rule not in out or day < out[rule]):
            out[rule] = day
    return out


def arms_from(
    counts: Any, rule: str, goal: str, span: list[str], cut: str
) -> tuple[tuple[int, int, int, int], int]:
    """``(treated, their conversions, held out, theirs)`` of ``rule`` and ``goal`` over the
    days of ``span`` from ``cut`` on, and the first exposures of the days before it."""
    n_t = x_t = n_c = x_c = left = 0
    for day in span:
        t = counts.exposures[(rule, Arm.TREATMENT, day)]
        c = counts.exposures[(rule, Arm.CONTROL, day)]
        if day < cut:
            left += t + c
            continue
        n_t, n_c = n_t + t, n_c + c
        x_t += counts.conversions[(rule, goal, Arm.TREATMENT, day)]
        x_c += counts.conversions[(rule, goal, Arm.CONTROL, day)]
    return (n_t, x_t, n_c, x_c), left
