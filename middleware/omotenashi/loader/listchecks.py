"""``omotenashi check``: an editor's list (``data/<name>.yaml``, read by ``viewed_in_list:``
and ``visitor.viewed_in``) holding an id close to a catalogue item's but not one: a typo that
no visitor's viewed item ever matches. As for ``viewed:``, an id close to none is taken for one
the site tracks beyond its catalogue, and not said."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from omotenashi.errors import RuleError
from omotenashi.loader.findings import Finding
from omotenashi.loader.near import CLOSE, Near, series
from omotenashi.loader.ruleset import list_files
from omotenashi.rules.yamlsource import display_path, line_of, load_yaml


def list_findings(rules_dir: Path, base: Path | None, items: Collection[str]) -> list[Finding]:
    """A warning at each list item close to an id of the catalogue's ``items``, not one."""
    if not items:
        return []
    near: Near | None = None
    out: list[Finding] = []
    for path in list_files(rules_dir):
        name = display_path(path, base)
        try:
            data, lines = load_yaml(path, name)
        except RuleError:
            continue  # (said where the lists are loaded)
        listed = data.get("items") if isinstance(data, dict) else None
        for index, item in enumerate(listed if isinstance(listed, list) else []):
            if not isinstance(item, str) or item in items:
                continue
            near = Near(items) if near is None else near
            meant = near.close(item, CLOSE)
            if meant is not None and not series(meant, item):
                line = line_of(lines, ("items", index))
                said = f"items[{index}]: {item!r} is not an item of the catalogue"
                out.append(Finding(name, line, "warning", f"{said} (did you mean {meant!r}?)"))
    return out
