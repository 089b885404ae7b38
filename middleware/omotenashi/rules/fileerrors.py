"""Turn pydantic's validation errors into ``file:line: field: problem (fix)`` for editors."""

from __future__ import annotations

import difflib
import re
import types
import unicodedata
from datetime import date
from typing import Any, Union, get_args, get_origin
from urllib.parse import urlsplit

from pydantic import BaseModel, ValidationError

from omotenashi.errors import RuleError, quoted
from omotenashi.rules.dateslips import as_written
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
    "datetime_parsing": "write a date such as 2026-12-01, or a date and time such as "
    "2026-12-01T09:00:00+09:00",
    "datetime_from_date_parsing": "write a date such as 2026-12-01, or a date and time such as "
    "2026-12-01T09:00:00+09:00",
    "finite_number": "write an ordinary number, e.g. 50, not .inf or .nan",
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
    # Operators by meaning: ``gte`` is ``at_least`` (``gt`` is only a letter away, and wrong).
    "Compare": {
        **dict.fromkeys(
            ">= => gte ge geq min minimum atleast least from greater_or_equal "
            "greater_than_or_equal more_or_equal or_more".split(),
            "at_least",
        ),
        **dict.fromkeys(
            "<= =< lte le leq max maximum atmost most upto up_to less_or_equal "
            "less_than_or_equal or_less or_fewer".split(),
            "at_most",
        ),
        **dict.fromkeys("> greater greater_than more_than above over".split(), "gt"),
        **dict.fromkeys("< less less_than fewer_than below under".split(), "lt"),
        **dict.fromkeys("= == is equal equals equal_to value".split(), "eq"),
        **dict.fromkeys("!= <> neq not is_not not_equal isnt".split(), "ne"),
        **dict.fromkeys("one_of oneof any_of anyof among values".split(), "in"),
        **dict.fromkeys("has includes include like substring".split(), "contains"),
        **dict.fromkeys("exist present set defined has_value".split(), "exists"),
    },
}
_ALSO = {"slot": ", or 'selector' for a CSS selector"}  # what else a synonym may mean
_MEANS = {  # what an operator means, said with the one suggested (the editor judges the fit)
    "at_least": "the value or more",
    "at_most": "the value or less",
    "gt": "more than the value",
    "lt": "less than the value",
    "eq": "equal to the value",
    "ne": "anything but the value",
    "in": "one of a list",
    "contains": "text containing the value",
    "exists": "true: has any value",
}
_PATTERNS = {  # what a pattern allows, in words
    r"^[a-z0-9][a-z0-9_-]*$": "use lowercase letters, digits, - and _, starting with a "
    "letter or digit",
    r"^[a-z0-9][a-z0-9_-]{0,39}$": "use lowercase letters, digits, - and _, starting with a "
    "letter or digit, at most 40",
    r"^[a-z][a-z0-9_]{0,39}$": "an event name: lowercase letters, digits and _, starting with "
    "a letter, at most 40",
}
_NOT_A = {  # a value that does not parse, in words, and the fix
    "int_parsing": ("is not a whole number", "write digits only, e.g. 80"),
    "int_from_float": ("is not a whole number", "write digits only, e.g. 80"),
    "float_parsing": ("is not a number", "write digits, e.g. 2.5"),
    "bool_parsing": ("is not true or false", "write true or false, unquoted"),
}
_FIELD_HINTS = {
    "holdout": "write a percentage such as 10%",
    "goals": "name at least one goal id, or leave goals out to judge it on every goal",
}
_LITERAL_ALSO = {"weekday": ", or a full English name such as 'sunday'"}
_MAPPING = ("model_type", "model_attributes_type", "dict_type")
RULE_FILE_SHAPE = "a rule file is a mapping that starts with `rules:`"


def _did_you_mean(bad: str, model: type[BaseModel] | None) -> str:
    allowed = allowed_fields(model) if model else []
    synonyms: dict[str, str] = {}
    for cls in reversed(model.__mro__ if model else ()):  # SegmentWhen: When's words too
        synonyms.update(_SYNONYMS.get(cls.__name__, {}))
    synonyms = {k: v for k, v in synonyms.items() if v in allowed}
    word = bad.lower().strip().replace(" ", "_").replace("-", "_")
    under = [
        f"{name}:"
        for name, field in (model.model_fields.items() if model else ())
        if any(bad in allowed_fields(inner) for inner in _models_in(field.annotation))
    ]
    if under and bad not in synonyms:  # `when:` with its conditions not indented under it
        return f"indent it under {' or '.join(under)}"
    close = _closest(word, allowed, list(synonyms))
    if not close:
        return "allowed: " + ", ".join(allowed)
    meant = synonyms.get(close[0], close[0])
    also = _ALSO.get(meant, "") if meant != close[0] else ""
    if model is not None and model.__name__ == "Compare":
        also = f", meaning {_MEANS[meant]}"
    return f"did you mean {meant!r}{also}?"


def _outdented(bad: str, root: type[BaseModel], loc: Loc) -> str | None:
    """The fix for a field written one indent too deep: ``priority:`` under ``when:`` is the
    rule's (editor63: "allowed: stage, segment ..." did not say so)."""
    for cut in range(len(loc) - 2, -1, -1):
        if isinstance(loc[cut], int) or loc[cut] == bad:
            continue
        model = _model_at(root, loc[:cut])
        if model is not None and bad in allowed_fields(model):
            return f"it belongs beside {loc[cut]!r}, not under it: indent it as far as {loc[cut]}:"
    return None


def _closest(word: str, fields: list[str], synonyms: list[str]) -> list[str]:
    """The closest of the real ``fields`` and the ``synonyms``, a real field winning when it is
    as few typing slips away (``wiht`` is a swapped ``with``, though ``weight`` shares more
    letters; ``weigth`` is still ``weight``)."""
    real = difflib.get_close_matches(word, fields, n=1)
    other = difflib.get_close_matches(word, synonyms, n=1)
    if real and other:
        return real if _slips(word, real[0]) <= _slips(word, other[0]) else other
    return real or other


def _slips(a: str, b: str) -> int:
    """Letters to add, drop, change or swap with a neighbour to make ``a`` into ``b``."""
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            row[j] = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


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
        if loc and isinstance(loc[-1], int) and loc not in lines and loc[:-1] in lines:
            loc = loc[:-1]  # one value written bare, not as a list: no index to name
        kind = err["type"]
        given: Any = _printable(err.get("input"))
        ctx = err.get("ctx") or {}
        field_path = format_loc(loc)
        line = line_of(lines, loc)
        if kind == "extra_forbidden":
            bad = str(loc[-1])
            hint = _outdented(bad, root, loc) or _did_you_mean(bad, _model_at(root, loc[:-1]))
            problem = f"unknown field {bad!r}{_lookalike(bad)}"
            out.append(RuleError(file, line, field_path, problem, hint))
        elif not loc and isinstance(given, list) and "rules" in root.model_fields:
            out.append(RuleError(file, 1, "", RULE_FILE_SHAPE, "indent the list under `rules:`"))
        elif kind == "omo" and (empty := _empty_action(given)) is not None:
            at = (*loc, empty)  # (editor51: `text:` left empty read as "no action")
            out.append(
                RuleError(
                    file, line_of(lines, at), format_loc(at),
                    f"it is empty (YAML reads `{empty}:` with nothing after it, or "
                    f"`{empty}: null`, as no value)",
                    f'write its value after it; an empty block is {empty}: ""'
                    if empty == "text"
                    else f"write its value after it, or remove {empty}:",
                )
            )  # fmt: skip
        elif kind == "omo":
            out.append(RuleError(file, line, field_path, str(ctx["problem"]), str(ctx["hint"])))
        elif kind == "literal_error":
            field = next((str(p) for p in reversed(loc) if isinstance(p, str)), "")
            hint = f"use one of {ctx.get('expected')}" + _LITERAL_ALSO.get(field, "")
            problem = f"{quoted(given)} is not allowed{_lookalike(given)}"
            out.append(RuleError(file, line, field_path, problem, hint))
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
        elif (plain := _plain(kind, given, loc, root, ctx)) is not None:
            out.append(RuleError(file, line, field_path, *plain))
        else:
            msg = err["msg"][0].lower() + err["msg"][1:]
            out.append(
                RuleError(
                    file,
                    line,
                    field_path,
                    f"{msg}, got {quoted(given)}",
                    _HINTS.get(kind, "see the rule-authoring guide in the README"),
                )
            )
    return out


def _empty_action(given: object) -> str | None:
    """The action a rule gives with no value (``text:`` and nothing after it), where that left
    it with none: said as what it is, not "a rule needs exactly one action (got none)"."""
    if not isinstance(given, dict) or given.get("hide"):
        return None
    empty = [k for k in ("text", "snippet", "attrs") if k in given and given[k] is None]
    given_too = [k for k in ("text", "snippet", "attrs") if given.get(k) is not None]
    return empty[0] if empty and not given_too else None


def _lookalike(given: object) -> str:
    """Where a name that should be plain ASCII has another character (a Cyrillic 'е' that
    looks like 'e', a zero-width or no-break space): which, since the eye cannot tell."""
    odd = [c for c in dict.fromkeys(given) if not c.isascii()] if isinstance(given, str) else []
    named = [f"{c!r} (U+{ord(c):04X} {unicodedata.name(c, 'unnamed')})" for c in odd[:3]]
    return f": it has {', '.join(named)}, not a plain ASCII character; retype it" if named else ""


def _rules_not_a_list(given: dict[Any, Any]) -> tuple[str, str]:
    """``rules:`` written as a mapping: one rule's fields, or rules keyed by their ids."""
    if not given or "id" in given or not all(isinstance(v, dict) for v in given.values()):
        return "this should be a list of rules, each starting with '- '", (
            "write '- ' before each rule's first field ('  - id: hero'), its other fields under it"
        )
    first = str(next(iter(given), ""))[:40]
    return "this should be a list of rules, not rules by name", (
        f"write each as '- id: {first}' with its fields under it, not '{first}:'"
    )


def _plain(
    kind: str, given: Any, loc: Loc, root: type[BaseModel], ctx: dict[str, Any]
) -> tuple[str, str] | None:
    """Problem and fix in plain words for pydantic's errors that would name its internals
    ("instance of When", "got None", a raw pattern); None: the generic wording will do."""
    field = str(loc[-1]) if loc and isinstance(loc[-1], str) else ""
    fix = _FIELD_HINTS.get(field) or _HINTS.get(kind, "see the rule-authoring guide in the README")
    if given is None and kind != "none_required":
        return "this is empty", fix
    if isinstance(given, date) and (kind in _MAPPING or kind == "string_type"):
        shown = str(given)  # YAML reads 2026-12-01 as a date, a value of its own
        return f"{shown} is read as a date, not as text", f"quote it: '{shown}'"
    if kind == "string_type" and isinstance(given, (bool, int, float, _Long)):
        # (editor51) `id: 0x10` said "got 16": YAML turns 0x10, 1e3, 1_000, yes and on into
        # numbers and true/false before the rule sees them; the line shows what was written
        read = "true or false" if isinstance(given, bool) else _number_said(given)
        return f"YAML reads what is written here as {read}, not as text", (
            "quote it exactly as written, e.g. '0x10' or 'true'"
        )
    if kind.startswith("datetime") and isinstance(given, str) and (ymd := as_written(given)):
        return f"{quoted(given)} is not a date as rules write them (year-month-day)", f"write {ymd}"
    if kind in _MAPPING:
        if not loc:
            shape = RULE_FILE_SHAPE if "rules" in root.model_fields else "the file is a mapping"
            return f"{shape}, not {quoted(given)}", "write field: value lines"
        return f"this should be a mapping of field: value, not {quoted(given)}", fix
    if kind == "list_type":
        if loc == ("rules",) and isinstance(given, dict) and "rules" in root.model_fields:
            return _rules_not_a_list(given)
        return f"this should be a list, not {quoted(given)}", fix
    if kind in _NOT_A:
        return f"{quoted(given)} {_NOT_A[kind][0]}", _FIELD_HINTS.get(field) or _NOT_A[kind][1]
    if kind == "too_short" and given == []:  # (a rule's goals: [], marketer65)
        return "an empty list names nothing", fix
    if kind == "string_too_short":
        return f"{quoted(given)} is too short (at least {ctx.get('min_length')} characters)", fix
    if kind == "string_too_long" and isinstance(given, str):
        most = ctx.get("max_length")
        return f"{quoted(given)} is too long ({len(given)} characters, at most {most})", (
            f"shorten it to {most} characters or fewer"
        )
    if kind == "string_pattern_mismatch" and ctx.get("pattern") == "^/":  # a goal's path
        path = urlsplit(given).path if "://" in str(given) else str(given)
        return f"{quoted(given)} can never match: a request path always starts with '/'", (
            f"write {'/' + path.lstrip('/')!r}"
        )
    if kind == "string_pattern_mismatch":
        said = _PATTERNS.get(str(ctx.get("pattern")), "use lowercase letters, digits, - and _")
        narrow = unicodedata.normalize("NFKC", given) if isinstance(given, str) else ""
        if narrow != given and re.fullmatch(str(ctx.get("pattern")), narrow.lower()):
            said = f"write it in half-width (hankaku) characters: {narrow.lower()!r}"  # japan53
        return f"{quoted(given)} has characters that are not allowed here", said
    return None


def _number_said(number: float | _Long) -> str:
    """ "the number 16", or its size where it is long (eye53)."""
    return str(number) if isinstance(number, _Long) else f"the number {number!r}"


class _Long:
    """A number too long to write back to the editor, said by its size: its ``repr`` (Python
    writes no integer of over 4,300 digits: ``priority: 0xfff…`` stopped the load; eye53c)."""

    def __init__(self, said: str) -> None:
        self.said = said

    def __repr__(self) -> str:
        return self.said

    __str__ = __repr__


def _printable(value: Any) -> Any:
    """``value``, or a :class:`_Long` for a number of more than 40 digits."""
    if not isinstance(value, int) or isinstance(value, bool):
        return value
    try:
        shown = repr(value)
    except ValueError:
        return _Long("a number of thousands of digits")
    return value if len(shown) <= 40 else _Long(f"a number of {len(shown):,} digits")
