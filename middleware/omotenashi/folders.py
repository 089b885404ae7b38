"""Where the site's folders are found from one another."""

from __future__ import annotations

from pathlib import Path

__all__ = ["snippets_beside"]


def snippets_beside(rules: Path) -> Path:
    """The folder ``snippets`` beside the folder ``rules``: of ``.`` (or ``..``), beside where
    that is (editor65: ``omotenashi check .`` in the rules folder looked in rules/snippets)."""
    if rules.name in ("", ".", ".."):
        rules = rules.absolute().resolve()
    return rules.parent / "snippets"
