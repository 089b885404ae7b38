"""Every setting as its environment variable, and the README's configuration table made
from the models (``omotenashi settings-table``), so that the two cannot drift."""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from omotenashi.settings import Settings


def variables(
    model: type[BaseModel], prefix: str = "OMOTENASHI_"
) -> Iterator[tuple[str, str, FieldInfo]]:
    """(environment variable, field name, field) of every setting of ``model``, its groups'
    joined by ``_`` (``OMOTENASHI_REDIS_URL``)."""
    for name, info in model.model_fields.items():
        kind = info.annotation
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            yield from variables(kind, f"{prefix}{name.upper()}_")
        else:
            yield f"{prefix}{name.upper()}", name, info


def settings_table() -> str:
    """The README's configuration table, made from the models so the two cannot drift."""
    rows = ["| Environment variable | Default | Meaning |", "| --- | --- | --- |"]
    for variable, name, info in variables(Settings):
        default = info.get_default(call_default_factory=True)
        if name == "secret_keys":
            shown = "(a random key per process)"
        elif name == "preview_keys":
            shown = "(unset: the cookie keys)"
        elif name == "user_salt" or default is None or default == "":
            shown = "(unset)"
        elif isinstance(default, list):
            shown = ",".join(str(v) for v in default)
        else:
            shown = str(default)
        rows.append(f"| `{variable}` | `{shown}` | {info.description or ''} |")
    return "\n".join(rows)
