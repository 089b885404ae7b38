"""Big pages are personalised off the event loop.

A page never seen before is scanned in pure Python: a 2 MB page holds the loop for hundreds of
milliseconds, and every other request on it waits. Pages whose scan would cost more than an
ordinary page of ``OMOTENASHI_THREAD_ABOVE`` bytes does are therefore handed to a small pool of
our own (not the loop's default executor, which a burst of big pages would fill, and which the
app and the resolver may need): the loop keeps serving while the scan runs, sharing the
interpreter with it. Cheaper pages stay on the loop, where a hand-off would cost more than it
saves.

The scan's cost per byte varies 5-10x with the markup, so a page is not judged by its length
alone (:func:`scan_cost`): each ``<`` (a token), each ``<t`` (table parts: a cell closes the
one before it), each ``hidden`` and each slot attribute (an element whose attributes are read
and which is recorded or filled) counts as the bytes of an ordinary page that cost as much to
scan, by C-speed counts (about 2 GB/s each). A gzip body counts 8x its length: its counts
cannot be taken on the compressed bytes.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from omotenashi.engine.headers import Headers, get
from omotenashi.engine.journey import Journey
from omotenashi.engine.page import EngineConfig, Result, personalise_response
from omotenashi.engine.ruleset import RuleSet
from omotenashi.engine.understand import Visit
from omotenashi.recommend.catalog import Catalog

# Two threads: with one interpreter lock, more would only take turns with the loop, and two
# keep one big page from waiting the whole of another's scan.
WORKERS = 2
GZIP_RATIO = 8  # a gzip body counts as this many times its length (HTML inflates ~5-10x)
_pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="omotenashi-page")


# What the scan costs per thing counted, in bytes of an ordinary page (product cards: one '<'
# in 8-9 bytes) that cost as much. Measured cold on the loop at 200 KiB (`<a>`, `<td>`, `<li>`,
# misnested `<b><div>` floods: 4-8x the cards' cost per byte; `<div hidden>`: 3x; repeated
# filled slots: 3x): weighed so that none of them stays on the loop at more than about twice
# the cost of the ordinary page at the threshold, and so that ordinary pages, where the length
# weighs more, are judged by their length as before.
PER_TAG = 9  # each '<'
PER_TABLE_TAG = 8  # each '<t' besides (<td>, <tr>, <table>, <template>, <title> ...)
PER_HIDDEN = 14  # each "hidden" (an attribute, or only a word: a class name, aria-hidden)
PER_SLOT = 40  # each slot attribute (its name anywhere: a rule may fill every one)


def scan_cost(body: bytes, slot: str = "data-omo-slot") -> int:
    """What scanning ``body`` (not gzipped) costs, as the length of an ordinary page that costs
    as much: its length, or more for markup denser in tags, hidden elements or slots than an
    ordinary page. Lowercase names only (``<TD>``, ``HIDDEN`` count as any tag)."""
    counted = (
        PER_TAG * body.count(b"<")
        + PER_TABLE_TAG * body.count(b"<t")
        + PER_HIDDEN * body.count(b"hidden")
        + PER_SLOT * body.count(slot.encode())
    )
    return max(len(body), counted)


def most_per_byte(slot: str) -> float:
    """The most :func:`scan_cost` can count per byte of a page: each thing counted at most as
    often as its length fits in the page."""
    return PER_TAG + PER_TABLE_TAG / 2 + PER_HIDDEN / 6 + PER_SLOT / max(len(slot.encode()), 1)


# Verdicts by length: a page of a length judged before is judged alike without counting. Its
# scan is reused then, as often as not (engine/html/cache.py: same-length pages), so the counts
# would cost more than what they decide; a page whose length changes per request is scanned
# afresh each time, and the counts cost ~1% of that scan. Only the loop calls is_big.
VERDICTS_KEEP = 512
_verdicts: dict[tuple[int, int, str], bool] = {}


def is_big(body: bytes, headers: Headers, above: int, slot: str = "data-omo-slot") -> bool:
    """Whether the page is personalised in a worker thread rather than on the loop: its scan
    would cost more than an ordinary page of ``above`` bytes (a gzip body: 8x its length)."""
    size = len(body)
    if size > above:  # big either way: no need to look for the encoding or count
        return True
    if (get(headers, b"content-encoding") or b"").strip().lower() == b"gzip":
        return size * GZIP_RATIO > above
    if size * most_per_byte(slot) <= above:  # no markup this short costs that much
        return False
    key = (size, above, slot)
    verdict = _verdicts.get(key)
    if verdict is None:
        verdict = scan_cost(body, slot) > above
        if len(_verdicts) >= VERDICTS_KEEP:
            del _verdicts[next(iter(_verdicts))]  # the oldest
        _verdicts[key] = verdict
    return verdict


async def personalised(
    body: bytes,
    headers: Headers,
    visit: Visit,
    ruleset: RuleSet,
    journey: Journey,
    config: EngineConfig,
    catalog: Catalog | None = None,
) -> Result:
    """:func:`~omotenashi.engine.page.personalise_response`, in a worker thread for a page
    whose scan costs more than an ordinary page of ``config.thread_above`` bytes (:func:`is_big`),
    else here on the loop."""
    args = (body, headers, visit, ruleset, journey, config, catalog)
    if not is_big(body, headers, config.thread_above, config.slot_attribute):
        return personalise_response(*args)
    return await asyncio.get_running_loop().run_in_executor(_pool, personalise_response, *args)
