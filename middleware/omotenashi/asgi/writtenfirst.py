"""A response that carries the app's events or attributes, written before it starts.

A form's post (a booking, a sign-in's ``remember``, an "add to cart") answers with a redirect
that a browser follows within a millisecond, often to another worker of the site, whose read
sees only what has landed in Redis (a read waits for the queued writes of its own process
alone): the confirmation page said "Your cart is saved" under "Thank you! Your booking is
confirmed" 9 times in 10 (workers58). Such a response waits for its record (one round trip)
before it starts; a page view alone stays batched after its response (goal 3 of *Benchmark*).
The wait is bounded by the store's own time limits: past them the response goes on, and the
write lands or fails as any other (counted there).
"""

from __future__ import annotations

import asyncio
import contextlib

from omotenashi.settings import RedisSettings


async def written(recording: asyncio.Future[None] | None, cfg: RedisSettings) -> None:
    """Wait for ``recording`` (not cancelled by this wait) within the read's, the write's
    and the batch's time limits."""
    if recording is None or recording.done():
        return
    limit = cfg.read_timeout + cfg.write_timeout + cfg.write_batch_interval
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.shield(recording), limit)
