"""Render one compiled snippet or copy for one visitor, with a plain, minimal context."""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

from jinja2 import Template

from omotenashi.errors import SnippetError


def render(template: Template, values: Mapping[str, Any], visitor: Mapping[str, Any]) -> str:
    """The snippet's output; SnippetError when it fails (the slot then keeps its default)."""
    try:
        out = template.render({**values, "visitor": visitor})
    except Exception as exc:  # any snippet failure leaves the slot's default in place
        raise SnippetError(template.name or "text", f"failed to render: {exc}") from exc
    return out if template.environment.autoescape else html.escape(out, quote=False)
