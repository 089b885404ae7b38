"""Recommendations: a catalogue, pure ranking with true reasons, and co-view learning."""

from __future__ import annotations

from omotenashi.recommend.catalog import (
    Catalog,
    CatalogFile,
    Item,
    catalog_from_items,
    find_catalog_file,
    load_catalog,
)
from omotenashi.recommend.rank import recommend
from omotenashi.recommend.signals import Pick, Signals
from omotenashi.rules.recommend import Diversity, RecommendSpec

__all__ = [
    "Catalog",
    "CatalogFile",
    "Diversity",
    "Item",
    "Pick",
    "RecommendSpec",
    "Signals",
    "catalog_from_items",
    "find_catalog_file",
    "load_catalog",
    "recommend",
]
