"""Each distinct condition compiled once, for every rule that tests it.

A large site targets many rules alike: 10,000 generated rules have 3,900 different ``when``s,
made of a few hundred different field tests (``stage: [interest]``, ``device: [mobile]`` ...).
Rules whose ``when`` is written alike share one validated When and one list of conditions,
and a field test met before reuses its compiled conditions: the closures ``compile_when`` makes
are the larger part of a compiled rule's memory and time.
"""

from __future__ import annotations

import math
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
# Read in the When's own time zone: its time and weekday, and its nested Whens (theirs, unless
# they name their own).
ZONED = frozenset({"time", "weekday", "all", "any", "not_"})
_NO_VALUES: dict[str, Any] = {}
_NO_ATTRS: list[str] = []
_NO_FORMER: list[str] = []


def value_key(value: object, given: bool = False) -> object:
    """A hashable stand-in for a validated value: equal only for equal values of equal types
    (-0.0 is not 0.0); ``given``: and for models that gave the same fields, at every level."""
    if isinstance(value, BaseModel):
        fields = tuple((k, value_key(v, given)) for k, v in value.__dict__.items())
        if given:
            return (type(value).__name__, frozenset(value.model_fields_set), fields)
        return (type(value).__name__, fields)
    if isinstance(value, list):
        return ("list", tuple(value_key(v, given) for v in value))
    if isinstance(value, dict):
        return ("dict", tuple((k, value_key(v, given)) for k, v in value.items()))
    if isinstance(value, float):
        return ("float", value, math.copysign(1.0, value))
    return (type(value).__name__, value)


class SharedWhens:
    """Compiles the ``when`` of every rule of one load, sharing what is alike."""

    def __init__(self, timezone: str) -> None:
        self.timezone = timezone
        self.by_yaml: dict[str, When] = {}  # a ``when``'s YAML (repr) -> the When kept for it
        self.compiled: dict[int, tuple[When, list[Condition], bool]] = {}  # by id of a When
        self.by_field: dict[tuple[str, object, str | None], list[Condition]] = {}
        self.field_sets: dict[frozenset[str], tuple[set[str], int]] = {}
        self.models: dict[object, BaseModel] = {}  # by key (_walk)
        self.numbers: dict[object, int] = {}  # a model's key -> its number (_walk)

    def share(self, rule: Rule, raw: object) -> None:
        """Give ``rule``, just validated from ``raw`` (its YAML), the When of the first rule
        whose ``when`` is written alike (the file's YAML and its own When go before the next
        rule is validated, not with the whole file), and share what it holds (``_slim``)."""
        key = repr(raw.get("when")) if isinstance(raw, dict) else None
        kept = self.by_yaml.get(key) if key is not None else None
        if kept is None:
            self._share_sets(rule.when)
            if key is not None:
                self.by_yaml[key] = rule.when
        elif rule.when is not kept:
            # The same YAML validates to an equal When: keep one (the rule is new, not shared).
            rule.__dict__["when"] = kept
        self._slim(rule)

    def compile(self, rule: Rule) -> tuple[list[Condition], bool]:
        """The conditions of ``rule`` (once per When: rules ``share``d alike have one), and
        whether it tests the visitor's history."""
        when = rule.when
        hit = self.compiled.get(id(when))
        if hit is None:  # the When is held in the entry: its id is never another's
            hit = (when, self.conditions(when), not is_contextual(when))
            self.compiled[id(when)] = hit
        return hit[1], hit[2]

    def _slim(self, rule: Rule) -> None:
        """Equal sets of the fields a rule gave share one set (pydantic copies it before any
        change), and empty ``with``, ``allow_attrs`` and ``formerly`` share one empty value (nothing
        changes a rule once validated: the models are frozen)."""
        self._share_set(rule)
        fields = rule.__dict__
        if not fields["with_"]:
            fields["with_"] = _NO_VALUES
        if not fields["allow_attrs"]:
            fields["allow_attrs"] = _NO_ATTRS
        if not fields["formerly"]:
            fields["formerly"] = _NO_FORMER

    def _share_set(self, model: BaseModel) -> int:
        """Give ``model`` the one set kept for the fields it gave; the set's number."""
        given = model.model_fields_set
        shared, number = self.field_sets.setdefault(frozenset(given), (given, len(self.field_sets)))
        if shared is not given:
            object.__setattr__(model, "__pydantic_fields_set__", shared)
        return number

    def _share_sets(self, when: When) -> None:
        """``_share_set`` for a kept When and every model in it (its comparisons, the Whens of
        its ``all``, ``any`` and ``not``); a model in a list or a dict that equals one met
        before (values and the fields given, its own and its models') is replaced by that one."""
        self._walk(when, keyed=False)

    def _walk(self, value: object, keyed: bool) -> object:
        """``value``'s key, telling values apart as ``value_key(value, given=True)`` does, once
        the models in its lists and dicts are shared (``_share_sets``); None unless ``keyed``
        (only what a list or a dict holds is looked up). Bottom up: a model's key holds its
        parts' keys, a model among them standing as the number of its own key, so each part is
        walked and hashed once, however deep the nesting (a key of the whole subtree at every
        level cost the size times the depth)."""
        if isinstance(value, BaseModel):
            given = self._share_set(value)
            parts = tuple(self._walk(v, keyed) for v in value.__dict__.values())
            if not keyed:
                return None
            own = (type(value).__name__, given, parts)  # (a type's fields: always in one order)
            return self.numbers.setdefault(own, len(self.numbers))
        if isinstance(value, list):
            keys: list[object] = []
            for index, item in enumerate(value):
                keys.append(key := self._walk(item, True))
                if isinstance(item, BaseModel):
                    value[index] = self.models.setdefault(key, item)
            return ("list", tuple(keys)) if keyed else None
        if isinstance(value, dict):
            pairs: list[tuple[object, object]] = []
            for name, item in value.items():
                pairs.append((name, key := self._walk(item, True)))
                if isinstance(item, BaseModel):
                    value[name] = self.models.setdefault(key, item)
            return ("dict", tuple(pairs)) if keyed else None
        return value_key(value) if keyed and value is not None else None

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
