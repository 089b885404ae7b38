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
started by the worker before the swap, once the requests that started with it are done."""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time

from omotenashi.engine.journey import Journey
from omotenashi.engine.ruleset import RuleSet
from omotenashi.errors import RuleSetError
from omotenashi.loader import snippetlife
from omotenashi.loader.catalog import CatalogSource, load_catalog_for
from omotenashi.loader.fingerprint import READ, troubles
from omotenashi.loader.fingerprint import Seen as Seen
from omotenashi.loader.fingerprint import fingerprint as fingerprint
from omotenashi.loader.lateload import LateLoad, first_load
from omotenashi.loader.loadall import Loaded as Loaded
from omotenashi.loader.loadall import load_all as load_all
from omotenashi.loader.loadall import load_in_background, log_warnings
from omotenashi.loader.loadall import pieces_of as pieces_of
from omotenashi.loader.pacing import Handover, let_go, paused_gc, settle
from omotenashi.loader.snippets import Renderer
from omotenashi.metrics import Metrics
from omotenashi.settings import RulesSettings

log = logging.getLogger("omotenashi")


RESTLESS = 5  # looks (or loads) in a row a file changed at, after which it holds no load up


def calm(seen: Seen, restless: frozenset[str]) -> Seen:
    """``seen`` without the times and sizes of the files that change at every look."""
    return tuple((e[0], 0, 0, 0, 0) if e[0] in restless else e for e in seen)


# Seconds before a load the app's catalogue callable failed (raised, or returned no catalogue)
# is tried again, the files unchanged (recs62: refused until an editor saved a file)
CATALOG_RETRY = 30.0
_AGAIN = (
    "omotenashi: the catalogue callable failed; the rules in force stay, tried again in %gs:\n%s"
)


def _retry_at(exc: BaseException | None) -> float | None:
    """When to load again after ``exc`` (None: only once the files change)."""
    if isinstance(exc, RuleSetError) and exc.app:
        return time.monotonic() + CATALOG_RETRY
    return None


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
        self._moves = self._unsettled = 0
        self._checked = time.monotonic()
        self._gone = not os.path.isdir(cfg.dir)  # missing at startup: said there (announce.py)
        self._unreadable = False  # said once while the folder cannot be read (eye51b)
        self._troubles: dict[str, str] = {}  # what the last look could not see, said once
        self._loop: asyncio.AbstractEventLoop | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._look: asyncio.Future[Seen] | None = None  # the files' stat under way (_tick)
        self._pending: asyncio.Future[Loaded] | None = None
        self._handover: Handover | None = None  # the pending load's, for the set it replaces
        self._after: Seen | None = None  # the files once the pending load ended (_moved)
        self._used: Renderer | None = None  # the renderer the pending load compiled with
        self._retry_at: float | None = None  # (a load the catalogue callable failed: again then)
        self._refused, self._retrying = "", False  # what the last refused load said
        self._late = LateLoad()  # a load that does not end (a catalogue callable hanging)
        try:
            with paused_gc(), first_load(catalog):
                self.current = load_all(cfg, catalog)
                settle()
            log_warnings(self.current)
        except RuleSetError as exc:
            metrics.inc("rule_error")
            log.error("omotenashi: rules refused, serving defaults:\n%s", exc)
            self.current = Loaded(RuleSet(), Journey(), Renderer(cfg.snippets_dir))
            self._retry_at, self._refused = _retry_at(exc), str(exc)

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
            self._late.look(self.catalog, self._pending)
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
            elif self._retry_due():
                self._start_load(loop, retry=True)
        self._timer = loop.call_later(self.cfg.reload_interval, self._tick)

    def _start_load(self, loop: asyncio.AbstractEventLoop, retry: bool = False) -> None:
        self._retrying = retry  # (an editor's load refused is always said: eye62)
        # Unless a snippet changed, the previous set's Jinja environments carry over: a Jinja
        # template keeps itself in reference cycles, which the frozen collector never frees.
        self._read = self._reading = self._seen
        self._loading = self._snippets(self._seen)
        renderer = None if self._loading != self._good else self.current.renderer.renewed()
        self._handover = Handover(pieces_of)
        self._pending = loop.run_in_executor(
            None, self._load_and_look, renderer, self._handover, retry
        )
        self._late.start(self._pending)
        self._pending.add_done_callback(self._swap)

    def _load_and_look(
        self, renderer: Renderer | None, handover: Handover, retry: bool = False
    ) -> Loaded:
        """(In the worker.) The load, and then the files as they are (``_moved``): a stat of
        each, which took 30 ms on the event loop with 2,000 files (reload54). ``retry``: the
        files unchanged, after the catalogue callable failed: it is asked alone first (a
        refused load of 10,000 rules every 30 s held the loop for its garbage: last62c)."""
        if retry:
            try:
                self._ask_catalog()
            except RuleSetError:
                self._after = self._files_now()
                raise
        self._used = renderer = renderer or Renderer(self.cfg.snippets_dir)
        try:
            return load_in_background(self.cfg, self.catalog, renderer, handover)
        finally:
            self._after = self._files_now()

    def _ask_catalog(self) -> None:
        """The app's catalogue callable asked alone: RuleSetError (``app``) when it fails."""
        try:
            load_catalog_for(self.cfg.dir, self.catalog)
        except RuleSetError as exc:
            raise RuleSetError(exc.errors, app=True) from None

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
        for path, why in (now := troubles(seen)).items():
            if self._troubles.get(path) != why:  # (a folder listed but not entered: eye54b)
                log.warning("omotenashi: %r %s", path, why)
        self._troubles = now
        moving = set(seen).symmetric_difference(self._seen)
        self._streaks = {e[0]: self._streaks.get(e[0], 0) + 1 for e in moving}
        restless = {p for p, n in self._streaks.items() if n >= RESTLESS}
        self._restless = frozenset(p for p in restless if not p.lower().endswith(READ))
        calmed = calm(seen, self._restless)
        still = calmed == calm(self._seen, self._restless)
        self._seen = seen
        if calmed == calm(self._read, self._restless):
            self._unsettled = 0
            return False
        # looks in a row that found the files moving, one file or another (an editor saving
        # every few seconds, looks stretched as far by a saturated process: no edit loaded for
        # minutes, soak55): past RESTLESS, they load as they are (a moved read is read again)
        # (only looks where a file loads read moved count, and a load they start counts anew:
        # a cache writing a new name at every look started a load at every look: eye55c)
        read_moved = any(path.lower().endswith(READ) for path, *_ in moving)
        self._unsettled = 0 if still else self._unsettled + read_moved
        if self._unsettled > RESTLESS:
            self._unsettled = 0
            return True
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

    def _files_now(self) -> Seen | None:
        try:
            return fingerprint(self.cfg.dir, self.cfg.snippets_dir)
        except OSError:  # (None: moved)
            return None

    def _moved(self, now: Seen | None) -> bool:
        """Whether the files changed while the load that just ended read them (``now``: as
        they were once it ended): its set may hold a file half written (a file cut at a rule's
        end is valid YAML, with fewer rules)."""
        moved = now is None or calm(now, self._restless) != calm(self._reading, self._restless)
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
        self._late.ended(done)
        if done.cancelled():
            return
        exc, used, self._used = done.exception(), self._used, None
        if exc is not None and used is not None:  # a refused load's templates go (eye55)
            snippetlife.let_go(used, self.current.renderer)
            snippetlife.untangled(exc)  # (a caught error held in its own frame: eye55b)
        if self._moved(self._after):  # not a set of what is there: the next look
            self._let_go([] if exc else [done.result()])
            log.info("omotenashi: the rule files changed while they were read; read again")
        elif self._missing():  # the folder went while it was read: the set in force stays
            self._let_go([] if exc else [done.result()])
        else:
            self._apply(None if exc else done.result(), exc)

    def _retry_due(self) -> bool:
        """Whether a load the app's catalogue callable failed is to be tried again now."""
        return self._retry_at is not None and time.monotonic() >= self._retry_at

    def _apply(self, loaded: Loaded | None, exc: BaseException | None) -> None:
        self._retry_at = _retry_at(exc)
        if loaded is not None:
            retired: list[object] = [self.current]
            self._refused = ""
            self.current = loaded  # one assignment: the next request gets the new set
            self._good = self._loading
            self._let_go(retired)
            self.metrics.inc("reload")
            log.warning("omotenashi: rules reloaded (%d rules)", len(self.current.ruleset.rules))
            log_warnings(loaded)
        else:
            self._handover = None  # a refused load started no thread
            self.metrics.inc("rule_error")
            said, self._refused = self._refused, str(exc)
            if self._retrying and isinstance(exc, RuleSetError) and exc.app:  # (once: last62c)
                (log.debug if said == self._refused else log.error)(_AGAIN, CATALOG_RETRY, exc)
            else:
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
        for old in retired:  # its templates freed with it (snippetlife)
            if isinstance(old, Loaded):
                snippetlife.let_go(old.renderer, self.current.renderer)
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # a tool or script: no requests to keep serving
            retired.clear()
            return
        if handover is not None:
            handover.give(retired, parts)
        else:
            threading.Thread(target=let_go, args=(retired, parts, pieces_of), daemon=True).start()

    async def check(self, *, force: bool = False) -> Loaded:
        """Look for edits now (and wait for a load under way); the rule set in force after.
        ``force``: load now whatever the files say (the app's catalogue changed: recs62)."""
        loop = asyncio.get_running_loop()
        if force and self._pending is not None:  # (it read the catalogue before: last62c)
            await asyncio.wait([self._pending])
            await asyncio.sleep(0)  # the swap callback runs first
        if self._pending is None and ((moved := self._changed() or force) or self._retry_due()):
            self._start_load(loop, retry=not moved)  # (a retry alone asks the callable first)
        if self._pending is not None:
            await asyncio.wait([self._pending])
            await asyncio.sleep(0)  # the swap callback runs first
        return self.current

    def _reload_here(self) -> Loaded:
        now = time.monotonic()
        if self.cfg.reload_interval <= 0 or now - self._checked < self.cfg.reload_interval:
            return self.current
        self._checked = now
        if (moved := self._changed()) or self._retry_due():
            self._read = self._reading = self._seen
            self._loading = self._snippets(self._seen)  # a fresh renderer: load_all's own
            self._retrying = not moved  # (final63b: a retry loaded every rule, said refused)
            try:
                if self._retrying:
                    self._ask_catalog()
                loaded: Loaded | None = load_all(self.cfg, self.catalog)
                exc: Exception | None = None
            except Exception as error:  # reported; the last good set stays
                loaded, exc = None, error
            if not self._moved(self._files_now()) and not self._missing():
                self._apply(loaded, exc)
        return self.current

    def stop(self) -> None:
        """Stop watching (the server is shutting down; the next request starts it again)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._loop = self._look = None
