"""The engine's shared tables under threads: big pages are personalised in a worker thread while
the event loop personalises the rest, so the scan cache and the render cache are used from
several threads at once. Every scan and render must stay right and every table whole."""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from jinja2 import Environment

from omotenashi.engine import render as rendering
from omotenashi.engine.html import cache, scan_page, scanner

THREADS = 8
ROUNDS = 600


@pytest.fixture
def busy_switching() -> Iterator[None]:
    """Threads switch as often as the interpreter allows: races surface in a short run."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def run_threads(work: Callable[[int], None]) -> list[BaseException]:
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def one(k: int) -> None:
        start.wait()
        try:
            work(k)
        except BaseException as exc:  # noqa: BLE001  (what the test reports)
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(k,)) for k in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def shape(found: Any) -> list[tuple[str, int, int]]:
    return [(t.name, t.start, t.end) for t in found.slots]


@pytest.mark.parametrize(
    ("refs", "max_chars", "lengths"),
    [
        (4, cache.MAX_CHARS, 6),  # eviction by count: popitem while others look up and reuse
        (64, 600, 24),  # eviction by size: the sum over the table while others insert
    ],
)
def test_the_scan_cache_stays_right_and_whole_under_threads(
    monkeypatch: pytest.MonkeyPatch, busy_switching: None, refs: int, max_chars: int, lengths: int
) -> None:
    monkeypatch.setattr(cache, "_refs", type(cache._refs)())
    monkeypatch.setattr(cache, "stats", {"scans": 0, "reused": 0})
    monkeypatch.setattr(cache, "REFS", refs)
    monkeypatch.setattr(cache, "MAX_CHARS", max_chars)
    # distinct lengths (no reuse across them) and the same length with another token in the
    # text (a reuse, once the differing bytes are found to be safe: the scan stays right)
    pages = [
        f'<main><p data-omo-slot="s{n % 3}">{"x" * n}</p><b>{{}}</b></main>' for n in range(lengths)
    ]
    want = [shape(scan_page(p.format("t0"), "data-omo-slot", "data-omo-off", ())) for p in pages]

    def work(k: int) -> None:
        for i in range(ROUNDS):
            n = (k * 5 + i * 7) % len(pages)
            page = pages[n].format(f"t{(k + i) % 10}")  # a new string, as for a new request
            assert shape(cache.scan(page)) == want[n]

    errors = run_threads(work)
    assert errors == []
    assert cache.stats["scans"] + cache.stats["reused"] == THREADS * ROUNDS  # none lost
    assert 0 < len(cache._refs) <= refs


@dataclass(frozen=True)
class Picks:
    """What a recommendation's output depends on (hashed in Python, as a dataclass is)."""

    n: int


def test_the_render_cache_stays_right_and_whole_under_threads(
    monkeypatch: pytest.MonkeyPatch, busy_switching: None
) -> None:
    monkeypatch.setattr(rendering, "_RENDERED", type(rendering._RENDERED)())
    monkeypatch.setattr(rendering, "_KEEP", 4)
    template = Environment(autoescape=True).from_string("<i>{{ pick }}</i>")
    owner = object()

    def work(k: int) -> None:
        for i in range(ROUNDS * 13):  # a render's hit path is short: more rounds
            n = (k + i) % 9
            got = rendering.render_items(template, {"pick": n}, {}, owner, Picks(n))
            assert got == f"<i>{n}</i>"

    assert run_threads(work) == []
    assert 0 < len(rendering._RENDERED) <= 4


def test_the_collector_is_on_again_after_scans_and_loads_in_many_threads(
    busy_switching: None,
) -> None:
    """A scan pauses the cyclic collector; a scan in a worker thread, a reload's pause in
    another and the loop's scans each reading and switching it on their own could leave it
    off for good (then cycles are never collected). One counter decides (engine/gcpause.py)."""
    from omotenashi.loader.pacing import paused_gc

    page = '<main><p data-omo-slot="s">x</p></main>' * 20

    def work(k: int) -> None:
        for _ in range(ROUNDS):
            if k % 2:
                with paused_gc():
                    pass
            else:
                scan_page(page, "data-omo-slot", "data-omo-off", ())

    assert gc.isenabled()
    assert run_threads(work) == []
    assert gc.isenabled()


def test_a_scan_in_a_worker_thread_leaves_the_collector_on() -> None:
    """Big pages are scanned in worker threads while the loop serves others: the collector
    must stay on for them (a main-thread scan may pause it: nothing else runs meanwhile)."""
    seen: list[bool] = []
    page = '<main><p data-omo-slot="s">x</p></main>' * 200
    real = scanner._run

    def looking(*args: object) -> None:
        seen.append(gc.isenabled())
        real(*args)  # type: ignore[arg-type]

    scanner._run = looking  # type: ignore[assignment]
    try:
        worker = threading.Thread(
            target=scan_page, args=(page, "data-omo-slot", "data-omo-off", ())
        )
        worker.start()
        worker.join()
        scan_page(page, "data-omo-slot", "data-omo-off", ())
    finally:
        scanner._run = real  # type: ignore[assignment]
    assert seen == [True, False]


def test_what_the_cache_keeps_is_bounded_by_its_scans_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """dos66: the bound counted the pages' characters alone, and pages dense in tags held
    4-8 times as much in their scans (9 entries of 1.86 MB: 420 MB, not ~32)."""
    monkeypatch.setattr(cache, "_refs", type(cache._refs)())
    dense = '<main data-omo-slot="s">' + "<a>" * 200_000 + "</main>"
    plain = '<main data-omo-slot="s">' + "x" * 500_000 + "</main>"  # (another length)
    heavy, light = cache.scan(dense), cache.scan(plain)
    assert cache.weight(dense, heavy) >= len(dense) + cache.TAG_BYTES * 200_000
    assert cache.weight(plain, light) < len(plain) + 1_000
    assert sum(r.weight for r in cache._refs.values()) == cache.weight(dense, heavy) + cache.weight(
        plain, light
    )
