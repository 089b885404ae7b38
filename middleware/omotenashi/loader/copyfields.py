"""What plain copy's fields (loader/copytext.py) may name: a field the visitor has, printed as
words (not ``{{ visitor }}`` itself, nor a list or a mapping of it: rules61), or a value the
copy is given."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jinja2.exceptions import SecurityError, UndefinedError

from omotenashi.engine.printing import printed
from omotenashi.engine.render import not_a_field
from omotenashi.errors import SnippetError
from omotenashi.loader.copytext import SimpleCopy
from omotenashi.loader.snippetnames import TEXT
from omotenashi.loader.snippetplaces import SAMPLE_VISITOR


def check_simple(simple: SimpleCopy, given: Mapping[str, Any]) -> None:
    """SnippetError for the first field of ``simple`` that cannot be printed (``given``: the
    names every copy is given, its environment's globals)."""
    for head, key in simple.fields:
        if head == "visitor":
            if key is not None and key not in SAMPLE_VISITOR:
                raise SnippetError(TEXT, not_a_field(key))
            try:  # (``{{ visitor }}``, ``{{ visitor.cart }}``: a mapping, a list)
                printed((SAMPLE_VISITOR if key is None else SAMPLE_VISITOR[key],))
            except SecurityError as exc:
                raise SnippetError(TEXT, f"failed to render: {exc}") from exc
        elif head not in given:  # never given
            said = f"{head!r} is undefined"
            raise SnippetError(TEXT, said) from UndefinedError(said)
