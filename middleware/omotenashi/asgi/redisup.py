"""Redis as the app starts: the store connected (a private server started when no URL is set)
and one PING, so that a Redis that does not answer is said at startup, in one line naming
``OMOTENASHI_REDIS_URL``, rather than found by the first returning visitor's request. The app
starts all the same: pages are served as the app made them until Redis answers."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from omotenashi.errors import OmotenashiError
from omotenashi.settings import RedisSettings
from omotenashi.store.breaker import misconfigured, refused
from omotenashi.store.embedded import EmbeddedRedis
from omotenashi.store.store import Store

log = logging.getLogger("omotenashi")


def connect(cfg: RedisSettings, store: Store) -> EmbeddedRedis | None:
    """Connect ``store`` to the URL set, or to a private server started here (returned, to be
    closed with the store) when none is set and ``cfg.embedded``; not connected when neither
    can be had (said as an ERROR: personalisation is off)."""
    url, embedded = cfg.url, None
    if url is None and cfg.embedded:
        try:
            # Started from this (the event loop's) thread: the server is tied to it.
            embedded = EmbeddedRedis().start()
            url = embedded.url
            log.warning(
                "omotenashi: no OMOTENASHI_REDIS_URL; started a private server at %s "
                "(profiles end when the process does)",
                url,
            )
        except OmotenashiError as exc:
            log.error("omotenashi: %s; personalisation is off", exc)
    elif url is None:  # (config52: every page went out as the app made it, nothing said)
        log.error(
            "omotenashi: no OMOTENASHI_REDIS_URL and OMOTENASHI_REDIS_EMBEDDED is false: no "
            "Redis to keep profiles in, so personalisation is off; set OMOTENASHI_REDIS_URL "
            "(redis://host:6379/0)"
        )
    if url is not None:
        store.connect(url)
    return embedded


def ping_soon(cfg: RedisSettings, store: Store) -> asyncio.Future[None] | None:
    """Start :func:`ping` for the URL set (None: no URL set, or not connected); the lifespan
    waits for it, so its warning comes before the server says the app is ready."""
    if cfg.url is None or store.client is None:
        return None
    return asyncio.ensure_future(ping(store))


async def ping(store: Store) -> None:
    """One PING within the connect and read timeouts, outside the breaker (a failure here is
    not counted toward opening it). With the fast path, both its connections open first: the
    first page view then goes straight into the write queue. No answer: one warning
    (:meth:`Breaker.silent_at_start`); the connection refused (a wrong password, user or
    database): the one ERROR line such a refusal gets. Never raises."""
    cfg, fast = store.cfg, store.fast
    timeout = cfg.connect_timeout + cfg.read_timeout
    try:
        async with asyncio.timeout(timeout):
            if fast is not None:
                await fast.connect()
                await fast.pipe.execute("PING")
            else:
                await store.client.ping()
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # anything: the app starts whatever Redis says
        store.metrics.inc("redis_error")  # (counted as any failed call: the breaker opens)
        if misconfigured(exc):
            store.breaker.misconfigured(exc, store.url)
        elif isinstance(exc, TimeoutError):
            store.breaker.silent_at_start(f"no answer within {timeout:g}s")
        else:  # (an error for the PING or the setup's SCRIPT LOAD: a server up, refusing)
            answered = refused(exc) or (exc.__cause__ is not None and refused(exc.__cause__))
            store.breaker.silent_at_start(f"{type(exc).__name__}: {exc}", refused=answered)
    else:
        store.breaker.success()


async def pinged(ping: asyncio.Future[None] | None) -> None:
    """Wait for the startup's PING (bounded by its own timeout); never raises."""
    if ping is not None:
        await asyncio.wait({ping})


async def then_warm(ping: asyncio.Future[None] | None, warm: Callable[[], None]) -> None:
    """``warm`` (the User-Agent parser's tables, 0.1 s) in a worker thread once the startup's
    PING is answered or timed out: run beside it, the thread held the GIL through the PING's
    connect (ops65: a TLS connect took 0.21-0.31 s against 0.04 alone, past the 0.25 s
    timeout, and a Redis that was fine was said not to answer)."""
    await pinged(ping)
    await asyncio.get_running_loop().run_in_executor(None, warm)
