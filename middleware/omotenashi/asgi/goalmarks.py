"""When each goal, as declared now, was first in force: the day, in the stats ledger.

A goal declared while a rule's test runs (or whose ``event:``/``path:`` changes) cannot have
been reached by the visitors exposed before: counted with them, its rates read low. So each
process, on the first page view under a rule set that counts something, sets (HSETNX: the
first day stays) the ledger's field ``goal|<id>|event:<name>`` (or ``path:<glob>``) to the
site's day, and the report judges such a goal on the visitors first exposed from the day
after (measure/goalstart.py). The first such write also sets ``goals|since``: a goal first
marked that day may have been declared long before (the release before marked nothing), so it
is taken to have been there from the start.

Nothing here may hold a page up or break one: the write is a task of its own, within the write
timeout, and a failure (Redis down) only leaves the marks unwritten, which the report reads as
"declared before", as it read every goal before this. The marks go with the ledger.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterable
from datetime import tzinfo
from typing import Any

from omotenashi.measure.counting import day_of
from omotenashi.measure.goalstart import SINCE, field
from omotenashi.rules.goals import Goal
from omotenashi.store.stats import mark_first_days

log = logging.getLogger("omotenashi")


def mark_soon(
    store: Any, goals: Iterable[Goal], zone: tzinfo, again: Callable[[], None]
) -> asyncio.Future[None] | None:
    """Start :func:`mark` without waiting for it (None: no goals, or no connection); a mark
    not written calls ``again``, so that the next counting page view under the set tries
    again (eye52: a goal added by a reload that met a blip of Redis was marked at the next
    reload, days later, and judged from then)."""
    fields = [field(goal) for goal in goals]
    if not fields:
        return None
    if store.client is None:
        again()
        return None
    with contextlib.suppress(RuntimeError):  # no running loop: nothing to write from
        return asyncio.ensure_future(mark(store, fields, day_of(time.time(), zone), again))
    return None


async def mark(
    store: Any, fields: list[str], day: str, again: Callable[[], None] | None = None
) -> None:
    """HSETNX ``goals|since`` and each of ``fields`` to ``day`` in the ledger, pipelined,
    within the write timeout; the ledger's expiry pushed on as a counting write does. Never
    raises (but for cancellation); a failure calls ``again`` (:func:`mark_soon`)."""
    try:
        await mark_first_days(store, [SINCE, *fields], day)  # behind the breaker
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # never a page's concern: the report reads "declared before"
        log.debug("omotenashi: the goals' first days were not written (%r)", exc)
        if again is not None:
            again()  # (tried again by the next counting page view)
