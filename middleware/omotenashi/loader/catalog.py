"""The recommendations' catalogue: the app's callable when it registered one, else the file
``catalog.yaml`` / ``catalog.yml`` / ``catalog.json`` in the rules folder, else empty."""

from __future__ import annotations

import difflib
import inspect
import logging
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from omotenashi.errors import RuleError, RuleSetError
from omotenashi.recommend.catalog import (
    Catalog,
    Item,
    catalog_from_items,
    find_catalog_file,
    load_catalog,
)

CatalogSource = Callable[[], object]  # returns items: mappings (or Item) with id, url, title …
ASYNC_CATALOG = (
    "the catalogue callable is async: it is called as a plain function as the rules load, "
    "and nothing awaits it; give a plain function returning the items (a list your app "
    "keeps up to date, or a query of its own)"
)

log = logging.getLogger("omotenashi")
_SAID: set[tuple[str, str]] = set()  # (callable, column) said to be a likely typo, once


def load_catalog_for(
    rules_dir: Path, source: CatalogSource | None = None, *, base: Path | None = None
) -> Catalog:
    """The catalogue recommendations use, or RuleSetError naming each problem."""
    if source is not None:
        name = getattr(source, "__qualname__", "catalog callable")
        try:
            items = source()
            if isinstance(items, Iterable) and not isinstance(items, (Mapping, str, bytes, list)):
                items = list(items)  # (a generator: its rows read here, read twice below)
        except Exception as exc:  # the app's code: report it like a broken file
            raise RuleSetError(
                [RuleError(name, 1, "", f"the catalogue callable failed: {exc!r}", "")]
            ) from exc
        if inspect.isawaitable(items) or inspect.isasyncgen(items):  # (recs65: "'coroutine'
            getattr(items, "close", lambda: None)()  # is not a list of items"; never awaited)
            raise RuleSetError([RuleError(name, 1, "", ASYNC_CATALOG, "")])
        catalog = catalog_from_items(items, source=name)
        _say_typos(name, items)
        return catalog
    path = find_catalog_file(rules_dir)
    return load_catalog(path, base) if path is not None else Catalog()


def _say_typos(name: str, items: object) -> None:
    """A row's column left out (not the item's) that is a known field misspelt (``avaliable``:
    the item stays available), said once per callable and column; other columns are a
    database row's own, left out unsaid."""
    rows = items.get("items") if isinstance(items, Mapping) else items
    if not isinstance(rows, Iterable) or isinstance(rows, (str, bytes)):
        return
    fields, others = list(Item.model_fields), set[str]()
    for row in rows:
        if isinstance(row, Mapping):
            others.update(k for k in row if isinstance(k, str) and k not in Item.model_fields)
    for column in sorted(others):
        near = difflib.get_close_matches(column.lower(), fields, n=1, cutoff=0.8)
        if near and (name, column) not in _SAID:
            _SAID.add((name, column))
            log.warning(
                "omotenashi: the catalogue callable %r gives items a %r, which is left out "
                "(not an item's field); did you mean %r?",
                name,
                column,
                near[0],
            )
