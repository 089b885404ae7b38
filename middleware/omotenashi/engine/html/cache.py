"""Scan each page shape once: reuse a scan for pages that differ only inside text or values.

Most pages differ per request only in a CSRF token, a nonce or a timestamp. For a page of the
same length as one scanned before (same slot attribute, opt-out attribute and selectors), the
differing bytes are found by comparing chunks at C speed; when every difference is a run of
"safe" characters (letters, digits, ``_.:+/=,%``) inside text, a comment or the value of an
attribute that neither the slot attribute, the opt-out attribute, ``id``, ``class`` nor any
selector looks at, the previous scan holds unchanged for the new page. Anything else scans
afresh. Scans are immutable and shared.

Safe to call from several threads at once (the responder personalises big pages in a worker
thread while the event loop does the rest): a lock guards the table's own operations (look-up,
recency, insertion, eviction, the counters), never a scan or a comparison, and what a reference
learns is published as one value.
"""

from __future__ import annotations

import re
import sys
import threading
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from .formatting import FORMATTING
from .hides import HIDING, UNUSABLE, declared, unusable
from .scanner import Scan, exists, scan_page
from .selectors import Selector
from .tokens import TOKEN, Attr, attrs

CHUNK = 2048
MAX_WINDOWS = 32
GAP = 16
MAX_PAGE = 2 * 1024 * 1024  # larger pages are scanned every time
_SAFE = re.compile(r"[A-Za-z0-9_.:+/=,%]*")
_WORD = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_WIDEN = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:+,%")


@dataclass
class _Ref:
    """A scanned page, and once a near-identical page was seen, where such pages may differ."""

    page: str
    scan: Scan
    # (the bytes every reuse must share, where they may differ): one value, so a thread never
    # reads one learning's stretches with another's windows
    learned: tuple[list[tuple[int, str]], list[tuple[int, int]]] | None = None
    # the ``slot`` and ``name`` values it reads too: a page with a declarative shadow root (which
    # of a host's children show: review65, a form token in a ``name`` rescanned every page)
    shadows: frozenset[str] = frozenset()
    weight: int = 0  # what it holds in memory, about, in bytes (:func:`weight`)


_refs: OrderedDict[tuple[object, ...], _Ref] = OrderedDict()
_lock = threading.Lock()  # around the operations on _refs and stats only
REFS = 64
MAX_CHARS = 16 * 1024 * 1024  # what the pages kept for reuse and their scans hold, in bytes
# What a scan holds beside its page, about: a tag's position (an int in a tuple) and a target
# (dos66: counted by their pages' characters alone, 9 entries held 420 MB, not ~32)
TAG_BYTES, TARGET_BYTES = 36, 400


def weight(page: str, found: Scan) -> int:
    """About what a page kept for reuse and its scan hold in memory, in bytes."""
    held = sys.getsizeof(page)  # (1, 2 or 4 bytes a character, as the text needs: last66)
    return held + TAG_BYTES * len(found.tags) + TARGET_BYTES * len(found.targets)


stats = {"scans": 0, "reused": 0}
EMPTY = Scan()


def scan(
    page: str,
    *,
    slot_attribute: str = "data-omo-slot",
    opt_out: str = "data-omo-off",
    selectors: Sequence[Selector] = (),
) -> Scan:
    """The :class:`Scan` of ``page``, reusing an earlier one when it provably still holds."""
    sels = tuple(selectors)
    if not sels and not exists(page, slot_attribute):
        return EMPTY  # one C-speed search: most pages of a site have no slots
    if len(page) > MAX_PAGE:
        return scan_page(page, slot_attribute, opt_out, sels)
    key = (len(page), slot_attribute, opt_out, tuple(s.text for s in sels))
    with _lock:
        ref = _refs.get(key)
    if ref is not None and (
        ref.page is page
        or ref.page == page
        or _fits(ref, page)
        or _learn(ref, page, _sensitive(slot_attribute, opt_out, sels) | ref.shadows)
    ):
        with _lock:
            if _refs.get(key) is ref:  # another thread may have dropped or replaced it
                _refs.move_to_end(key)
            stats["reused"] += 1
        return ref.scan
    result = scan_page(page, slot_attribute, opt_out, sels)
    with _lock:
        stats["scans"] += 1
        shadows = _SHADOWED if _SHADOW.search(page) else _NONE
        _refs[key] = _Ref(page, result, shadows=shadows, weight=weight(page, result))
        while len(_refs) > REFS or (
            len(_refs) > 1 and sum(r.weight for r in _refs.values()) > MAX_CHARS
        ):
            _refs.popitem(last=False)
    return result


def _fits(ref: _Ref, page: str) -> bool:
    """Whether ``page`` differs from the reference only inside its known windows (memcmp)."""
    learned = ref.learned
    if learned is None:
        return False
    stretches, windows = learned
    starts = page.startswith
    if not all(starts(text, pos) for pos, text in stretches):
        return False
    full = _SAFE.fullmatch
    return all(full(page, lo, hi) for lo, hi in windows)


def _learn(ref: _Ref, page: str, sensitive: frozenset[str]) -> bool:
    """Find where ``page`` differs; if only in safe places, remember them for the next pages."""
    a = ref.page
    found = _windows(a, page)
    if found is None:
        return False
    windows: list[tuple[int, int]] = []
    for lo, hi in found:  # widen to the whole token, so the next value fits too
        while lo > 0 and a[lo - 1] in _WIDEN:
            lo -= 1
        while hi < len(a) and a[hi] in _WIDEN:
            hi += 1
        if windows and lo <= windows[-1][1]:
            lo = windows[-1][0]
            windows.pop()
        windows.append((lo, hi))
    if not _same_structure(a, page, ref.scan, sensitive, windows):
        return False
    stretches, pos = [], 0
    for lo, hi in windows:
        stretches.append((pos, a[pos:lo]))
        pos = hi
    stretches.append((pos, a[pos:]))
    ref.learned = (stretches, windows)
    return True


def _sensitive(slot: str, opt_out: str, sels: tuple[Selector, ...]) -> frozenset[str]:
    names = {slot.lower(), opt_out.lower(), "id", "class", "type", "encoding", "color", "face"}
    names.add("size")  # attributes the tree builder reads (input in tables, foreign content)
    # ... and what tells whether a block is seen or usable, and a shadow root (html64: a
    # "display:none" page's scan was reused for a "display:flex" one of the same length)
    names |= HIDING | UNUSABLE | {"shadowrootmode", "shadowrootslotassignment"}
    for sel in sels:
        for compounds, _ in sel.complexes:
            for comp in compounds:
                names.update(a[0] for a in comp.attrs)
                for inner in comp.nots:
                    names.update(a[0] for a in inner.attrs)
    return frozenset(names)


def _windows(a: str, b: str) -> list[tuple[int, int]] | None:
    """Runs where equal-length ``a`` and ``b`` differ, or None when there are too many."""
    out: list[tuple[int, int]] = []
    n = len(a)
    for i in range(0, n, CHUNK):
        j = min(n, i + CHUNK)
        while i < j and a[i:j] != b[i:j]:
            lo, hi = i, j  # first difference: smallest k with a[i:k] != b[i:k], minus one
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if a[i:mid] == b[i:mid]:
                    lo = mid
                else:
                    hi = mid
            k = lo
            while True:  # to the end of this run, joining runs less than GAP apart
                while k < j and a[k] != b[k]:
                    k += 1
                if k >= j or a[k : min(j, k + GAP)] == b[k : min(j, k + GAP)]:
                    break
                k += 1
            out.append((lo, k))
            if len(out) > MAX_WINDOWS:
                return None
            i = k
    return out


def _same_structure(
    a: str, b: str, old: Scan, sensitive: frozenset[str], windows: list[tuple[int, int]]
) -> bool:
    tags = old.tags
    starts = {t.start for t in old.targets}
    seen: dict[int, tuple[int, int]] = {}  # tag start -> the value span already checked
    for lo, hi in windows:
        if not (_SAFE.fullmatch(a, lo, hi) and _SAFE.fullmatch(b, lo, hi)):
            return False
        while lo > 0 and a[lo - 1] in _WORD:
            lo -= 1
        while hi < len(a) and a[hi] in _WORD:
            hi += 1
        if lo > 0 and a[lo - 1] in "<&/!":
            return False
        k = bisect_right(tags, lo) - 1
        if k < 0:
            continue
        lt = tags[k]
        m = TOKEN.match(a, lt)
        if m is None or m.end() <= lo:
            continue  # text, comment or raw text after that tag
        span = seen.get(lt)
        if span is not None and span[0] < lo and hi <= span[1]:
            continue
        if lt in starts:
            return False
        span = _in_value(a, b, lt, m.end(), lo, hi, sensitive)
        if span is None:
            return False
        seen[lt] = span
    return True


# Formatting elements whose attribute values the parser compares (the "Noah's Ark" clause: a
# fourth alike drops the first from the list of those it re-opens); <a> is never twice in it
_NOAHS = FORMATTING - {"a"}
_SHADOW = re.compile("shadowrootmode", re.IGNORECASE)
_SHADOWED, _NONE = frozenset({"slot", "name"}), frozenset[str]()


def _in_value(
    a: str, b: str, lt: int, end: int, lo: int, hi: int, sensitive: frozenset[str]
) -> tuple[int, int] | None:
    """The span of the insensitive attribute of the tag at ``lt`` whose value holds [lo, hi)."""
    mb = TOKEN.match(b, lt)
    if mb is None or mb.end() != end or mb.group(1) is None:
        return None
    if mb.group(1).lower() in _NOAHS:  # (its values decide what the parser re-opens: html64)
        return None
    name_end = lt + 1 + len(mb.group(1))
    old, new = attrs(a, name_end, end), attrs(b, name_end, end)
    if [(x.name, x.start, x.end) for x in old] != [(x.name, x.start, x.end) for x in new]:
        return None
    for x, y in zip(old, new, strict=True):
        if x.start + len(x.name) < lo and hi <= x.end:
            alike = x.name not in sensitive or _same_meaning(x, y)
            return (x.start + len(x.name), x.end) if alike else None
    return None


_SHOWING = ("display", "visibility", "content-visibility")  # what hides.py reads of a style


def _same_meaning(x: Attr, y: Attr) -> bool:
    """Whether two values of an attribute the scan reads only for what they mean (whether a
    block is seen or usable, a shadow root) mean the same: a ``style`` whose width alone
    differs, page by page, keeps its scan (review64: 98 KB pages were scanned anew, 40 ms)."""
    if x.name == "style":
        old, new = declared(x.value), declared(y.value)
        return all(old.get(k) == new.get(k) for k in _SHOWING)
    if x.name == "hidden":
        return (x.value.strip().lower() == "until-found") == (
            y.value.strip().lower() == "until-found"
        )
    if x.name in UNUSABLE:
        return unusable(x) == unusable(y)
    if x.name == "shadowrootmode":
        return (x.value.lower() in _MODES) == (y.value.lower() in _MODES)
    return False


_MODES = ("open", "closed")
