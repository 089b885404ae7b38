"""What a snippet may print: text, numbers, dates and times, never a value Python would write
out as itself (a mapping's or a list's brackets, ``None``, a method): the visitor's whole
mapping is such a value. Asked for every printed value, and for what ``~`` and the filters
that make text (``string``, ``pprint``, ``join``, ``format``) are given."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from jinja2 import Undefined
from jinja2.exceptions import SecurityError


def printed(values: Iterable[Any]) -> None:
    """SecurityError unless each of ``values`` prints as words (as a snippet prints): what is
    printed, and what ``~``, ``|string``, ``|join`` and ``|format`` make text of."""
    for value in values:
        if not isinstance(value, _PRINTED):  # (a bool is an int: "True")
            raise SecurityError(_refused(value))


def _refused(value: Any) -> str:
    return (
        f"a {_kind(value)} would be printed as Python writes it, not as words: print a text "
        "or a number (a field of it, item.title of a mapping; a list with |join(', '))"
    )


def formatted(form: str, values: Any) -> None:
    """SecurityError unless what ``form % values`` prints of each value is words: a mapping
    is read by its fields (``%(name)s``), any other value is printed whole."""
    for value in values if isinstance(values, tuple) else (values,):
        if not (isinstance(value, Mapping) and "%(" in form):
            printed((value,))


class _Printless:
    """Made text in any way (``|e``, ``|upper``, ``'%s' %``, ``.format``, ``~``: each calls
    ``str``; ``'%r' %`` calls ``repr``), a SecurityError instead (last61: the filters that make
    text are many). Nothing of Omotenashi makes text of the view: it is a snippet's only."""

    __slots__ = ()

    def __str__(self) -> str:
        raise SecurityError(_refused(self))

    __repr__ = __str__  # (``'%r' %``, ``'{!r}'.format``, ``|pprint``: last61c)

    def __format__(self, spec: str) -> str:
        raise SecurityError(_refused(self))


class PrintlessDict(_Printless, dict[str, Any]):
    """The visitor's mapping, and the mappings in it (engine/profile.py ``visitor_view``)."""

    __slots__ = ()


class PrintlessList(_Printless, list[Any]):
    """The visitor's lists (their interests, segments, cart ...)."""

    __slots__ = ()


# Named as what they are to a snippet's writer: Jinja's messages name a value's type ("access
# to attribute 'append' of 'list' object is unsafe", "'dict object' has no attribute 'x'")
for _made, _as in ((PrintlessDict, "dict"), (PrintlessList, "list")):
    _made.__name__ = _made.__qualname__ = _as
    _made.__module__ = "builtins"


# Filters that make text of their value (``join``: of its items; ``format``: of its
# arguments), as printing would: held to what may be printed (rules61: ``visitor|string``;
# final61: a copy of a list, ``visitor.cart|list|e``, is no visitor's own, to refuse itself)
AS_TEXT = frozenset(
    "string pprint join format e escape forceescape safe upper lower title capitalize trim "
    "center replace striptags urlize truncate wordwrap indent".split()
)


# What prints as words: text, numbers, a date or a time (YAML reads `ends: 2026-12-31` in
# with: as a date; it prints as 2026-12-31), and nothing (an undefined value)
_PRINTED = (str, int, float, datetime.date, datetime.time, Undefined)


def _kind(value: Any) -> str:
    """What a value is, in a snippet writer's words (never its contents: it may be the
    visitor's)."""
    if value is None:
        return "none (an empty value)"
    if callable(value):
        return "function or method (a call without its brackets, or a field that is no field)"
    if isinstance(value, dict):
        return "mapping"
    if isinstance(value, list | tuple | set | frozenset):
        return "list"
    return f"{type(value).__name__} object"


def as_text(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """What filter ``name`` would make text of, checked as printing is (:func:`printed`)."""
    if name == "join":  # (of a mapping: its keys; by ``attribute``: the items' fields)
        if len(args) < 3 and "attribute" not in kwargs and not isinstance(args[0], str):
            printed(args[0])
    elif name == "format":
        printed((*args[1:], *kwargs.values()))
    else:
        printed(args[:1])
