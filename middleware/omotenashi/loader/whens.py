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
    "bought",
    "in_cart",
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
_NESTED = (BaseModel, list, dict)
# A When's fields by the names written in YAML (``not``; ``not_`` too is read, and walked)
_FIELD_NAMES = {info.alias or name: name for name, info in When.model_fields.items()}


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


_BLANK = When.model_construct(timezone=None)  # one field test's When, copied


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
        self.by_text: dict[tuple[str, str], tuple[object, object]] = {}  # a field's YAML ->
        # the value kept for it, and its key (_share_sets)
        self._unkept: tuple[object, str] | None = None  # a ``when`` given met first, its key

    def share(self, rule: Rule, raw: object) -> None:
        """Give ``rule``, just validated from ``raw`` (its YAML), the When of the first rule
        whose ``when`` is written alike (the file's YAML and its own When go before the next
        rule is validated, not with the whole file), and share what it holds (``_slim``)."""
        known = self.compiled.get(id(rule.when))
        if known is not None and known[0] is rule.when:  # validated with it (``given``)
            self._slim(rule)
            return
        raw_when = raw.get("when") if isinstance(raw, dict) else None
        unkept, self._unkept = self._unkept, None
        if unkept is not None and unkept[0] is raw_when:
            key: str | None = unkept[1]  # (``given`` wrote it)
        else:
            key = repr(raw_when) if isinstance(raw, dict) else None
        kept = self.by_yaml.get(key) if key is not None else None
        if kept is None:
            self._share_sets(rule.when, raw_when)
            if key is not None:
                self.by_yaml[key] = rule.when
        elif rule.when is not kept:
            # The same YAML validates to an equal When: keep one (the rule is new, not shared).
            rule.__dict__["when"] = kept
        self._slim(rule)

    def given(self, raw: object) -> object:
        """What to validate for ``raw``, a rule's YAML: a copy with the When kept for a
        ``when`` written alike, when there is one (each distinct ``when`` is validated once),
        or ``raw`` itself. A ``when`` that is not a mapping never validated, so is never kept."""
        if isinstance(raw, dict):
            when = raw.get("when")
            if type(when) is dict:
                key = repr(when)
                kept = self.by_yaml.get(key)
                if kept is not None:
                    return {**raw, "when": kept}
                self._unkept = (when, key)  # for ``share``, next
        return raw

    def compile(self, rule: Rule) -> tuple[list[Condition], bool]:
        """The conditions of ``rule`` (once per When: rules ``share``d alike have one), and
        whether it uses what is kept about the visitor: its ``when`` tests their history, or
        it has a ``cap:``, which counts how often they saw it (with nothing kept, under GPC or
        without consent, a block shown "once" showed on every page: journey51)."""
        when = rule.when
        hit = self.compiled.get(id(when))
        if hit is None or hit[0] is not when:  # (a When not shared: in tests)
            hit = (when, self.conditions(when), not is_contextual(when))
            self.compiled[id(when)] = hit
        return hit[1], hit[2] or rule.cap is not None

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

    def _share_sets(self, when: When, written: object = None) -> None:
        """``_share_set`` for a kept When and every model in it (its comparisons, the Whens of
        its ``all``, ``any`` and ``not``); a model in a list or a dict that equals one met
        before (values and the fields given, its own and its models') is replaced by that one,
        and a field written as in a When met before (``written``: its YAML) takes that When's
        value. Then its conditions, from the keys of its fields (what was walked is not walked
        again to tell its field tests apart)."""
        self._share_set(when)
        fields = when.__dict__
        keys: dict[str, object] = {}
        for field, text in written.items() if type(written) is dict else ():
            name = _FIELD_NAMES.get(field)
            if name is None or (value := fields[name]) is None:
                continue
            mark = (name, repr(text))  # (validated alone: a field's value is its YAML's)
            found = self.by_text.get(mark)
            if found is None:
                self.by_text[mark] = (value, key := self._key(value))
            else:
                fields[name], key = found
            keys[name] = key
        for name, value in fields.items():
            if value is not None and name not in keys:
                keys[name] = self._key(value)
        conditions = self.conditions(when, keys)
        self.compiled[id(when)] = (when, conditions, not is_contextual(when))

    def _key(self, value: object) -> object:
        """``self._walk(value, True)``, the leaves that most values are made of (None, text,
        a whole number, a flag: ``value_key``'s) without a call."""
        kind = type(value)
        if value is None:
            return None
        if kind is str or kind is int or kind is bool:
            return (kind.__name__, value)
        return self._walk(value, True)

    def _walk(self, value: object, keyed: bool) -> object:
        """``value``'s key, telling values apart as ``value_key(value, given=True)`` does, once
        the models in its lists and dicts are shared (``_share_sets``); None unless ``keyed``
        (only what a list or a dict holds is looked up). Bottom up: a model's key holds its
        parts' keys, a model among them standing as the number of its own key, so each part is
        walked and hashed once, however deep the nesting (a key of the whole subtree at every
        level cost the size times the depth)."""
        if isinstance(value, BaseModel):
            given = self._share_set(value)
            if not keyed:  # only its models, lists and dicts have anything to share
                for v in value.__dict__.values():
                    if isinstance(v, _NESTED):
                        self._walk(v, False)
                return None
            part = self._key
            parts = tuple([None if v is None else part(v) for v in value.__dict__.values()])
            own = (type(value).__name__, given, parts)  # (a type's fields: always in one order)
            return self.numbers.setdefault(own, len(self.numbers))
        if isinstance(value, list):
            keys: list[object] = []
            for index, item in enumerate(value):
                keys.append(key := self._key(item))
                if isinstance(item, BaseModel):
                    value[index] = self.models.setdefault(key, item)
            return ("list", tuple(keys)) if keyed else None
        if isinstance(value, dict):
            pairs: list[tuple[object, object]] = []
            for name, item in value.items():
                pairs.append((name, key := self._key(item)))
                if isinstance(item, BaseModel):
                    value[name] = self.models.setdefault(key, item)
            return ("dict", tuple(pairs)) if keyed else None
        return value_key(value) if keyed and value is not None else None

    def conditions(self, when: When, keys: dict[str, object] | None = None) -> list[Condition]:
        """What ``compile_when(when)`` returns, made of conditions compiled once per field test,
        told apart by ``keys`` (``_walk``'s, by field) or else by ``value_key``."""
        out: list[Condition] = []
        fields = when.__dict__
        for name in ORDER:
            value = fields[name]
            if value is None:
                continue
            zone = when.timezone if name in ZONED else None
            key = (name, value_key(value) if keys is None else keys[name], zone)
            found = self.by_field.get(key)
            if found is None:
                part: dict[str, Any] = {name: value, "timezone": zone}  # (a copy: a fifth of
                found = compile_when(_BLANK.model_copy(update=part), self.timezone)  # making)
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
