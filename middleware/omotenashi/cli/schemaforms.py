"""The editors' JSON Schemas take every short form the loader takes.

pydantic writes a schema from the fields' types, but the loader reads some values before their
type is checked: one value where a list is asked (``stage: interest``), a bare value or a list
as a comparison (``query: {utm_campaign: spring}``, ``visits: 3``, ``country: [jp, kr]``), a
percent written as text (``holdout: 10%``, ``serendipity: 20%``). Without these forms an
editor's IDE marked the demo's own rule files wrong (editor50). Each (definition, property)
below is one the loader widens; ``tests/test_schema_forms.py`` checks both sides agree.
"""

from __future__ import annotations

import copy
from typing import Any

from omotenashi.rules.whenvalues import COUNTS, LISTED

Schema = dict[str, Any]

# one value where a list is asked (``as_list``, ``_named``, ``weekdays`` ...), by definition
_BARE: dict[str, tuple[str, ...]] = {
    "When": (*LISTED, "weekday"),
    "SegmentWhen": (*LISTED, "weekday"),
    "Rule": ("formerly",),
    "Category": ("formerly",),
    "RecommendSpec": ("exclude",),
    "Transition": ("on",),
    "Decay": ("from",),
    "TopicRule": ("path", "topics"),
    "Item": ("tags",),
}
# lists the loader refuses empty (journey.py ``_named``; the rules' own: whenvalues.py)
_NOT_EMPTY = {("Transition", "on"), ("Decay", "from"), ("TopicRule", "path")}
# a percent written as text ("10%", "12.5 %"), beside the number it stands for, within the
# number's own bounds (holdout at most 100%, serendipity 50%)
_PERCENT: dict[str, dict[str, str]] = {
    "Rule": {"holdout": r"^\s*(100(\.0+)?|[0-9]{1,2}(\.[0-9]+)?)\s*%\s*$"},
    "RecommendSpec": {"serendipity": r"^\s*(50(\.0+)?|[1-4]?[0-9](\.[0-9]+)?)\s*%\s*$"},
}
_SCALAR: Schema = {"type": ["string", "number", "boolean"]}


def with_short_forms(schema: Schema) -> Schema:
    """``schema`` (one of ``omotenashi schema``'s, changed in place) with the short forms."""
    defs: dict[str, Schema] = schema.get("$defs", {})
    for name, props in _BARE.items():
        for prop in props:
            if (field := defs.get(name, {}).get("properties", {}).get(prop)) is not None:
                _bare_too(field, (name, prop) in _NOT_EMPTY)
    for name, patterns in _PERCENT.items():
        for prop, pattern in patterns.items():
            if (field := defs.get(name, {}).get("properties", {}).get(prop)) is not None:
                _percent_too(field, pattern)
    if (compare := defs.get("Compare")) is not None:
        defs["Compare"] = _compare_forms(compare)
        defs["CountCompare"] = _count_forms(compare)
        for name in ("When", "SegmentWhen"):
            for prop in COUNTS:
                if (field := defs.get(name, {}).get("properties", {}).get(prop)) is not None:
                    _counted(field)
    return schema


def _bare_too(field: Schema, not_empty: bool) -> None:
    """An array field (or an array-or-null one) that takes one of its items alone too."""
    branches = field.get("anyOf")
    for branch in branches or [field]:
        if not_empty and branch.get("type") == "array":
            branch["minItems"] = 1
    if branches is None:  # a required list: {"type": "array", "items": ...}
        array = {k: field.pop(k) for k in list(field) if k not in ("description", "title")}
        if array.get("type") != "array":
            field.update(array)
            return
        field["anyOf"] = [array["items"], array]
        if "default" in array:
            field["default"] = array.pop("default")
        return
    for at, branch in enumerate(list(branches)):
        if branch.get("type") == "array" and "items" in branch:
            branches.insert(at, branch["items"])
            return


def _percent_too(field: Schema, pattern: str) -> None:
    """A number field that takes "N%" too (the loader reads it as the number)."""
    text = {"type": "string", "pattern": pattern}
    if "anyOf" in field:
        field["anyOf"].append(text)
        return
    number = {k: field.pop(k) for k in list(field) if k not in ("description", "title", "default")}
    field["anyOf"] = [number, text]


def _compare_forms(compare: Schema) -> Schema:
    """A comparison written out (``{at_least: 3}``), as a bare value (``eq``) or as a list
    (``in``, at least one value)."""
    said: Schema = {k: compare[k] for k in ("description", "title") if k in compare}
    listed = {"type": "array", "items": _SCALAR, "minItems": 1}
    return {**said, "anyOf": [_SCALAR, listed, compare]}


# a count's value: a number, or text that reads as one ("3"); true/false and other text are
# refused by the loader (whenvalues.count_problem), and so by the schema
NUMBER_TEXT = r"^\s*[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?\s*$"
_COUNT: Schema = {"anyOf": [{"type": "number"}, {"type": "string", "pattern": NUMBER_TEXT}]}


def _count_forms(compare: Schema) -> Schema:
    """A count compared (``visits: 3``, ``{at_least: 2}``, ``[1, 2]``): as a comparison, its
    values numbers (``eq: true`` was taken by the schema, refused by ``check``)."""
    written = copy.deepcopy(compare)
    for key in ("eq", "ne"):
        written["properties"][key] = {"anyOf": [_COUNT, {"type": "null"}], "default": None}
    listed = {"type": "array", "items": _COUNT, "minItems": 1}
    written["properties"]["in"] = {"anyOf": [listed, {"type": "null"}], "default": None}
    return {"description": "A count compared.", "anyOf": [_COUNT, listed, written]}


def _counted(field: Schema) -> None:
    """A count field (or a mapping of them: ``interest``, ``event``) refers to CountCompare."""
    for branch in field.get("anyOf", []):
        target = branch.get("additionalProperties", branch)
        if target.get("$ref") == "#/$defs/Compare":
            target["$ref"] = "#/$defs/CountCompare"
