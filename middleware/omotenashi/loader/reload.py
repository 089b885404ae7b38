"""Hot reload: edits to rules, the journey and snippets take effect without a restart.

Every ``OMOTENASHI_RULES_RELOAD_INTERVAL`` seconds a timer on the event loop looks at the files
(a stat each: ``fingerprint``); once they changed and then stayed as they were for an interval
(a save under way, a file copied in parts, is never read half done), everything is loaded again
in a worker thread, and the new set replaces the old in one assignment on the event loop, unless
the files changed while they were read (then the next look tries again). A request never loads
rules, and keeps the set it started with. A broken edit keeps the last good set in force and
logs every error.

The worker shares the process politely (``pacing.py``): no garbage-collector passes while it
builds, a short thread switch interval so the loop gets the interpreter back within 0.05 ms, a
rest after each quarter millisecond of work, and the set it built is frozen out of later
collections. The replaced set is freed piece by piece (``pieces_of``) in a thread of its own,
started by the worker before the swap, once the requests that started with it are done.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from omotenashi.engine.journey import Journey
from omotenashi.engine.ruleset import RuleSet
from omotenashi.errors import RuleError, RuleSetError
from omotenashi.loader.catalog import CatalogSource, load_catalog_for
from omotenashi.loader.filechecks import ignored_files
from omotenashi.loader.findings import LoadWarning
from omotenashi.loader.fingerprint import READ
from omotenashi.loader.fingerprint import Seen as Seen
from omotenashi.loader.fingerprint import fingerprint as fingerprint
from omotenashi.loader.journey import load_journey
from omotenashi.loader.pacing import Handover, in_background, let_go, paused_gc, settle
from omotenashi.loader.ruleset import NO_RULES, load_ruleset
from omotenashi.loader.snippets import Renderer
from omotenashi.metrics import Metrics
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
    try:
        items = load_catalog_for(cfg.dir, catalog)
    except RuleSetError as exc:
        errors.extend(exc.errors)
    try:
        journey = load_journey(cfg.dir, timezone=cfg.timezone, warnings=noted)
    except RuleSetError as exc:
        errors.extend(exc.errors)
    try:
        ruleset = load_ruleset(cfg.dir, renderer, timezone=cfg.timezone, warnings=noted)
    except RuleSetError as exc:
        errors.extend(exc.errors)
    if errors:
        raise RuleSetError(errors)
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


def _log_warnings(loaded: Loaded) -> None:
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


RESTLESS = 5  # looks (or loads) in a row a file changed at, after which it holds no load up


def calm(seen: Seen, restless: frozenset[str]) -> Seen:
    """``seen`` without the times and sizes of the files that change at every look."""
    return tuple((e[0], 0, 0, 0, 0) if e[0] in restless else e for e in seen)


class Reloader:
    def __init__(
        self, cfg: RulesSettings, metrics: Metrics, catalog: CatalogSource | None = None
    ) -> None:
        self.cfg = cfg
        self.metrics = metrics
        self.catalog = catalog  # the app's catalogue callable, called on every (re)load
        # The files at the last look, as the last load (taken in or refused) found them, and
        # as the load under way found them as it started
        self._seen = self._read = self._reading = fingerprint(cfg.dir, cfg.snippets_dir)
        # The snippets as the set in force was loaded with them, and as the load under way
        # reads them: a load reuses the set's Jinja environments only while they are the same
        # (not merely the same as at the last look: a refused edit kept the older snippets)
        self._good = self._loading = self._snippets(self._seen)
        # Looks in a row each file changed at, and loads thrown away, in a row, for files
        # changing: a file that changes at every look (a log, a cache written into the folder)
        # is restless after RESTLESS of them; its changes then neither hold a load up nor
        # start one (a load at every look, for ever)
        self._streaks: dict[str, int] = {}
        self._restless: frozenset[str] = frozenset()
        self._moves = 0
        self._checked = time.monotonic()
        self._gone = not os.path.isdir(cfg.dir)  # missing at startup: said there (announce.py)
        self._unreadable = False  # said once while the folder cannot be read (eye51b)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._look: asyncio.Future[Seen] | None = None  # the files' stat under way (_tick)
        self._pending: asyncio.Future[Loaded] | None = None
        self._handover: Handover | None = None  # the pending load's, for the set it replaces
        try:
            with paused_gc():
                self.current = load_all(cfg, catalog)
                settle()
            _log_warnings(self.current)
        except RuleSetError as exc:
            metrics.inc("rule_error")
            log.error("omotenashi: rules refused, serving defaults:\n%s", exc)
            self.current = Loaded(RuleSet(), Journey(), Renderer(cfg.snippets_dir))

    def maybe_reload(self) -> Loaded:
        """The rule set in force: one attribute read. Reloads happen in the background, never
        inside a request: the first call on an event loop starts the watcher there. Outside an
        event loop (tools, scripts) the edits are looked for here, at most once per interval.
        """
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return self._reload_here()
        if self._loop is not loop:
            self._watch(loop)
        return self.current

    def _watch(self, loop: asyncio.AbstractEventLoop) -> None:
        self.stop()
        self._loop, self._pending = loop, None
        if self.cfg.reload_interval > 0:
            self._timer = loop.call_later(self.cfg.reload_interval, self._tick)

    def _tick(self) -> None:
        """Every interval: a stat of the files, in a worker thread (10 µs a file: 2,000
        snippets held every request 20 ms a second on the loop: reload54); once they changed
        and stayed as they were since the last look, a load there too."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        if self._pending is not None or self._missing():
            self._timer = loop.call_later(self.cfg.reload_interval, self._tick)
            return
        self._look = loop.run_in_executor(None, fingerprint, self.cfg.dir, self.cfg.snippets_dir)
        self._look.add_done_callback(self._looked)

    def _looked(self, look: asyncio.Future[Seen]) -> None:
        loop = self._loop
        if look is not self._look or loop is None or loop.is_closed() or look.cancelled():
            return  # (stopped meanwhile: watching again started a look of its own)
        self._look = None
        if look.exception() is None and self._pending is None:  # (OSError: a file went)
            if self._changed(settled=True, seen=look.result()):
                self._start_load(loop)
        self._timer = loop.call_later(self.cfg.reload_interval, self._tick)

    def _start_load(self, loop: asyncio.AbstractEventLoop) -> None:
        # Unless a snippet changed, the previous set's Jinja environments carry over: a Jinja
        # template keeps itself in reference cycles, which the frozen collector never frees.
        self._read = self._reading = self._seen
        self._loading = self._snippets(self._seen)
        renderer = None if self._loading != self._good else self.current.renderer.renewed()
        self._handover = Handover(pieces_of)
        self._pending = loop.run_in_executor(
            None, load_in_background, self.cfg, self.catalog, renderer, self._handover
        )
        self._pending.add_done_callback(self._swap)

    def _changed(self, settled: bool = False, seen: Seen | None = None) -> bool:
        """Whether the files differ from what the last load read; ``settled``: and are as they
        were at the last look (a save or copy under way is not read half done); ``seen``: the
        look, taken already (in a worker thread: :meth:`_tick`)."""
        if seen is None:
            if self._missing():
                return False
            try:
                seen = fingerprint(self.cfg.dir, self.cfg.snippets_dir)
            except OSError:  # a file removed while we looked: next time
                return False
        moving = set(seen).symmetric_difference(self._seen)
        self._streaks = {e[0]: self._streaks.get(e[0], 0) + 1 for e in moving}
        restless = {p for p, n in self._streaks.items() if n >= RESTLESS}
        self._restless = frozenset(p for p in restless if not p.lower().endswith(READ))
        calmed = calm(seen, self._restless)
        still = calmed == calm(self._seen, self._restless)
        self._seen = seen
        if calmed == calm(self._read, self._restless):
            return False
        return still or not settled or bool(restless - self._restless)

    def _missing(self) -> bool:
        """Whether the rules folder is gone (deleted, moved away, a volume not mounted): the set
        in force stays, said once, rather than 0 rules; once it is back it loads as edits do."""
        try:  # listed too: a folder that cannot be listed was read as empty (eye51c)
            if not (gone := not self.cfg.dir.is_dir()):
                os.scandir(self.cfg.dir).close()
        except (FileNotFoundError, NotADirectoryError):
            gone = True
        except OSError as exc:  # ESTALE, EIO, EACCES: the set in force stays; looked at again
            if not self._unreadable:
                self._unreadable = True
                log.warning(
                    "omotenashi: the rules folder %r (OMOTENASHI_RULES_DIR) cannot be read "
                    "(%s); the last good rules stay in force until it can",
                    str(self.cfg.dir.absolute()),
                    exc,
                )
            return True
        self._unreadable = False
        if gone and not self._gone:
            log.warning(
                "omotenashi: the rules folder %r (OMOTENASHI_RULES_DIR) is gone; the last good "
                "rules (%d) stay in force until it is back",
                str(self.cfg.dir.absolute()),
                len(self.current.ruleset.rules),
            )
        self._gone = gone
        return gone

    def _moved(self) -> bool:
        """Whether the files changed while the load that just ended read them: its set may
        hold a file half written (a file cut at a rule's end is valid YAML, with fewer rules)."""
        try:
            now = fingerprint(self.cfg.dir, self.cfg.snippets_dir)
            moved = calm(now, self._restless) != calm(self._reading, self._restless)
        except OSError:
            moved = True
        self._moves = self._moves + 1 if moved else 0
        if moved and self._moves >= RESTLESS:  # some file never stops: take what was read
            log.warning(
                "omotenashi: the rule or snippet files changed while they were read %d times "
                "in a row; the set as read is taken (is a file that keeps changing kept in "
                "the rules or snippets folder?)",
                self._moves,
            )
            self._moves = 0
            return False
        if moved:
            self._read = ()  # read again, once the files are still
        return moved

    def _snippets(self, seen: Seen) -> list[tuple[str, int, int, int, int]]:
        prefix = str(self.cfg.snippets_dir)
        return [entry for entry in seen if entry[0].startswith(prefix)]

    def _swap(self, done: asyncio.Future[Loaded]) -> None:
        """The new set in force in one assignment; a refused edit keeps the last good set."""
        self._pending = None
        if done.cancelled():
            return
        exc = done.exception()
        if self._moved():  # not a set of what is there, nor an editor's mistake: next look
            self._let_go([] if exc else [done.result()])
            log.info("omotenashi: the rule files changed while they were read; read again")
        elif self._missing():  # the folder went while it was read: the set in force stays
            self._let_go([] if exc else [done.result()])
        else:
            self._apply(None if exc else done.result(), exc)

    def _apply(self, loaded: Loaded | None, exc: BaseException | None) -> None:
        if loaded is not None:
            retired: list[object] = [self.current]
            self.current = loaded  # one assignment: the next request gets the new set
            self._good = self._loading
            self._let_go(retired)
            self.metrics.inc("reload")
            log.warning("omotenashi: rules reloaded (%d rules)", len(self.current.ruleset.rules))
            _log_warnings(loaded)
        else:
            self._handover = None  # a refused load started no thread
            self.metrics.inc("rule_error")
            log.error(
                "omotenashi: the edit was refused; the last good rules stay in force:\n%s", exc
            )

    def _let_go(self, retired: list[object]) -> None:
        """The replaced set is freed in a worker thread, rule by rule, once the requests that
        started with it are done: freeing 10,000 rules at once would hold the loop ~20 ms.
        That thread (a daemon: it never holds up the process's exit) was started by the worker
        that loaded the new set (``Handover``): here the set is only handed over."""
        handover, self._handover = self._handover, None
        parts: list[object] = []
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # a tool or script: no requests to keep serving
            retired.clear()
            return
        if handover is not None:
            handover.give(retired, parts)
        else:
            threading.Thread(target=let_go, args=(retired, parts, pieces_of), daemon=True).start()

    async def check(self) -> Loaded:
        """Look for edits now (and wait for a load under way); the rule set in force after."""
        loop = asyncio.get_running_loop()
        if self._pending is None and self._changed():
            self._start_load(loop)
        if self._pending is not None:
            await asyncio.wait([self._pending])
            await asyncio.sleep(0)  # the swap callback runs first
        return self.current

    def _reload_here(self) -> Loaded:
        now = time.monotonic()
        if self.cfg.reload_interval <= 0 or now - self._checked < self.cfg.reload_interval:
            return self.current
        self._checked = now
        if self._changed():
            self._read = self._reading = self._seen
            self._loading = self._snippets(self._seen)  # a fresh renderer: load_all's own
            try:
                loaded: Loaded | None = load_all(self.cfg, self.catalog)
                exc: Exception | None = None
            except Exception as error:  # reported; the last good set stays
                loaded, exc = None, error
            if not self._moved() and not self._missing():
                self._apply(loaded, exc)
        return self.current

    def stop(self) -> None:
        """Stop watching (the server is shutting down; the next request starts it again)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._loop = self._look = None
