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
scan, by C-speed counts (about 2 GB/s each). A gzip body is judged by what it holds: one no
longer than the threshold is inflated here (at C speed, up to OMOTENASHI_MAX_BODY), then
counted, and the engine is handed the inflated bytes (its compressed length said nothing of
its cost: a 1 KB gzip body can hold 1 MB of ``<a>``).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from omotenashi.engine.charset import page_codec
from omotenashi.engine.eucjp import EUC_JP
from omotenashi.engine.headers import Headers, content_type
from omotenashi.engine.journey import Journey
from omotenashi.engine.lookalikes import BIG5
from omotenashi.engine.page import EngineConfig, Result, personalise_response
from omotenashi.engine.pagehttp import gunzip_few, is_gzip
from omotenashi.engine.ruleset import RuleSet
from omotenashi.engine.understand import Visit
from omotenashi.errors import PageRefused
from omotenashi.recommend.catalog import Catalog

# Two threads: with one interpreter lock, more would only take turns with the loop, and two
# keep one big page from waiting the whole of another's scan.
WORKERS = 2
# gzip members inflated on the event loop at most (a few microseconds each): a body of more is
# inflated in a worker thread
LOOP_MEMBERS = 64
_pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="omotenashi-page")


# What the scan costs per thing counted, in bytes of an ordinary page (product cards: one '<'
# in 8-9 bytes) that cost as much. Measured cold on the loop at 200 KiB (`<a>`, `<td>`, `<li>`,
# misnested `<b><div>` floods: 4-8x the cards' cost per byte; `<div hidden>`: 3x; repeated
# filled slots: 3x): weighed so that none of them stays on the loop at more than about 2-2.5x
# the cost of the ordinary page at the threshold (2.3x for bare `<a>`, the costliest, measured
# again warm at 200 KiB on 2026-12-05), and so that ordinary pages, where the length weighs
# more, are judged by their length as before.
PER_TAG = 9  # each '<'
PER_TABLE_TAG = 8  # each '<t' besides (<td>, <tr>, <table>, <template>, <title> ...)
PER_TABLE = 100  # each '<table' besides (dos70: tables in tables with text and formatting in
# them, moved out by foster parenting: 10x the cards' cost per byte)
PER_A = 6  # each '<a' besides (dos70: a flood of bare <a>, each re-opened, 3.7x on the loop)
PER_HIDDEN = 28  # each "hidden" (an attribute, or only a word: a class name, aria-hidden)
PER_SLOT = 64  # each slot attribute (its name anywhere: a rule may fill every one; dos70: 40)
PER_ROLE = 190  # each "role": a control's has its tag's attributes read whole (last69: a page
# of `<i role="link">` scanned 3x an ordinary one's cost, on the loop; dos70: 6x with 23 more
# attributes each, or a space before its "=")
PER_STYLE = 50  # each "style" (dos70: an attribute read for display:none, 6x on the loop)
PER_INERT = 28  # each "inert" (dos70: 6x)
PER_SVG = 60  # each '<svg' (last70: `<svg><font size=1>` floods, each broken out of, 4.6x)
# dos70: the names are counted in any case, as the scanner finds them (`DATA-OMO-SLOT`,
# `<TABLE>`, `ROLE=` stayed on the loop at 6-10x the cards' cost)
_COUNTED = (
    (b"<", PER_TAG),
    (b"<t", PER_TABLE_TAG),
    (b"<table", PER_TABLE),
    (b"<a", PER_A),
    (b"hidden", PER_HIDDEN),
    (b"role", PER_ROLE),
    (b"style", PER_STYLE),
    (b"inert", PER_INERT),
    (b"<svg", PER_SVG),
)


def scan_cost(body: bytes, slot: str = "data-omo-slot") -> int:
    """What scanning ``body`` (not gzipped) costs, as the length of an ordinary page that costs
    as much: its length, or more for markup denser in tags, tables, hidden or styled elements,
    slots or roles than an ordinary page (names in any case)."""
    low = body.lower()
    counted = PER_SLOT * low.count(slot.lower().encode())
    for name, weight in _COUNTED:
        counted += weight * low.count(name)
    return max(len(body), counted)


# The most any markup measured costs to scan per byte, in an ordinary page's bytes (tables in
# tables moved out by foster parenting, floods of uppercase slots: 8-12x, dos70), with room: a
# page shorter than the threshold by this factor is never counted, as no markup makes it cost
# more than an ordinary page at the threshold (the counts weigh words in text too, and a count
# on every small page cost more than it saved: ~80 us for 12 KB)
MOST_COSTLY = 16


# Verdicts of pages seen before: a page byte for byte the same as one judged before (a page
# without a per-request token or time) is judged alike without counting, by one comparison at
# memcmp speed (~50x the counts'); its scan is reused too (engine/html/cache.py). A page of the
# same length but other bytes is counted: a length alone would let a page that costs little
# speak for a costly one padded to its length. At most VERDICTS_KEEP pages of at most
# VERDICT_BYTES each are kept (about 16 MiB). Only the loop calls is_big.
VERDICTS_KEEP = 64
VERDICT_BYTES = 256 * 1024
_verdicts: OrderedDict[tuple[int, int, str], tuple[bytes, bool]] = OrderedDict()


def is_big(body: bytes, above: int, slot: str = "data-omo-slot") -> bool:
    """Whether the page ``body`` (inflated: as the scan reads it) is personalised in a worker
    thread rather than on the loop: its scan would cost more than an ordinary page of
    ``above`` bytes."""
    size = len(body)
    if size > above:  # big either way: no need to count
        return True
    if size * MOST_COSTLY <= above:  # no markup this short costs that much
        return False
    key = (size, above, slot)
    kept = _verdicts.get(key)
    if kept is not None and (kept[0] is body or kept[0] == body):
        return kept[1]
    verdict = scan_cost(body, slot) > above
    if size <= VERDICT_BYTES:
        _verdicts[key] = (body, verdict)  # (the latest page of this length)
        _verdicts.move_to_end(key)
        if len(_verdicts) > VERDICTS_KEEP:
            _verdicts.popitem(last=False)  # the oldest
    return verdict


# The bytes of characters our own codecs read or write one Python call each (engine/eucjp.py:
# NEC row 13 and IBM rows 89-92; engine/lookalikes.py: Big5's ／ ＼ ∕ ﹨), and what each costs
# in bytes of ordinary markup, about (dos66: a 250 KB Big5 page full of ／ took 785 ms on the
# loop, an ordinary one 48 ms). Counted in C; an approximate count does: a cost, not a reading.
_EUC_ALIKE = (b"\xa1\xc1", b"\xa1\xc2", b"\xa1\xdd", b"\xa1\xf1", b"\xa1\xf2", b"\xa2\xcc")
_SLOW_BYTES = {  # (EUC-JP's look-alikes too, ～ ∥ － ￠ ￡ ￢, written one by one: last66)
    EUC_JP: (b"\xad", b"\xf9", b"\xfa", b"\xfb", b"\xfc", *_EUC_ALIKE),
    BIG5: (b"\xa1\xfe", b"\xa2\x40", b"\xa2\x41", b"\xa2\x42"),
}
SLOW_CHAR = 128


def codec_cost(raw: bytes, headers: Headers) -> int:
    """What the page's costly characters add to its scan, in bytes (0 for most pages)."""
    declared = content_type(headers)[1]
    if declared is not None and declared.strip().lower() in ("utf-8", "utf8"):
        return 0  # (the usual page: no prescan)
    try:
        marks = _SLOW_BYTES.get(page_codec(declared, raw), ())
    except PageRefused:
        return 0
    return SLOW_CHAR * sum(map(raw.count, marks))


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
    whose scan costs more than an ordinary page of ``config.thread_above`` bytes (:func:`is_big`;
    a gzip body by what it inflates to), else here on the loop. Raises what the engine raises
    (:class:`~omotenashi.errors.PageRefused` for a gzip body that does not inflate, or past
    OMOTENASHI_MAX_BODY)."""
    args = (body, headers, visit, ruleset, journey, config, catalog)
    above = config.thread_above
    work = partial(personalise_response, *args)  # (longer: big either way, and inflated in
    if len(body) <= above:  # the thread, as a gzip body of many members is: LOOP_MEMBERS)
        raw = gunzip_few(body, config.max_body, LOOP_MEMBERS) if is_gzip(headers) else body
        if raw is not None:
            left = above - codec_cost(raw, headers)  # (what its characters cost, in bytes)
            if left > 0 and not is_big(raw, left, config.slot_attribute):
                return personalise_response(*args, inflated=raw)
            work = partial(personalise_response, *args, inflated=raw)
    return await asyncio.get_running_loop().run_in_executor(_pool, work)
