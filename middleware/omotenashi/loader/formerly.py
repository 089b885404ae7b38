"""Former names (``formerly:``), gathered from every rule file and checked with file:line errors.

A former name stands for the name now wherever a visitor's choices, caps, what was shown and
measurement were kept (engine/renames.py), so it must be unambiguous: a former rule id is no
rule's id now, not the rule's own, and claimed by one rule only; the same for categories. A
category's former names are declared in a rule file, ``categories: {offers: {formerly:
[deals]}}``: a category has no other declaration, and one place per category (not every rule
of it) is where a rename is written once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from omotenashi.engine.explain import kind_label
from omotenashi.engine.renames import NO_RENAMES, Renames
from omotenashi.errors import RuleError
from omotenashi.rules.model import Rule, RuleFile
from omotenashi.rules.yamlsource import Loc, format_loc, line_of

_ONE_CLAIM = "a former name belongs to the one that was renamed: remove it from the other"
_LIVE = "remove it from formerly, or rename that {}: a name is either in use or former"


@dataclass
class _Claim:
    """One former name as written: by whom (the rule id or category now), and where."""

    old: str
    now: str
    file: str
    line: int
    field: str
    rank: int  # its place in the list: the latest is the most recent name

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass
class FormerNames:
    errors: list[RuleError] = field(default_factory=list)
    _ids: dict[str, str] = field(default_factory=dict)  # rule id now: file:line
    _used: dict[str, str] = field(default_factory=dict)  # category a rule has: its first rule
    _declared: dict[str, str] = field(default_factory=dict)  # category declared: file:line
    _rules: list[_Claim] = field(default_factory=list)
    _categories: list[_Claim] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)  # category: label (japan53)

    def add_file(self, parsed: RuleFile, name: str, lines: dict[Loc, int]) -> None:
        for category, spec in parsed.categories.items():
            at: Loc = ("categories", category)
            if category in self._declared:
                self.errors.append(
                    RuleError(
                        name,
                        line_of(lines, at),
                        format_loc(at),
                        f"the category {category!r} is declared already in "
                        f"{self._declared[category]}",
                        "declare each category once, in any rule file",
                    )
                )
                continue
            self._declared[category] = f"{name}:{line_of(lines, at)}"
            if spec.label is not None:  # the words the preferences page names it with
                self.labels[category] = spec.label
            self._categories += _claims(spec.formerly, category, name, lines, (*at, "formerly"))

    def add_rule(
        self, rule: Rule, name: str, lines: dict[Loc, int], index: int, where: str
    ) -> None:
        """``where``: the rule's file:line (the loader's own string, not a second one)."""
        self._ids[rule.id] = where
        if rule.category not in self._used:  # (its words made for the first rule only)
            self._used[rule.category] = f"rule {rule.id!r} ({where})"
        if rule.formerly:
            self._rules += _claims(
                rule.formerly, rule.id, name, lines, ("rules", index, "formerly")
            )

    def unused(self, history: str) -> list[RuleError]:
        """A declared category no rule has: what visitors chose under its former names holds
        for no block (a rule's category spelt otherwise, ``deal`` for ``deals``?); but the
        browsing history's kind (``history``), which is a switch of its own."""
        found = []
        former: dict[str, list[str]] = {}  # each category's former names (one pass, not one each)
        for claim in self._categories:
            former.setdefault(claim.now, []).append(repr(claim.old))
        for category, where in self._declared.items():
            olds = former.get(category, [])
            file, _, line = where.rpartition(":")
            if category not in self._used and category != history and category in self.labels:
                found.append(  # (a label for a name no rule has: a typo, osen for onsen?)
                    RuleError(
                        file,
                        int(line),
                        format_loc(("categories", category)),
                        f"no rule has the category {category!r}: its label names no switch",
                        "write the name the rules' `category:` has",
                    )
                )
                continue
            if category in self._used or category == history or not olds:
                continue
            found.append(
                RuleError(
                    file,
                    int(line),
                    format_loc(("categories", category)),
                    f"no rule has the category {category!r}: what visitors chose under its"
                    f" former names ({', '.join(olds)}) holds for no block",
                    "give its rules that category, or declare the name their `category:` has",
                )
            )
        return found

    def shared_labels(self, history: str) -> list[RuleError]:
        """Two switches the preferences page would name alike, one of them by its ``label:``
        (``onsen: {label: Spa}`` beside a ``spa`` category): a visitor could not tell them
        apart (session 54). Said at the later declaration with a label."""
        found = []
        named: dict[str, str] = {}  # a label as visitors read it, folded: its category
        for category in dict.fromkeys([history, *self._used]):  # (each a switch)
            said = kind_label(self.labels, category)
            other = named.setdefault(said.casefold(), category)
            if other == category or not ({other, category} & self.labels.keys()):
                continue  # (two names without a label: fieldchecks' near names)
            at = category if category in self.labels else other
            file, _, line = self._declared[at].rpartition(":")
            found.append(
                RuleError(
                    file,
                    int(line),
                    format_loc(("categories", at, "label")),
                    f"the categories {other!r} and {category!r} are both called {said!r}: "
                    "visitors would see two switches they cannot tell apart",
                    "give each its own label",
                )
            )
        return found

    def check(self) -> tuple[list[RuleError], Renames]:
        """Every problem found, and the former names when there is none."""
        rules = self._check(self._rules, self._ids, "rule", "the id of the rule at {}")
        kinds = {**self._declared, **self._used}
        categories = self._check(self._categories, kinds, "category", "a category in use ({})")
        if self.errors:
            return self.errors, NO_RENAMES
        if not (rules or categories):
            return [], NO_RENAMES
        rank = {c.old: c.rank for c in self._rules}
        return [], Renames(rules, categories, rank)

    def _check(
        self, claims: list[_Claim], live: dict[str, str], kind: str, said: str
    ) -> dict[str, str]:
        """Former name -> name now for ``claims``; each problem, where it stands."""
        renamed: dict[str, str] = {}
        first: dict[str, _Claim] = {}
        formerly: dict[str, set[str]] = {}
        for claim in claims:
            formerly.setdefault(claim.now, set()).add(claim.old)
        for claim in claims:
            old, now = claim.old, claim.now
            problem, hint = "", ""
            if old == now:
                problem = f"{old!r} is this {kind}'s own name: a {kind} cannot be its former self"
                hint = "remove it from formerly"
            elif old in live:
                cycle = now in formerly.get(old, ())
                problem = f"{old!r} is {said.format(live[old])}" + (
                    f", which names {now!r} as its former name: a cycle" if cycle else ""
                )
                hint = _LIVE.format(kind)
            elif old in first and first[old].now != now:
                problem = (
                    f"the former name {old!r} is claimed already by the {kind} {first[old].now!r}"
                    f" ({first[old].where})"
                )
                hint = _ONE_CLAIM
            if problem:
                self.errors.append(RuleError(claim.file, claim.line, claim.field, problem, hint))
                continue
            first.setdefault(old, claim)
            renamed[old] = now
        return renamed


def _claims(names: list[str], now: str, file: str, lines: dict[Loc, int], at: Loc) -> list[_Claim]:
    return [
        _Claim(old, now, file, line_of(lines, (*at, k)), format_loc((*at, k)), k)
        for k, old in enumerate(names)
    ]
