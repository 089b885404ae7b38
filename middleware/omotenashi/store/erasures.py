"""The erases this process made, so that a request that read a profile before its erase is not
decided from that read and writes nothing of it again.

A page's profile read starts before the app runs, and its record is written after the response:
a visitor who erases (or resets, withdraws consent; or a site that revokes the id) in another
tab meanwhile would otherwise get that page decided from what was just erased, and its record
(or the beacon's, or a sign-in's merge) could bring part of it back. Every request takes a
:attr:`Erasures.mark` before its read; :meth:`Erasures.since` says whether an erase of that id
was under way or finished after it. In memory only: no round trip, nothing stored.

Across processes (another worker or host erased) the record script's own checks hold instead
(store/scripts.py: a write made from a profile that has gone is refused, and a revoked id's deny
marker refuses everything); a page there is decided from what its read found.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from omotenashi.errors import StoreError

#: How many erased ids are remembered (the oldest forgotten first): far more than erases in
#: the life of one request, and a few hundred kilobytes at most.
KEEP = 10_000


class Erased(StoreError):
    """The id was erased since its profile was read: nothing of that read is written."""


class Erasures:
    def __init__(self, keep: int = KEEP) -> None:
        self.keep = keep
        self.mark = 0  # erases finished so far: a request's mark, taken before its read
        self._done: dict[str, int] = {}  # id -> the mark its last erase finished at
        self._under_way: dict[str, int] = {}  # id -> erases of it not finished yet
        # anonymous ids a sign-in merges now: another sign-in at once (another user) merges
        # none of it (identity61: both accounts got the same browsing; store/merging.py)
        self.merging: set[str] = set()

    def since(self, pid: str, mark: int | None) -> bool:
        """An erase of ``pid`` is under way, or finished after ``mark`` was taken (None: no
        read to judge, nothing to say)."""
        if mark is None:
            return False
        return pid in self._under_way or self._done.get(pid, mark) > mark

    def check(self, pid: str, mark: int | None) -> None:
        """Raise :class:`Erased` when :meth:`since` says so."""
        if self.since(pid, mark):
            raise Erased(f"erased since its read (mark {mark})")

    @contextmanager
    def erasing(self, pid: str) -> Iterator[None]:
        """Around an erase of ``pid``: it counts from its start, failed or not (a failure may
        have erased; the visitor is told to try again, and nothing read before is written)."""
        self._under_way[pid] = self._under_way.get(pid, 0) + 1
        try:
            yield
        finally:
            left = self._under_way.pop(pid) - 1
            if left:
                self._under_way[pid] = left
            self.mark += 1
            self._done.pop(pid, None)  # (moved to the end: the newest)
            self._done[pid] = self.mark
            while len(self._done) > self.keep:
                del self._done[next(iter(self._done))]
