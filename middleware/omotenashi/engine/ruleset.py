"""The compiled rule set: every rule with its conditions and snippet, best first, by slot."""

from __future__ import annotations

from dataclasses import dataclass, field

from jinja2 import Template

from omotenashi.engine.conditions import Condition
from omotenashi.engine.ruleindex import RuleIndex
from omotenashi.rules.goals import Goal
from omotenashi.rules.model import Rule


@dataclass(frozen=True)
class CompiledRule:
    rule: Rule
    file: str
    line: int
    order: int  # position across all files; breaks priority ties
    conditions: list[Condition]
    template: Template | None  # snippet or copy
    static: str | None = None  # the snippet's output when it cannot depend on the visitor
    behavioural: bool = True  # tests the visitor's history (off under GPC, consent, freshness)
    uses_name: bool = False  # can print the visitor's name (counted against the name cap)

    @property
    def id(self) -> str:
        return self.rule.id


@dataclass
class RuleSet:
    rules: list[CompiledRule] = field(default_factory=list)  # best first
    by_slot: dict[str, list[CompiledRule]] = field(default_factory=dict)
    selector_rules: list[CompiledRule] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    goals: list[Goal] = field(default_factory=list)  # the site's conversion goals

    recommends: bool = False  # any recommend rule (then the store reads what it needs)
    index: RuleIndex = field(init=False, repr=False)  # what decide looks at (ruleindex.py)

    def __post_init__(self) -> None:
        self.rules.sort(key=lambda r: (-r.rule.priority, r.order))
        self.recommends = any(r.rule.recommend is not None for r in self.rules)
        for r in self.rules:
            if r.rule.slot:
                self.by_slot.setdefault(r.rule.slot, []).append(r)
            else:
                self.selector_rules.append(r)
        self.index = RuleIndex(self.by_slot, self.selector_rules)
