"""Frozen dataclasses built without their ``__init__``: for the few made on every request.

A frozen dataclass's ``__init__`` sets each field through ``object.__setattr__``: two dozen
calls for the facts, a few µs per request in all. :func:`quick` fills the instance's
``__dict__`` in one step instead, when it is given every field; tests/engine/test_quick_builds.py
holds what it builds to what ``__init__`` builds (tests/test_quick_dict.py: :func:`quick_dict`).
"""

from __future__ import annotations

from typing import Any, TypeVar

T = TypeVar("T")
_FIELDS: dict[type, frozenset[str]] = {}


def quick(cls: type[T], **values: Any) -> T:
    """``cls(**values)`` for a dataclass, built in one step when ``values`` names every field
    (``init=False`` ones too: no ``__post_init__`` runs); otherwise ``cls(**values)`` itself,
    with its defaults and its errors."""
    names = _FIELDS.get(cls)
    if names is None:  # a class with slots has no __dict__ to fill: always through __init__
        fields = cls.__dataclass_fields__  # type: ignore[attr-defined]
        names = _FIELDS[cls] = frozenset() if hasattr(cls, "__slots__") else frozenset(fields)
    if values.keys() != names:
        return cls(**values)
    new = object.__new__(cls)
    new.__dict__.update(values)
    return new


def quick_dict(cls: type[T], values: dict[str, Any]) -> T:
    """:func:`quick` of a dict of every field (``{"name": value, ...}``, whose keys Python
    makes once), without the keyword arguments' own dict: for a record of many fields."""
    names = _FIELDS.get(cls)
    if names is None:
        return quick(cls, **values)  # (the class's fields worked out there, once)
    if values.keys() != names:
        return cls(**values)
    new = object.__new__(cls)
    new.__dict__.update(values)
    return new
