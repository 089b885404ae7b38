"""Big pages are personalised off the event loop.

A page never seen before is scanned in pure Python (about 5 MB/s on tag-dense markup): a 2 MB
page holds the loop for hundreds of milliseconds, and every other request on it waits. Pages
above ``OMOTENASHI_THREAD_ABOVE`` bytes are therefore handed to a small pool of our own (not
the loop's default executor, which a burst of big pages would fill, and which the app and
the resolver may need): the loop keeps serving while the scan runs, sharing the interpreter
with it. Smaller pages stay on the loop, where a hand-off would cost more than it saves.
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


def is_big(body: bytes, headers: Headers, above: int) -> bool:
    """Whether the page is personalised in a worker thread rather than on the loop."""
    size = len(body)
    if size * GZIP_RATIO <= above or size > above:  # small even gzipped, or big either way:
        return size > above  # no need to look for the encoding
    gzipped = (get(headers, b"content-encoding") or b"").strip().lower() == b"gzip"
    return size * (GZIP_RATIO if gzipped else 1) > above


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
    above ``config.thread_above`` bytes, else here on the loop."""
    args = (body, headers, visit, ruleset, journey, config, catalog)
    if not is_big(body, headers, config.thread_above):
        return personalise_response(*args)
    return await asyncio.get_running_loop().run_in_executor(_pool, personalise_response, *args)
