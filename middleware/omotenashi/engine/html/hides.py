"""Whether an element's own attributes hide it from a visitor as the page comes (scanner.py
``Target.hidden``): what ``hidden`` does, and what its inline ``style`` undoes."""

from __future__ import annotations

from collections.abc import Sequence

from .tokens import Attr


def hidden_by(found: Sequence[Attr]) -> bool:
    """An HTML element's attributes hide it: ``hidden``, unless its own ``style`` declares a
    ``display`` that shows it (which overrides the ``display: none`` ``hidden`` gives: seen,
    as ever, and counted); ``hidden="until-found"`` hides by other means, whatever the style."""
    hidden = next((a.value for a in found if a.name == "hidden"), None)
    if hidden is None:
        return False
    if hidden.strip().lower() == "until-found":
        return True
    style = next((a.value for a in found if a.name == "style"), "")
    return "display" not in style.lower() or _display(style) in _NOT_SHOWN


def _display(style: str) -> str:
    """The value of the last ``display`` declaration of an inline ``style`` ("" for none)."""
    value = ""
    for declaration in style.split(";"):
        name, colon, said = declaration.partition(":")
        if colon and name.strip().lower() == "display":
            value = said.lower().replace("!important", "").strip()
    return value


_NOT_SHOWN = frozenset({"", "none", "revert", "revert-layer"})  # (the UA's none, or no display)
