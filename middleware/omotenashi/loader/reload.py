"""Hot reload: edits to rules, the journey and snippets take effect without a restart.

At most once per ``OMOTENASHI_RULES_RELOAD_INTERVAL`` seconds a request looks at the files'
sizes and modification times; when anything changed, everything is loaded again. A broken
edit keeps the last good set in force and logs every error.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from omotenashi.engine.journey import Journey
from omotenashi.engine.ruleset import RuleSet
from omotenashi.errors import RuleSetError
from omotenashi.loader.journey import load_journey
from omotenashi.loader.ruleset import load_ruleset
from omotenashi.loader.snippets import Renderer
from omotenashi.metrics import Metrics
from omotenashi.settings import RulesSettings

log = logging.getLogger("omotenashi")


@dataclass(frozen=True)
class Loaded:
    """One consistent set: the rules, the journey and the snippets they were compiled with."""

    ruleset: RuleSet
    journey: Journey
    renderer: Renderer


def load_all(cfg: RulesSettings) -> Loaded:
    """Everything the editors own, or RuleSetError with every problem found."""
    renderer = Renderer(cfg.snippets_dir)
    errors = []
    journey = Journey()
    try:
        journey = load_journey(cfg.dir, timezone=cfg.timezone)
    except RuleSetError as exc:
        errors.extend(exc.errors)
    try:
        ruleset = load_ruleset(cfg.dir, renderer, timezone=cfg.timezone)
    except RuleSetError as exc:
        errors.extend(exc.errors)
    if errors:
        raise RuleSetError(errors)
    return Loaded(ruleset, journey, renderer)


def fingerprint(*folders: Path) -> tuple[tuple[str, int, int], ...]:
    out = []
    for folder in folders:
        if folder.is_dir():
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    stat = path.stat()
                    out.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(out)


class Reloader:
    def __init__(self, cfg: RulesSettings, metrics: Metrics) -> None:
        self.cfg = cfg
        self.metrics = metrics
        self._seen = fingerprint(cfg.dir, cfg.snippets_dir)
        self._checked = time.monotonic()
        try:
            self.current = load_all(cfg)
        except RuleSetError as exc:
            metrics.inc("rule_error")
            log.error("omotenashi: rules refused, serving defaults:\n%s", exc)
            self.current = Loaded(RuleSet(), Journey(), Renderer(cfg.snippets_dir))

    def maybe_reload(self) -> Loaded:
        interval = self.cfg.reload_interval
        now = time.monotonic()
        if interval <= 0 or now - self._checked < interval:
            return self.current
        self._checked = now
        seen = fingerprint(self.cfg.dir, self.cfg.snippets_dir)
        if seen == self._seen:
            return self.current
        self._seen = seen
        try:
            self.current = load_all(self.cfg)
            self.metrics.inc("reload")
            log.warning("omotenashi: rules reloaded (%d rules)", len(self.current.ruleset.rules))
        except RuleSetError as exc:
            self.metrics.inc("rule_error")
            log.error(
                "omotenashi: the edit was refused; the last good rules stay in force:\n%s", exc
            )
        return self.current
