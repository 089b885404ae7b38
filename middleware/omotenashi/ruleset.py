"""Load the editors' rule files into one validated, compiled, ordered :class:`RuleSet`."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Template
from pydantic import ValidationError

from .conditions import Condition, compile_when
from .errors import RuleError, RuleSetError, SnippetError
from .render import Renderer
from .rulemodel import MODEL_FIELDS, Rule, RuleFile
from .yamlsource import Loc, format_loc, line_of, load_yaml

NOT_RULE_FILES = frozenset({"journey.yaml", "journey.yml"})


@dataclass(frozen=True)
class CompiledRule:
    rule: Rule
    file: str
    line: int
    order: int  # position across all files; breaks priority ties
    conditions: list[Condition]
    template: Template | None  # snippet or copy
    static: str | None = None  # the snippet's output when it cannot depend on the visitor

    @property
    def id(self) -> str:
        return self.rule.id


@dataclass
class RuleSet:
    rules: list[CompiledRule] = field(default_factory=list)  # best first
    by_slot: dict[str, list[CompiledRule]] = field(default_factory=dict)
    selector_rules: list[CompiledRule] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rules.sort(key=lambda r: (-r.rule.priority, r.order))
        for r in self.rules:
            if r.rule.slot:
                self.by_slot.setdefault(r.rule.slot, []).append(r)
            else:
                self.selector_rules.append(r)


def rule_files(rules_dir: Path) -> list[Path]:
    """Rule files in a folder, in the order that breaks priority ties (by name)."""
    if not rules_dir.is_dir():
        return []
    files = [*rules_dir.glob("*.yaml"), *rules_dir.glob("*.yml")]
    return sorted(p for p in files if p.name not in NOT_RULE_FILES)


def load_ruleset(
    rules_dir: Path, renderer: Renderer, *, timezone: str = "UTC", base: Path | None = None
) -> RuleSet:
    """Every rule file in ``rules_dir``, or RuleSetError listing every problem found."""
    errors: list[RuleError] = []
    compiled: list[CompiledRule] = []
    seen: dict[str, str] = {}
    files = rule_files(rules_dir)
    for path in files:
        name = _display(path, base)
        try:
            data, lines = load_yaml(path, name)
        except RuleError as exc:
            errors.append(exc)
            continue
        if data is None:
            continue
        try:
            parsed = RuleFile.model_validate(data)
        except ValidationError as exc:
            errors.extend(validation_errors(exc, name, lines))
            continue
        for index, rule in enumerate(parsed.rules):
            loc: Loc = ("rules", index)
            line = line_of(lines, loc)
            if rule.id in seen:
                errors.append(
                    RuleError(
                        name,
                        line,
                        format_loc((*loc, "id")),
                        f"the rule id {rule.id!r} is already used in {seen[rule.id]}",
                        "give every rule its own id",
                    )
                )
                continue
            seen[rule.id] = f"{name}:{line}"
            try:
                template = _template(rule, renderer)
                static = renderer.prerender(template, rule.with_) if template else None
            except SnippetError as exc:
                field_name = "snippet" if rule.snippet else "text"
                errors.append(
                    RuleError(
                        name,
                        line_of(lines, (*loc, field_name)),
                        format_loc((*loc, field_name)),
                        str(exc),
                        "name a snippet that exists and renders with the rule's values",
                    )
                )
                continue
            compiled.append(
                CompiledRule(
                    rule,
                    name,
                    line,
                    len(compiled),
                    compile_when(rule.when, timezone),
                    template,
                    static,
                )
            )
    if errors:
        raise RuleSetError(errors)
    return RuleSet(rules=compiled, files=[_display(p, base) for p in files])


def _template(rule: Rule, renderer: Renderer) -> Template | None:
    if rule.snippet:
        return renderer.snippet(rule.snippet)
    if rule.text is not None:
        return renderer.copy(rule.text)
    return None


def _display(path: Path, base: Path | None) -> str:
    try:
        return str(path.relative_to(base)) if base else str(path)
    except ValueError:
        return str(path)


_HINTS: dict[str, str] = {
    "missing": "add it",
    "int_parsing": "write a whole number",
    "int_type": "write a whole number",
    "float_parsing": "write a number",
    "bool_parsing": "write true or false",
    "bool_type": "write true or false",
    "string_type": "write text (quote it if it looks like a number or true/false)",
    "list_type": "write a list, e.g. [a, b]",
    "dict_type": "write a mapping of name: value",
    "model_type": "write a mapping of field: value",
    "datetime_parsing": "write a date and time such as 2026-12-01T09:00:00+09:00",
    "datetime_from_date_parsing": "write a date and time such as 2026-12-01T09:00:00+09:00",
    "greater_than_equal": "use a larger number",
    "less_than_equal": "use a smaller number",
    "string_too_short": "write a longer text",
    "string_pattern_mismatch": "use lowercase letters, digits, - and _ only",
}
_MISSING_HINTS: dict[str, str] = {
    "id": "add id: <a unique-name>",
    "why": "add why: <one sentence a visitor would understand>",
}
_CONTEXT = {  # field → model of its value, to name the allowed fields
    "rules": "Rule",
    "when": "When",
    "any": "When",
    "all": "When",
    "not": "When",
    "attr": "Compare",
    "interest": "Compare",
    "query": "Compare",
    "visits": "Compare",
    "schedule": "Schedule",
}


def _model_at(loc: Loc) -> str:
    model = "RuleFile"
    for part in loc:
        if isinstance(part, str) and part in _CONTEXT and model != "Compare":
            model = _CONTEXT[part]
    return model


def validation_errors(exc: ValidationError, file: str, lines: dict[Loc, int]) -> list[RuleError]:
    out: list[RuleError] = []
    for err in exc.errors():
        loc: Loc = tuple(p for p in err["loc"] if isinstance(p, (int, str)))
        kind = err["type"]
        given: Any = err.get("input")
        ctx = err.get("ctx") or {}
        field_path = format_loc(loc)
        if kind == "extra_forbidden":
            bad = str(loc[-1])
            allowed = MODEL_FIELDS[_model_at(loc[:-1])]
            close = difflib.get_close_matches(bad, allowed, n=1)
            hint = f"did you mean {close[0]!r}?" if close else "allowed: " + ", ".join(allowed)
            out.append(
                RuleError(file, line_of(lines, loc), field_path, f"unknown field {bad!r}", hint)
            )
        elif kind == "omo":
            out.append(
                RuleError(
                    file, line_of(lines, loc), field_path, str(ctx["problem"]), str(ctx["hint"])
                )
            )
        elif kind == "literal_error":
            out.append(
                RuleError(
                    file,
                    line_of(lines, loc),
                    field_path,
                    f"{given!r} is not allowed",
                    f"use one of {ctx.get('expected')}",
                )
            )
        elif kind == "missing":
            name = str(loc[-1]) if loc else ""
            out.append(
                RuleError(
                    file,
                    line_of(lines, loc),
                    field_path,
                    "this field is required",
                    _MISSING_HINTS.get(name, f"add {name}: <value>"),
                )
            )
        else:
            msg = err["msg"][0].lower() + err["msg"][1:]
            out.append(
                RuleError(
                    file,
                    line_of(lines, loc),
                    field_path,
                    f"{msg}, got {given!r}",
                    _HINTS.get(kind, "see the rule-authoring guide in the README"),
                )
            )
    return out
