"""Turn pydantic's validation errors into ``file:line: field: problem (fix)`` for editors."""

from __future__ import annotations

import difflib
import types
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from omotenashi.errors import RuleError
from omotenashi.rules.yamlsource import Loc, format_loc, line_of

_HINTS: dict[str, str] = {
    "missing": "add it",
    "int_parsing": "write a whole number",
    "int_type": "write a whole number",
    "float_parsing": "write a number",
    "float_type": "write a number",
    "bool_parsing": "write true or false",
    "bool_type": "write true or false",
    "string_type": "write text (quote it if it looks like a number or true/false)",
    "list_type": "write a list, e.g. [a, b]",
    "dict_type": "write a mapping of name: value",
    "model_type": "write a mapping of field: value",
    "model_attributes_type": "write a mapping of field: value",
    "datetime_parsing": "write a date and time such as 2026-12-01T09:00:00+09:00",
    "datetime_from_date_parsing": "write a date and time such as 2026-12-01T09:00:00+09:00",
    "greater_than": "use a larger number",
    "greater_than_equal": "use a larger number",
    "less_than_equal": "use a smaller number",
    "string_too_short": "write a longer text",
    "string_pattern_mismatch": "use lowercase letters, digits, - and _ only",
}
_MISSING_HINTS: dict[str, str] = {
    "id": "add id: <a unique-name>",
    "why": "add why: <one sentence a visitor would understand>",
    "to": "add to: <the stage to move to>",
}

# Words editors use for a field by another name, per model: consulted before the closest
# spelling (``tagret`` is a misspelt ``target``, which means ``slot``, not ``text``).
_SYNONYMS: dict[str, dict[str, str]] = {
    "Rule": {
        "target": "slot",
        "place": "slot",
        "position": "slot",
        "location": "slot",
        "condition": "when",
        "conditions": "when",
        "if": "when",
        "template": "snippet",
        "description": "why",
        "reason": "why",
        "name": "id",
        "content": "text",
        "weight": "priority",
        "start": "schedule",
        "end": "schedule",
    },
    "When": {"url": "path", "page": "path", "pages": "path", "lang": "language"},
}
_ALSO = {"slot": ", or 'selector' for a CSS selector"}  # what else a synonym may mean
RULE_FILE_SHAPE = "a rule file is a mapping that starts with `rules:`"


def _did_you_mean(bad: str, model: type[BaseModel] | None) -> str:
    allowed = allowed_fields(model) if model else []
    synonyms = _SYNONYMS.get(model.__name__, {}) if model else {}
    synonyms = {k: v for k, v in synonyms.items() if v in allowed}
    close = difflib.get_close_matches(bad.lower(), [*allowed, *synonyms], n=1)
    if not close:
        return "allowed: " + ", ".join(allowed)
    meant = synonyms.get(close[0], close[0])
    return f"did you mean {meant!r}{_ALSO.get(meant, '') if meant != close[0] else ''}?"


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType, list, dict) or origin is not None:
        found: list[type[BaseModel]] = []
        for arg in get_args(annotation):
            found.extend(_models_in(arg))
        return found
    return []


def _model_at(root: type[BaseModel], loc: Loc) -> type[BaseModel] | None:
    """The model whose fields stand at ``loc`` (list indexes and mapping keys skipped)."""
    model: type[BaseModel] | None = root
    for part in loc:
        if model is None:
            return None
        if isinstance(part, int):
            continue
        fields = {(f.alias or n): f for n, f in model.model_fields.items()}
        if part in fields:
            models = _models_in(fields[part].annotation)
            model = models[0] if models else None
        # else: a mapping key (attr name, topic ...): the model stays what the value is
    return model


def allowed_fields(model: type[BaseModel]) -> list[str]:
    return [f.alias or n for n, f in model.model_fields.items()]


def validation_errors(
    exc: ValidationError, file: str, lines: dict[Loc, int], root: type[BaseModel]
) -> list[RuleError]:
    out: list[RuleError] = []
    for err in exc.errors():
        # ("stages", "loyal", "[key]"): a mapping's key is wrong; it is named by the key itself
        loc: Loc = tuple(p for p in err["loc"] if isinstance(p, (int, str)) and p != "[key]")
        kind = err["type"]
        given: Any = err.get("input")
        ctx = err.get("ctx") or {}
        field_path = format_loc(loc)
        line = line_of(lines, loc)
        if kind == "extra_forbidden":
            bad = str(loc[-1])
            hint = _did_you_mean(bad, _model_at(root, loc[:-1]))
            out.append(RuleError(file, line, field_path, f"unknown field {bad!r}", hint))
        elif not loc and isinstance(given, list) and "rules" in root.model_fields:
            out.append(RuleError(file, 1, "", RULE_FILE_SHAPE, "indent the list under `rules:`"))
        elif kind == "omo":
            out.append(RuleError(file, line, field_path, str(ctx["problem"]), str(ctx["hint"])))
        elif kind == "literal_error":
            out.append(
                RuleError(
                    file,
                    line,
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
                    line,
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
                    line,
                    field_path,
                    f"{msg}, got {given!r}",
                    _HINTS.get(kind, "see the rule-authoring guide in the README"),
                )
            )
    return out
