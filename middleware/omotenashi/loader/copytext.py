"""Copy that is plain text with ``{{ name }}`` / ``{{ visitor.name }}`` fields, without Jinja.

Most copy is a sentence, maybe with the visitor's name. Compiling it with Jinja costs about a
millisecond per rule at load time (10 s for 10,000 rules) and tens of microseconds per render;
this does the same substitution, with Jinja's results: a missing value fails the rule (as
``StrictUndefined`` does), values print as ``str()`` does (what a snippet may not print, a
list or a mapping, is refused as there: engine/printing.py), one trailing newline is dropped.
Anything else (filters, tags, comments, whitespace control) goes to Jinja.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from jinja2 import UndefinedError

from omotenashi.engine.printing import printed

_FIELD = re.compile(r"\{\{\s*([A-Za-z]\w*)(?:\.([A-Za-z]\w*))?\s*\}\}")
_JINJA = ("{{", "{%", "{#")
_DICT_NAMES = frozenset(dir(dict))  # ``visitor.items`` is a method to Jinja: leave it to Jinja


class _PlainEnvironment:
    autoescape = False  # the adapter escapes the whole output, as for Jinja copy


Part = str | tuple[str, str | None]


class SimpleCopy:
    """Quacks like the Jinja ``Template`` that ``engine.render.render`` calls."""

    __slots__ = ("fields", "parts", "uses_name")  # one per rule: kept small
    name = None
    environment = _PlainEnvironment()

    def __init__(self, parts: list[Part]) -> None:
        self.parts = tuple(parts)
        self.fields = tuple(p for p in parts if isinstance(p, tuple))
        self.uses_name = ("visitor", "name") in self.fields

    def render(self, context: Mapping[str, Any]) -> str:
        out: list[str] = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
                continue
            head, key = part
            if head not in context:
                raise UndefinedError(f"{head!r} is undefined")
            value = context[head]
            if key is not None:
                if not isinstance(value, Mapping) or key not in value:
                    raise UndefinedError(f"{head!r} has no attribute {key!r}")
                value = value[key]
            printed((value,))  # (a list or a mapping: refused, as a snippet would be)
            out.append(str(value))
        return "".join(out)


def parse_simple(text: str) -> SimpleCopy | None:
    """The copy as literal parts and fields, or None when it needs Jinja."""
    if "\r" in text:  # Jinja normalises newlines; leave those texts to it
        return None
    if text.endswith("\n"):
        text = text[:-1]
    if "{" not in text:  # no field, no Jinja: the text itself (most copy)
        return SimpleCopy([text] if text else [])
    parts: list[Part] = []
    at = 0
    for match in _FIELD.finditer(text):
        head, key = match.group(1), match.group(2)
        literal = text[at : match.start()]
        if any(marker in literal for marker in _JINJA) or key in _DICT_NAMES:
            return None
        if literal.endswith("{"):  # "{{{ x }}": Jinja reads "{{" first, then a "{" it refuses
            return None
        if literal:
            parts.append(literal)
        parts.append((head, key))
        at = match.end()
    rest = text[at:]
    if any(marker in rest for marker in _JINJA):
        return None
    if rest:
        parts.append(rest)
    return SimpleCopy(parts)
