"""Only blocks a visitor sees spend what a page allows: its budget of personalised slots, an
intent's budget, the uses of the visitor's name (engine/restraint.py ``choose``), and so the
blocks the why panel lists and the response's rule list.

Which blocks are seen is known only once they are made and spliced in (html/splice.py): one
inside content another block replaces or inside an element one hides or the page itself hides
(``hidden`` on it or around it, a ``<template>``: html/scanner.py), one whose snippet renders
nothing (no items to recommend, a failed render) or whose content cannot go where its target is
makes no edit the visitor sees; its target keeps its default. When such a block was decided and
restraint left another out for one of those counts, the page is decided again without the
targets nothing was seen of (each is then left as it was, as it is when nothing is left out),
and made again: the counts go to blocks that are seen. At most :data:`ROUNDS` more times (each
leaves out at least one more target); a page where every block decided is seen, or where
nothing was left out, is decided and made once.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from omotenashi.engine.decide import Decision
from omotenashi.engine.html import Edit, Target
from omotenashi.engine.html.splice import visible_of
from omotenashi.engine.restraint import Restraint
from omotenashi.rules.recommend import Exclusion

ROUNDS = 2  # decisions again, at most (a page with blocks in hidden ones at two depths)

# what a recommendation's note and the panel say of it: its items' reasons, whether any is
# there because of the visitor, and which of their own filters took items out
Asked = tuple[list[str], bool, tuple[Exclusion, ...]]


@dataclass
class Placed:
    """The page as made from one set of decisions."""

    html: str
    shown: list[Decision]  # the blocks seen, in the order of the decisions
    edits: list[Edit]
    noteless: set[str]  # blocks none of whose elements may hold their "i" here
    told: dict[str, Asked]  # what the recommender said of a block, by rule id
    problems: list[str] = field(default_factory=list)  # e.g. a snippet that failed to render
    left_out: list[str] = field(default_factory=list)  # targets a rule could not change
    unseen: frozenset[str] = frozenset()  # targets of blocks decided, nothing of which is seen


def seen_of(
    decided: list[Decision],
    made: list[Decision],
    edits: Sequence[Edit],
    owners: Sequence[Decision],
    done: Sequence[int],
    by_name: Mapping[str, Sequence[Target]],
) -> tuple[list[Decision], frozenset[str], list[str]]:
    """The blocks ``made`` (those that made ``edits``, each by its ``owners``' block; ``done``:
    those applied, in page order, as html/splice.py ``splice_edits`` gives them) that a
    visitor sees: at least one of their edits reached the page where it can be seen (not
    inside content another replaces, nor inside an element one or the page hides); the
    targets nothing of which would be seen (none on most pages): those of the ``decided``
    blocks none of whose edits is seen, and any other of ``by_name`` the page hides or wholly
    inside what a seen block hides or replaces (so that one more decision leaves them all out
    at once); and why each block made is not seen, when another block's edit or the page is
    why."""
    visible = visible_of(edits, done, in_page_order=True)
    shown = {owners[k].id for k in visible}
    seen = [d for d in made if d.id in shown]
    if len(seen) == len(decided):  # (each block is seen: nothing to compare)
        return seen, frozenset(), []
    unseen = {d.target for d in decided if d.id not in shown}
    unseen |= _covered(edits, visible, by_name)
    return seen, frozenset(unseen), _why_unseen(edits, owners, sorted(done), shown)


def _covered(
    edits: Sequence[Edit], visible: Sequence[int], by_name: Mapping[str, Sequence[Target]]
) -> set[str]:
    """The targets every element of which the page hides (:attr:`Target.hidden`) or lies
    inside content a seen edit replaces or inside an element one hides."""
    spans = []
    for k in visible:
        t, edit = edits[k].target, edits[k]
        if t.void or t.unsure:
            continue
        if edit.inner is not None or any(name.lower() == "hidden" for name in edit.attrs):
            spans.append((t.open_end, t.close_start))
    starts: list[int] = []  # the outermost spans, in page order (elements nest: none overlap)
    ends: list[int] = []
    for a, b in sorted(spans):
        if not ends or a >= ends[-1]:
            starts.append(a)
            ends.append(b)

    def inside(t: Target) -> bool:  # (one look-up per element: no pass over the spans)
        if t.hidden:
            return True
        at = bisect_right(starts, t.start) - 1
        return at >= 0 and t.end <= ends[at]

    return {name for name, targets in by_name.items() if targets and all(map(inside, targets))}


def _why_unseen(
    edits: Sequence[Edit], owners: Sequence[Decision], done: Sequence[int], shown: set[str]
) -> list[str]:
    """For each block that made an edit and is not seen, the block whose edit hides, replaces
    or took its element (one whose target's extent is unsure the scanner speaks of)."""
    said: dict[str, str] = {}
    asked: set[str] = set()  # (each block's first element alone: a selector's many are not
    for k, edit in enumerate(edits):  # each compared with every edit)
        rule, t = owners[k].id, edit.target
        if rule in shown or rule in asked or t.unsure or t.close_start < 0:
            continue
        asked.add(rule)
        if t.hidden:
            said[rule] = f"rule {rule!r}: its target is hidden by the page (hidden, <template>)"
            continue
        for j in done:
            other, o = owners[j].id, edits[j].target
            if other == rule or not o.start <= t.start < max(o.close_start, o.start + 1):
                continue
            if o.start == t.start:
                said[rule] = f"rule {rule!r}: rule {other!r} took its target first"
            elif any(name.lower() == "hidden" for name in edits[j].attrs):
                said[rule] = f"rule {rule!r}: its target is inside an element rule {other!r} hides"
            elif edits[j].inner is not None:
                said[rule] = f"rule {rule!r}: its target is inside content rule {other!r} replaces"
            else:
                continue
            break
    return list(said.values())


def decided_again(
    choose: Callable[[frozenset[str]], list[Decision]],
    place: Callable[[list[Decision]], Placed],
    placed: Placed,
    restraint: Restraint,
) -> Placed:
    """The page made again from decisions without the targets nothing was seen of, while some
    are and ``restraint`` left a block out for a count of the page's (``choose``: the page's
    decisions, the targets given left as they are; ``place``: the page made from them). What
    went wrong on the way is said once (a failed snippet's target is not decided again)."""
    gone: frozenset[str] = frozenset()
    problems: list[str] = []
    left_out: list[str] = []
    for _ in range(ROUNDS):
        if not placed.unseen or not restraint.crowded:
            break
        gone |= placed.unseen  # (never decided again: each round leaves out one more)
        problems += placed.problems
        left_out += placed.left_out
        placed = place(choose(gone))
    placed.problems = list(dict.fromkeys(problems + placed.problems))
    placed.left_out = list(dict.fromkeys(left_out + placed.left_out))
    return placed
