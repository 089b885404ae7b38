"""The recommendations' catalogue: the app's callable when it registered one, else the file
``catalog.yaml`` / ``catalog.yml`` / ``catalog.json`` in the rules folder, else empty."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from omotenashi.errors import RuleError, RuleSetError
from omotenashi.recommend.catalog import (
    Catalog,
    catalog_from_items,
    find_catalog_file,
    load_catalog,
)

CatalogSource = Callable[[], object]  # returns items: mappings (or Item) with id, url, title …


def load_catalog_for(
    rules_dir: Path, source: CatalogSource | None = None, *, base: Path | None = None
) -> Catalog:
    """The catalogue recommendations use, or RuleSetError naming each problem."""
    if source is not None:
        name = getattr(source, "__qualname__", "catalog callable")
        try:
            items = source()
        except Exception as exc:  # the app's code: report it like a broken file
            raise RuleSetError(
                [RuleError(name, 1, "", f"the catalogue callable failed: {exc!r}", "")]
            ) from exc
        return catalog_from_items(items, source=name)
    path = find_catalog_file(rules_dir)
    return load_catalog(path, base) if path is not None else Catalog()
