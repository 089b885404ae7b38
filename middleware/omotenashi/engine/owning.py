"""Which rule takes an element that several rules aim at (a slot rule's and a selector rule's,
or two selectors'): the higher priority, a tie the first decided (the slot rule); one that puts
nothing there (its block empty, its snippet failed) leaves it to the next (editor65, review65,
last65)."""

from __future__ import annotations

from omotenashi.engine.decide import Decision
from omotenashi.engine.html.scanner import Target
from omotenashi.engine.html.splice import Edit
from omotenashi.engine.ruleset import SELECTED

__all__ = ["missed", "owners_of"]


def missed(
    owner: dict[int, str], edits: list[Edit], owners: list[Decision]
) -> frozenset[tuple[int, str]]:
    """(element, rule) of the elements whose owner put nothing there."""
    made = {(e.target.start, o.id) for e, o in zip(edits, owners, strict=True)}
    return frozenset(pair for pair in owner.items() if pair not in made)


def owners_of(
    decisions: list[Decision],
    by_name: dict[str, list[Target]],
    lost: frozenset[tuple[int, str]] = frozenset(),
) -> dict[int, str]:
    """The rule each element goes to where several rules aim at it (a slot rule's and a
    selector rule's, or two selectors'), by the start of its tag: the higher priority, a tie
    the first decided (the slot rule). Empty unless a selector rule was decided (editor65: the
    slot rule always won; review65: its "i" then went with the element it lost)."""
    if all(d.target[:1] != SELECTED for d in decisions):
        return {}
    best: dict[int, tuple[float, str]] = {}
    aimed: dict[int, int] = {}  # how many rules aim at each element
    for d in decisions:
        priority = d.rule.rule.priority
        for t in by_name.get(d.target, ()):
            aimed[t.start] = aimed.get(t.start, 0) + 1
            if (t.start, d.id) in lost:
                continue
            if t.start not in best or priority > best[t.start][0]:
                best[t.start] = (priority, d.id)
    # (an element one rule aims at is that rule's: eye65, an empty selector block alone on
    # its element made the page be placed twice)
    return {start: rule for start, (_, rule) in best.items() if aimed[start] > 1}


def owner_pairs(
    decisions: list[Decision], by_name: dict[str, list[Target]], ids: set[str]
) -> list[tuple[int, str]]:
    """(element, rule) of every element each rule of ``ids`` aims at."""
    return [(t.start, d.id) for d in decisions if d.id in ids for t in by_name.get(d.target, ())]
