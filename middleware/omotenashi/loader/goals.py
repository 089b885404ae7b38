"""The site's conversion goals, gathered from every rule file and checked with file:line errors.

A goal id is declared once across the rule files; a rule's ``goals:`` may only name declared
goals. Both mistakes are reported where they stand, like any other rule-file error.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from omotenashi.errors import RuleError
from omotenashi.loader.near import CLOSE, Near
from omotenashi.rules.goals import Goal
from omotenashi.rules.model import Rule, RuleFile
from omotenashi.rules.yamlsource import Loc, format_loc, line_of


@dataclass
class GoalCollector:
    goals: list[Goal] = field(default_factory=list)
    errors: list[RuleError] = field(default_factory=list)
    places: dict[str, tuple[str, int]] = field(default_factory=dict)  # id -> (file, line)
    # rules judged on goals: file, the line of each goal named, index (not the file's lines,
    # which the loader frees once the file is done)
    _judged: list[tuple[str, list[int], int, Rule]] = field(default_factory=list)
    # the goal ids a file refused by its fields writes: not said to be undeclared (review69)
    refused: set[str] = field(default_factory=set)

    def add_refused(self, data: object) -> None:
        """The goal ids a rule file refused by its fields (its YAML, ``data``) declares."""
        goals = data.get("goals") if isinstance(data, dict) else None
        for goal in goals if isinstance(goals, list) else ():
            if isinstance(goal, dict) and isinstance(goal.get("id"), str):
                self.refused.add(goal["id"])

    def add_file(self, parsed: RuleFile, name: str, lines: dict[Loc, int]) -> None:
        for index, goal in enumerate(parsed.goals):
            loc: Loc = ("goals", index, "id")
            line = line_of(lines, loc)
            if goal.id in self.places:
                first, at = self.places[goal.id]
                self.errors.append(
                    RuleError(
                        name,
                        line,
                        format_loc(loc),
                        f"the goal id {goal.id!r} is already declared in {first}:{at}",
                        "declare each goal once, in any rule file",
                    )
                )
                continue
            self.places[goal.id] = (name, line)
            self.goals.append(goal)

    def add_rule(self, rule: Rule, name: str, lines: dict[Loc, int], index: int) -> None:
        if rule.goals:
            at = [line_of(lines, ("rules", index, "goals", p)) for p in range(len(rule.goals))]
            self._judged.append((name, at, index, rule))

    def check(self) -> list[RuleError]:
        """Every problem found: duplicate goals and rules judged on undeclared goals."""
        known = ", ".join(sorted(self.places)) or "none yet"
        declared = Near(self.places)  # (built once: no pass over every goal per rule)
        for name, lines, index, rule in self._judged:
            for position, goal_id in enumerate(rule.goals or []):
                if goal_id in self.places or goal_id in self.refused:
                    continue
                loc: Loc = ("rules", index, "goals", position)
                near = declared.close(goal_id, CLOSE)
                self.errors.append(
                    RuleError(
                        name,
                        lines[position],
                        format_loc(loc),
                        f"no goal is declared with the id {goal_id!r}",
                        f"did you mean {near!r}? or declare it under goals: in a rule file"
                        if near
                        else f"declare it under goals: in a rule file (declared: {known})",
                    )
                )
        return self.errors
