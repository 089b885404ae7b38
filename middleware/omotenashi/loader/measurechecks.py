"""``omotenashi check`` on measured rules: more of them on one page than a page view can count.

A page view finds the control exposures of at most ``CHECKS_PER_VIEW`` held-out rules
(engine/exposure.py); with more held out at once it checks them in turns, so a visitor who sees
one page is missed from the held-out group of the rest: a sample-ratio mismatch the report
flags, caused by us. Which rules can be held out on one page view cannot be known from the
files alone, so this finds a measured rule with more than that many measured rules that may
apply on a page it applies on (itself included): every one, unless their top-level
``when: {path: ...}`` globs can never match one path. Rules on one slot count one each: a rule
held out leaves its slot to the next rule, which may be held out too. The warning names the
first such rule's group; other conditions (stage, device, ...) are not read, so it may warn
about rules that never meet in fact: it errs toward saying too much.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Mapping, Sequence
from fnmatch import fnmatchcase

from omotenashi.engine.exposure import CHECKS_PER_VIEW
from omotenashi.engine.ruleset import CompiledRule
from omotenashi.loader.findings import Finding
from omotenashi.rules.goals import Goal

NAMED = 10  # rules the warning names; the rest are counted
_WILD = "*?["


def _prefix(glob: str) -> str:
    """The literal start of a glob: what every path it matches begins with."""
    cut = min((glob.index(c) for c in _WILD if c in glob), default=len(glob))
    return glob[:cut]


class _Paths:
    """The measured rules' ``path`` globs, indexed so that the rules that may share a page
    with one are found without comparing every pair (a site may measure thousands of rules,
    each on its own page). Two globs may match one path when one's literal start begins the
    other's (a literal path: when it is the other literal, or the glob matches it)."""

    def __init__(self, measured: Sequence[CompiledRule]) -> None:
        self.measured = measured
        self.literal: dict[str, list[int]] = {}  # a path without wildcards -> rules
        self.globbed: dict[str, list[tuple[int, str]]] = {}  # literal start -> (rule, glob)
        for i, r in enumerate(measured):
            for glob in dict.fromkeys(r.rule.when.path or ()):
                start = _prefix(glob)
                if start == glob:
                    self.literal.setdefault(glob, []).append(i)
                else:
                    self.globbed.setdefault(start, []).append((i, glob))
        self.literal_keys, self.glob_keys = sorted(self.literal), sorted(self.globbed)

    def _under(self, keys: list[str], start: str) -> list[str]:
        """The keys that begin with ``start`` (a contiguous run of the sorted keys)."""
        found = []
        for key in keys[bisect_left(keys, start) :]:
            if not key.startswith(start):
                break
            found.append(key)
        return found

    def near(self, i: int, limit: int) -> set[int]:
        """Rule ``i`` and the rules that may apply on a page it applies on; stops once more
        than ``limit`` are found."""
        found = {i}
        for glob in self.measured[i].rule.when.path or ():
            start = _prefix(glob)
            for cut in range(len(start) + 1):  # globs whose literal start begins this one's
                found.update(
                    j
                    for j, other in self.globbed.get(start[:cut], ())
                    if start != glob or fnmatchcase(glob, other)
                )
            if start == glob:
                found.update(self.literal.get(glob, ()))
            else:  # globs and paths that begin with this one's literal start
                for key in self._under(self.glob_keys, start):
                    found.update(j for j, _ in self.globbed[key])
                for key in self._under(self.literal_keys, start):
                    if fnmatchcase(key, glob):
                        found.update(self.literal[key])
            if len(found) > limit:
                break
        return found


def _crowd(measured: list[CompiledRule]) -> list[CompiledRule]:
    """Measured rules that may share a page with one of them, more than a page view counts
    (an upper bound on the rules held out on one page view), or none. Only top-level ``path``
    globs are read: a rule without them may apply on any page, and then so may all of them."""
    if any(r.rule.when.path is None for r in measured):
        return measured
    paths = _Paths(measured)
    for i in range(len(measured)):
        if len(paths.near(i, CHECKS_PER_VIEW)) > CHECKS_PER_VIEW:
            return [measured[j] for j in sorted(paths.near(i, len(measured)))]
    return []


def crowded_pages(rules: Sequence[CompiledRule]) -> list[Finding]:
    """One warning when more than ``CHECKS_PER_VIEW`` measured rules (``holdout:``) may apply
    on one page, at the first rule of the first such group, naming up to ten of them.

    ``rules`` are those that can fire, in file order.
    """
    measured = [r for r in rules if r.rule.enabled and r.rule.holdout > 0]
    if len(measured) <= CHECKS_PER_VIEW:
        return []
    crowd = _crowd(measured)
    if len(crowd) <= CHECKS_PER_VIEW:
        return []
    names = ", ".join(repr(r.id) for r in crowd[:NAMED])
    listed = names + (f" and {len(crowd) - NAMED} more" if len(crowd) > NAMED else "")
    return [
        Finding(
            crowd[0].file,
            crowd[0].line,
            "warning",
            f"{len(crowd)} measured rules (holdout:) may apply on one page: {listed}; a page "
            f"view counts the held-out visitors of at most {CHECKS_PER_VIEW} of them, in turns, "
            "so visitors who see only one page go missing from some held-out groups and the "
            "report finds their split skewed (a sample-ratio mismatch); "
            f"measure at most {CHECKS_PER_VIEW} rules at once, or put them on separate pages "
            "(when: {path: ...})",
        )
    ]


def unreachable_goals(
    goals: Sequence[Goal],
    places: Mapping[str, tuple[str, int]],
    left_alone: Callable[[str], bool],
) -> list[Finding]:
    """Goals on a page Omotenashi leaves alone (``OMOTENASHI_EXCLUDE_PATHS``,
    ``OMOTENASHI_UNTRACKED_PATHS``: ``left_alone``), which are never reached: nothing is
    tracked there; at the file and line that declare them (``places``). A glob is judged by
    paths it matches, its ``*`` and ``?`` filled in several ways: every one left alone (a
    ``/static/brochure/*`` under an excluded ``/static/*``: editor63); one with a set
    (``[ab]``) is not judged."""
    out: list[Finding] = []
    for goal in goals:
        path = goal.path
        if path is None or "[" in path or not all(map(left_alone, _samples(path))):
            continue
        where, line = places.get(goal.id, ("rules", 1))
        which = "its path" if not any(c in path for c in _WILD) else "every page its path"
        said = (
            f"goal {goal.id!r} can never be reached: {which} {path!r} is one Omotenashi leaves"
            " alone (OMOTENASHI_EXCLUDE_PATHS or OMOTENASHI_UNTRACKED_PATHS), where nothing is"
            " tracked; take the page out of those settings, or make the goal the page after it"
        )
        out.append(Finding(where, line, "warning", said))
    return out


def _samples(glob: str) -> list[str]:
    """Paths ``glob`` matches: each ``*`` empty, a word, and two segments; ``?`` a letter."""
    if not any(c in glob for c in _WILD):
        return [glob]
    return [glob.replace("?", "x").replace("*", fill) for fill in ("", "x", "x-1/y.html")]
