"""Small helpers shared by the commands."""

from __future__ import annotations

from typing import Any


def pairs(items: list[str], convert: Any = str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"omotenashi: expected name=value, got {item!r}")
        try:
            out[key] = convert(value)
        except ValueError:
            out[key] = value
    return out
