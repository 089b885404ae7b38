"""One load of everything the editors own (rules, journey, catalogue, snippets), and what is
said of it: loader/reload.py decides when, this module what a load is."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field

from omotenashi.engine.journey import Journey
from omotenashi.engine.ruleset import RuleSet
from omotenashi.errors import RuleError, RuleSetError
from omotenashi.loader.catalog import CatalogSource, load_catalog_for
from omotenashi.loader.filechecks import ignored_files
from omotenashi.loader.findings import LoadWarning
from omotenashi.loader.journey import load_journey
from omotenashi.loader.pacing import Handover, in_background, paused_gc, settle
from omotenashi.loader.ruleset import NO_RULES, load_ruleset
from omotenashi.loader.snippets import Renderer
from omotenashi.recommend.catalog import Catalog
from omotenashi.settings import RulesSettings

log = logging.getLogger("omotenashi")


@dataclass(frozen=True)
class Loaded:
    """One consistent set: the rules, the journey and the snippets they were compiled with."""

    ruleset: RuleSet
    journey: Journey
    renderer: Renderer
    catalog: Catalog = field(default_factory=Catalog)  # what recommend rules choose from
    warnings: tuple[RuleError, ...] = ()  # what the load logs but was no reason to refuse it


def load_all(
    cfg: RulesSettings, catalog: CatalogSource | None = None, renderer: Renderer | None = None
) -> Loaded:
    """Everything the editors own, or RuleSetError with every problem found. ``renderer``: the
    previous set's, renewed (``Renderer.renewed``), for a reload."""
    with paused_gc():
        return _load_all(cfg, catalog, renderer or Renderer(cfg.snippets_dir))


def _load_all(cfg: RulesSettings, catalog: CatalogSource | None, renderer: Renderer) -> Loaded:
    errors = []
    noted: list[LoadWarning] = []
    journey = Journey()
    items = Catalog()
    app = False  # a problem of the app's catalogue callable: tried again (loader/reload.py)
    try:
        items = load_catalog_for(cfg.dir, catalog)
    except RuleSetError as exc:
        errors.extend(exc.errors)
        app = catalog is not None
    try:
        journey = load_journey(cfg.dir, timezone=cfg.timezone, warnings=noted)
    except RuleSetError as exc:
        errors.extend(exc.errors)
    try:
        ruleset = load_ruleset(cfg.dir, renderer, timezone=cfg.timezone, warnings=noted)
    except RuleSetError as exc:
        errors.extend(exc.errors)
    if errors:
        raise RuleSetError(errors, app=app)
    # files an editor put where no load reads them: the live site says so too, not only check
    unread = [RuleError(f.file, f.line, "", f.message) for f in ignored_files(cfg.dir, None)]
    return Loaded(ruleset, journey, renderer, items, (*(n.error for n in noted), *unread))


def load_in_background(
    cfg: RulesSettings,
    catalog: CatalogSource | None = None,
    renderer: Renderer | None = None,
    handover: Handover | None = None,
) -> Loaded:
    """:func:`load_all` in a worker thread, paced so the event loop keeps serving requests;
    on success, ``handover``'s thread is started, ready to free the set this one replaces."""
    with in_background():
        loaded = load_all(cfg, catalog, renderer)
        settle()
    if handover is not None:
        handover.start()
    return loaded


WARNINGS_LOGGED = 20  # a reload's warnings logged one by one; the rest are counted


def log_warnings(loaded: Loaded) -> None:
    """One line for each thing a load did not refuse the rules for but an editor should fix,
    the first WARNINGS_LOGGED of them, then one line saying how many more (``omotenashi
    check`` lists them all): this runs on the event loop as the new set goes live."""
    said = [f"{name}: {NO_RULES}" for name in loaded.ruleset.empty_files[:WARNINGS_LOGGED]]
    said += [str(error) for error in loaded.warnings[: WARNINGS_LOGGED - len(said)]]
    for line in said:
        log.warning("omotenashi: %s", line)
    more = len(loaded.ruleset.empty_files) + len(loaded.warnings) - len(said)
    if more > 0:
        log.warning("omotenashi: and %d more warning(s): `omotenashi check` lists them all", more)


def pieces_of(old: object) -> Iterator[object]:
    """A replaced set's rules, its slots' lists and its index's tables, to be dropped one by
    one (``pacing.let_go``): with 10,000 rules and a warm index, dropping the set at once holds
    the interpreter ~13 ms."""
    assert isinstance(old, Loaded)
    yield from old.ruleset.rules
    yield from old.ruleset.by_slot.values()
    yield from old.ruleset.index.contents()
