"""Each distinct condition compiled once, for every rule that tests it.

A large site targets many rules alike: 10,000 generated rules have 3,900 different ``when``s,
made of a few hundred different field tests (``stage: [interest]``, ``device: [mobile]`` ...).
Rules whose ``when`` is written alike share one validated When and one list of conditions,
and a field test met before reuses its compiled conditions: the closures ``compile_when`` makes
are the larger part of a compiled rule's memory and time.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from omotenashi.engine.conditions import Condition, compile_when
from omotenashi.rules.model import Rule, When, is_contextual
from omotenashi.rules.yamlsource import Loc

# The order ``compile_when`` tests a When's fields in (engine/conditions.py, then
# engine/history.py, then all, any, not): a rule's conditions keep that order.
# tests/test_whens.py holds this against compile_when itself.
ORDER = (
    "stage",
    "segment",
    "attr",
    "interest",
    "visits",
    "new",
    "returning",
    "device",
    "browser",
    "os",
    "path",
    "query",
    "referrer",
    "language",
    "country",
    "time",
    "weekday",
    "views",
    "purchases",
    "cart_items",
    "absent_days",
    "event",
    "cart_abandoned",
    "viewed",
    "viewed_in_list",
    "first_utm",
    "first_referrer",
    "all",
    "any",
    "not_",
)
ZONED = frozenset({"time", "weekday"})  # read in the When's own time zone
_NO_VALUES: dict[str, Any] = {}
_NO_ATTRS: list[str] = []


def value_key(value: object) -> object:
    """A hashable stand-in for a validated value: equal only for equal values of equal types."""
    if isinstance(value, BaseModel):
        return (type(value).__name__, tuple((k, value_key(v)) for k, v in value.__dict__.items()))
    if isinstance(value, list):
        return ("list", tuple(value_key(v) for v in value))
    if isinstance(value, dict):
        return ("dict", tuple((k, value_key(v)) for k, v in value.items()))
    return (type(value).__name__, value)


class SharedWhens:
    """Compiles the ``when`` of every rule of one load, sharing what is alike."""

    def __init__(self, timezone: str) -> None:
        self.timezone = timezone
        self.by_yaml: dict[str, tuple[When, list[Condition], bool]] = {}
        self.by_field: dict[tuple[str, object, str | None], list[Condition]] = {}
        self.field_sets: dict[frozenset[str], set[str]] = {}

    def compile(self, rule: Rule, raw: object) -> tuple[list[Condition], bool]:
        """The conditions of ``rule`` (read from ``raw``, its YAML), and whether it tests the
        visitor's history."""
        key = repr(raw.get("when")) if isinstance(raw, dict) else None
        hit = self.by_yaml.get(key) if key is not None else None
        if hit is None:
            hit = (rule.when, self.conditions(rule.when), not is_contextual(rule.when))
            if key is not None:
                self.by_yaml[key] = hit
        elif rule.when is not hit[0]:
            # The same YAML validates to an equal When: keep one (the rule is new, not shared).
            rule.__dict__["when"] = hit[0]
        self._slim(rule)
        return hit[1], hit[2]

    def _slim(self, rule: Rule) -> None:
        """Equal sets of the fields a rule gave share one set (pydantic copies it before any
        change), and empty ``with`` and ``allow_attrs`` share one empty value (nothing
        changes a rule once validated: the models are frozen)."""
        given = rule.model_fields_set
        shared = self.field_sets.setdefault(frozenset(given), given)
        if shared is not given:
            object.__setattr__(rule, "__pydantic_fields_set__", shared)
        fields = rule.__dict__
        if not fields["with_"]:
            fields["with_"] = _NO_VALUES
        if not fields["allow_attrs"]:
            fields["allow_attrs"] = _NO_ATTRS

    def conditions(self, when: When) -> list[Condition]:
        """What ``compile_when(when)`` returns, made of conditions compiled once per field test."""
        out: list[Condition] = []
        fields = when.__dict__
        for name in ORDER:
            value = fields[name]
            if value is None:
                continue
            zone = when.timezone if name in ZONED else None
            key = (name, value_key(value), zone)
            found = self.by_field.get(key)
            if found is None:
                part: dict[str, Any] = {name: value, "timezone": zone}
                found = compile_when(When.model_construct(**part), self.timezone)
                self.by_field[key] = found
            out.extend(found)
        return out


def walk_whens(when: When, loc: Loc) -> Iterator[tuple[When, Loc]]:
    """``when`` and every condition nested in it (``any``, ``all``, ``not``), each with where it
    stands in the file."""
    yield when, loc
    for key, subs in (("any", when.any), ("all", when.all)):
        for index, sub in enumerate(subs or []):
            yield from walk_whens(sub, (*loc, key, index))
    if when.not_ is not None:
        yield from walk_whens(when.not_, (*loc, "not"))
