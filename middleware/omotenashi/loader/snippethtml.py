"""A snippet whose output is not a whole piece of HTML (``engine/html/fragment.py``), met when
the rules load or ``omotenashi check`` runs: an error at the snippet's file and line, quoting
the markup at fault, rather than a slot that keeps its default on every page."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jinja2 import BaseLoader, Template
from jinja2.exceptions import TemplateSyntaxError

from omotenashi.engine.html.fragment import Broken
from omotenashi.engine.render import BrokenMarkup, render

__all__ = ["BrokenMarkup", "checked_render"]


def checked_render(
    template: Template, values: Mapping[str, Any], visitor: Mapping[str, Any]
) -> str:
    """:func:`render`, with broken markup located: the error's cause names the snippet and
    the line (what ``Renderer.problem`` reports, once per snippet, naming its rules)."""
    try:
        return render(template, values, visitor)
    except BrokenMarkup as exc:
        name = template.name or "text"
        said = f"its HTML {exc.found.reason}"
        if exc.found.piece:
            said += f"; the markup at fault: {exc.found.piece!r}"
        line = _line(template, exc.output, exc.found)
        raise BrokenMarkup(name, exc.found, exc.output, said) from TemplateSyntaxError(
            said, line, template.name
        )


def _line(template: Template, output: str, found: Broken) -> int:
    """The line of the snippet's file the markup at fault comes from, when that is sure: the
    piece (or its tag) appears as often in the file as in the output, so the n-th in the
    output is the n-th in the file. Else 1."""
    loader = template.environment.loader
    if template.name is None or not isinstance(loader, BaseLoader):
        return 1
    try:
        source = loader.get_source(template.environment, template.name)[0]
    except Exception:  # gone or unreadable since it compiled: the file's first line
        return 1
    piece = found.piece
    for candidate in (piece, piece.split(None, 1)[0] if piece.strip() else ""):
        if not candidate or source.count(candidate) != output.count(candidate):
            continue
        nth = output.count(candidate, 0, found.at)
        at = -1
        for _ in range(nth + 1):
            at = source.find(candidate, at + 1)
        return source.count("\n", 0, at) + 1
    return 1
