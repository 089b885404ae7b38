"""``OMOTENASHI_METRICS_DIR``: the worker processes of one server share their metrics.

Under ``uvicorn --workers N``, gunicorn or ``omotenashi proxy --workers N`` the workers share
one port, and a scrape reaches whichever accepts it. So each process writes what it counted to
``<dir>/<pid>-<nonce>.json`` (about once a second when something changed, and once more at
shutdown), and a scrape of any of them answers the sum of every file in the folder, its own
replaced by its live numbers:

* counters and histograms: summed over every file, those of processes that have exited too
  (a restarted worker's counts stay counted: the sum never goes down, except by what a crashed
  process counted in its last second);
* gauges (the breaker's state: the worst; records pending: the sum): over the processes still
  running only: a file whose process shut down, whose pid is gone (or ended: a zombie), or
  that has not been refreshed for ``STALE`` seconds (3 missed writes and a margin) is left out.

A worker that shuts down adds its counts to ``retired.json`` and removes its own file (under
the folder's lock, which scrapes share), so a server that recycles its workers keeps a file
per running worker and one for all that exited. The folder must be emptied before the
server starts (as prometheus_client's multiprocess mode asks): its files are counts since that
start, and an older run's would be added to this one's.
Files that cannot be read, are too big or are not ours are skipped (a warning each, once);
at most ``MOST_FILES`` are read. The files are written, read and added up in a worker thread,
not on the event loop (what is counted is copied on the loop first); one thread at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import os
import re
import secrets
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # (not on Windows: exited workers' files are then kept one by one)
    fcntl = None  # type: ignore[assignment]

from omotenashi.errors import ConfigError
from omotenashi.metrics import _NAME, BUCKETS, TIMINGS, Metrics, Tally, _Timing

log = logging.getLogger("omotenashi")
FORMAT = "omotenashi-metrics/1"
INTERVAL = 1.0  # seconds between writes (a write only when something changed)
STALE = 3 * INTERVAL + 7.0  # a file not refreshed for this long: its process is gone
MOST_FILES = 1000  # files read per scrape at most
LARGEST = 8 * 1024 * 1024  # bytes of a file at most (rules shown: ~75 bytes per rule id)
_FILE = re.compile(r"^(?:[0-9]+-[0-9a-f]+|retired)\.json$")
RETIRED = "retired.json"  # what the workers that shut down counted, added up (pid 0)
LOCK = ".lock"  # held to fold a file into RETIRED (exclusive) and to read the folder (shared)
_GAUGE = re.compile(r"^omotenashi_[a-z0-9_]+$")

FILE_NOT_FOLDER = "it is, or is under, a file: give a folder (made if missing) the workers share"


class SharedDir:
    """One process's part in a metrics dir: it writes ``metrics``' numbers there, and adds
    up the others' when scraped (``metrics.shared`` is set to it)."""

    def __init__(self, path: Path, metrics: Metrics) -> None:
        for at in (path, *path.parents):  # (ops65: a warning, each worker on its own; a
            if at.exists():  # folder under a file too: review66)
                if not at.is_dir():
                    raise ConfigError("OMOTENASHI_METRICS_DIR", str(path), FILE_NOT_FOLDER)
                break
        self.path = path
        self.metrics = metrics
        self.name = ""  # <pid>-<nonce>.json, named at start (a preloaded app forks after)
        self._pid = 0
        self._written = b""  # the last snapshot written
        self._base: Tally | None = None  # what this process counted and put in RETIRED
        self._read: dict[str, tuple[int, int, int, tuple[Tally, int, bool] | None]] = {}
        self._warned: set[str] = set()
        self._task: asyncio.Task[None] | None = None
        self._lock = threading.Lock()  # the folder's files, and what is known of them
        self._epoch = 0  # moved on by stop(): a write copied before is not made after it
        metrics.shared = self

    # -- writing ---------------------------------------------------------------------------

    def start(self) -> None:
        """Write this process's file now, and every ``INTERVAL`` from a task of the running
        loop (stopped by :meth:`stop`)."""
        if self._pid != os.getpid():
            self._pid = os.getpid()
            self.name = f"{self._pid}-{secrets.token_hex(8)}.json"
            self._written = b""
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self._warn("", f"omotenashi: the metrics dir {str(self.path)!r} cannot be made: {exc}")
        self.write()
        if self._task is None or self._task.done():
            loop = asyncio.get_running_loop()
            self._task = loop.create_task(self._run(), name="omotenashi: write the metrics")

    def stop(self) -> None:
        """The last write: the counts stay counted, the gauges no longer are."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()  # (a write in a thread may still run: its epoch is gone, it is not made)
        self._epoch += 1
        if self.name:
            self.write(live=False)
            self._retire()

    def _retire(self) -> None:
        """Add this process's counts to :data:`RETIRED` and remove its own file: a server that
        recycles its workers (gunicorn's ``max_requests``) keeps a few files, not one per worker
        it ever ran. Under the folder's lock: a scrape reads the files before or after, whole."""
        own = self.path / self.name
        try:
            with self._lock, _locked(self.path, exclusive=True) as held:
                if not held:
                    return
                total = Tally()
                self._read.pop(RETIRED, None)  # read afresh, whatever its time and size say
                retired = self._file(RETIRED)
                if retired is not None:
                    total.add(retired[0], live=False)
                total.add(less(self.metrics.tally, self._base), live=False)
                temp = self.path / f".{RETIRED}.{self.name}.tmp"
                temp.write_bytes(dump(total, 0, False, {}))
                os.replace(temp, self.path / RETIRED)
                own.unlink()
                self._base, self._written = less(self.metrics.tally, None), b""
        except OSError as exc:
            self._warn(self.name, f"omotenashi: the metrics file {str(own)!r}: {exc}")

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(INTERVAL)
            copied = self._copy(live=True)  # on the loop, where the counting is done
            if copied is not None:
                await asyncio.to_thread(self._put, *copied)

    def write(self, *, live: bool = True) -> None:
        """Replace this process's file if its numbers changed, else mark it as fresh."""
        copied = self._copy(live)
        if copied is not None:
            self._put(*copied)

    def _copy(self, live: bool) -> tuple[Tally, bool, dict[str, tuple[str, float]], int] | None:
        """What :meth:`_put` writes: this process's numbers (a copy), their gauges, the epoch."""
        try:
            gauges, _ = self.metrics.gauges()
            return less(self.metrics.tally, self._base), live, gauges, self._epoch
        except Exception:  # a bug of ours (or another collector's): the requests go on
            if self.name not in self._warned:
                log.exception("omotenashi: the metrics could not be written")
            self._warned.add(self.name)
            return None

    def _put(
        self, tally: Tally, live: bool, gauges: dict[str, tuple[str, float]], epoch: int
    ) -> None:
        data = dump(tally, self._pid, live, gauges)
        with self._lock:
            if epoch == self._epoch:  # not stopped since the copy (the file would come back)
                self._replace(data)

    def _replace(self, data: bytes) -> None:
        target = self.path / self.name
        try:
            if data == self._written:
                os.utime(target)  # still running: its gauges still count
                return
        except FileNotFoundError:  # the folder was emptied under us: write it again
            pass
        except OSError as exc:
            self._warn(self.name, f"omotenashi: the metrics file {str(target)!r}: {exc}")
            return
        temp = self.path / f".{self.name}.tmp"
        try:
            temp.write_bytes(data)
            os.replace(temp, target)
        except OSError as exc:
            self._warn(self.name, f"omotenashi: the metrics file {str(target)!r}: {exc}")
            with contextlib.suppress(OSError):
                temp.unlink()
            return
        self._written = data

    # -- reading ---------------------------------------------------------------------------

    def total(self, own: Tally) -> Tally:
        """``own`` (live: what it did not put in RETIRED) plus every other file of the folder,
        read under the folder's lock (shared): a worker folding its file into RETIRED waits."""
        with self._lock, _locked(self.path, exclusive=False):
            return self._total(own)

    def _total(self, own: Tally) -> Tally:
        total = Tally()
        total.add(less(own, self._base), live=True)
        now, seen = time.time(), set()
        try:
            with os.scandir(self.path) as entries:  # (RETIRED first, whatever the number)
                names = sorted(
                    (e.name for e in entries if not e.name.startswith(".")),
                    key=lambda name: (name != RETIRED, name),
                )
        except OSError as exc:
            self._warn("", f"omotenashi: the metrics dir {str(self.path)!r}: {exc}")
            return total
        if len(names) > MOST_FILES:
            self._warn(
                "/",  # no file's name
                f"omotenashi: the metrics dir {str(self.path)!r} holds {len(names)} files; only "
                f"{MOST_FILES} are read (empty it before the server starts)",
            )
            names = names[:MOST_FILES]
        for name in names:
            if name == self.name:
                continue
            seen.add(name)
            read = self._file(name)
            if read is not None:
                tally, pid, live, mtime = read
                total.add(tally, live=live and now - mtime <= STALE and _running(pid))
        for gone in self._read.keys() - seen:
            del self._read[gone]
        return total

    def _file(self, name: str) -> tuple[Tally, int, bool, float] | None:
        """A file's numbers, pid, whether its process said it runs, and when it was written;
        None: skipped (a warning the first time). Read again only when it changed."""
        path = self.path / name
        try:
            stat = path.stat()
        except FileNotFoundError:  # removed since the folder was listed
            return None
        except OSError as exc:
            self._warn(name, f"omotenashi: skipped {str(path)!r} in the metrics dir: {exc}")
            return None
        key = (stat.st_mtime_ns, stat.st_size, stat.st_ino)  # (os.replace: a new inode)
        known = self._read.get(name)
        if known is not None and known[:3] == key:
            parsed = known[3]
        else:
            parsed, why = None, "not a metrics snapshot"
            if not _FILE.match(name):
                why = "not a metrics file of ours"
            elif stat.st_size > LARGEST:
                why = f"larger than {LARGEST} bytes"
            else:
                try:
                    parsed = _parse(path.read_bytes())
                except FileNotFoundError:
                    return None
                except OSError as exc:
                    why = str(exc)
            self._read[name] = (*key, parsed)
            if parsed is None:
                self._warn(name, f"omotenashi: skipped {str(path)!r} in the metrics dir: {why}")
        if parsed is None:
            return None
        return (*parsed, stat.st_mtime)

    def _warn(self, name: str, message: str) -> None:
        """One warning per file name (``""``: the folder itself) while this process runs."""
        if name not in self._warned and len(self._warned) < 2 * MOST_FILES:
            self._warned.add(name)
            log.warning(message)


def dump(tally: Tally, pid: int, live: bool, gauges: dict[str, tuple[str, float]]) -> bytes:
    """A file's bytes: ``tally``'s numbers, its process, whether it runs, its gauges."""
    return json.dumps(
        {
            "format": FORMAT,
            "pid": pid,
            "live": live,
            "counts": dict(tally.counts),
            "shown": dict(tally.shown),
            "timings": {n: [t.counts, t.total] for n, t in tally.timings.items()},
            "breaker": tally.breaker,
            "gauges": {n: g for n, g in gauges.items() if math.isfinite(g[1])},
        },
        separators=(",", ":"),
    ).encode()


def less(tally: Tally, base: Tally | None) -> Tally:
    """``tally``'s counters less ``base``'s (what it had counted before): a copy, gauges kept."""
    out = Tally()
    out.add(tally, live=True)
    if base is not None:
        out.counts.subtract(base.counts)
        out.shown.subtract(base.shown)
        for name, timing in out.timings.items():
            before = base.timings[name]
            timing.counts = [a - b for a, b in zip(timing.counts, before.counts, strict=True)]
            timing.total -= before.total
    return out


@contextlib.contextmanager
def _locked(folder: Path, *, exclusive: bool) -> Iterator[bool]:
    """The folder's :data:`LOCK`, held (True) for the block; False where it cannot be taken
    (no ``fcntl``, a read-only folder): the block then goes without it."""
    if fcntl is None:
        yield False
        return
    try:
        handle = open(folder / LOCK, "a+b")  # noqa: SIM115  (closed below, with its lock)
    except OSError:
        yield False
        return
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        except OSError:  # a file system without locks (some NFS, FUSE): as without fcntl
            yield False
            return
        yield True  # (closing the file lets the lock go)


def _parse(data: bytes) -> tuple[Tally, int, bool] | None:
    """A file's numbers, pid and whether its process said it runs; None: not a snapshot."""
    try:
        doc = json.loads(data)
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            return None
        tally, pid, live = Tally(), doc["pid"], doc["live"]
        counts, shown = doc["counts"], doc["shown"]
        timings, breaker, gauges = doc["timings"], doc["breaker"], doc["gauges"]
        if not (_count(pid) and isinstance(live, bool) and _count(breaker)):  # (0: RETIRED)
            return None
        if breaker > 2 or not (_counts(counts) and _counts(shown) and isinstance(timings, dict)):
            return None
        if not all(isinstance(n, str) and _NAME.match(n) for n in counts):
            return None
        tally.counts.update(counts)
        tally.shown.update(shown)
        tally.names |= counts.keys()
        tally.breaker = breaker
        for name, (buckets, total) in timings.items():
            if name not in TIMINGS or len(buckets) != len(BUCKETS) + 1:
                return None
            if not (all(map(_count, buckets)) and _number(total) and total >= 0):
                return None
            timing = tally.timings[name] = _Timing()
            timing.counts, timing.total = list(buckets), float(total)
        if not isinstance(gauges, dict):
            return None
        for name, (text, value) in gauges.items():
            if not (_GAUGE.match(name) and isinstance(text, str) and _number(value)):
                return None
            tally.gauges[name] = (text, float(value))
    except (ValueError, KeyError, TypeError):  # not JSON, a field missing or of another shape
        return None
    return tally, pid, live


def _count(value: Any) -> bool:
    return type(value) is int and value >= 0


def _number(value: Any) -> bool:
    return type(value) in (int, float) and math.isfinite(value)


def _counts(value: Any) -> bool:
    return isinstance(value, dict) and all(map(_count, value.values()))


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # no signal: only whether the process is there
    except PermissionError:  # another user's
        return not _zombie(pid)
    except (OSError, OverflowError):  # gone, or no pid at all
        return False
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    """A process that ended and its parent has not reaped yet (a killed worker whose manager
    is slow to notice): its pid is there, it runs no more (workers58). Linux's ``/proc`` only."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:  # "<pid> (<name>) <state> ..."
            line = stat.read(512)
    except OSError:
        return False
    return line[line.rfind(b")") + 2 :][:1] == b"Z"
