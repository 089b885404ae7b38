"""HTML you can trust on any page: one linear-time scanner, byte-exact slots and CSS selectors.

- :func:`parse_selector` — a CSS selector, or :class:`~omotenashi.errors.SelectorError`.
- :func:`scan` — every slot and selector match with its extent (cached; see ``cache.py``).
- :func:`apply` / :func:`apply_edits` — rewrite only the targets' bytes.
"""

from __future__ import annotations

from .cache import scan
from .scanner import Scan, Skip, Target, scan_page
from .selectors import Selector, parse_selector
from .splice import Edit, apply, apply_edits, start_tag
from .tokens import Attr

__all__ = [
    "Attr",
    "Edit",
    "Scan",
    "Selector",
    "Skip",
    "Target",
    "apply",
    "apply_edits",
    "parse_selector",
    "scan",
    "scan_page",
    "start_tag",
]
