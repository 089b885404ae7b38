"""How a failed Redis call is counted: toward the circuit breaker, or not (store/breaker.py)."""

from __future__ import annotations

import logging

from omotenashi import quiet
from omotenashi.errors import StoreError
from omotenashi.metrics import Metrics
from omotenashi.store import moving
from omotenashi.store.breaker import Breaker, misconfigured, refused
from omotenashi.store.pipeline import Closed

log = logging.getLogger("omotenashi")


def failed(metrics: Metrics, breaker: Breaker, url: str, exc: BaseException, *, read: bool) -> None:
    """Count a failed command: a read toward the breaker when the server did not answer
    (a write is only logged: :meth:`Breaker.write_failed`), neither when it answered with
    an error (:meth:`Breaker.refused`, ``redis_refused``), nor when a Cluster slot was being
    moved (store/moving.py: ``TRYAGAIN``, redis-py's retries of it run out)."""
    if isinstance(exc, Closed):  # (our own close, at a stop: said by the stop's own line)
        return
    metrics.inc("redis_error")
    if misconfigured(exc):  # AUTH/HELLO answered with an error: the URL is wrong
        breaker.misconfigured(exc, url)
    elif refused(exc) or moving.resharding(exc):
        metrics.inc("redis_refused")
        said = "a Cluster slot being moved: " if moving.resharding(exc) else ""
        breaker.refused(f"{said}{type(exc).__name__}: {exc}")
    elif read:
        breaker.failure(f"{type(exc).__name__}: {exc}")
    else:
        breaker.write_failed(f"{type(exc).__name__}: {exc}")


def bad_reply(metrics: Metrics, breaker: Breaker, exc: Exception) -> StoreError:
    """A read answered with what is not a profile (a proxy or server in front of Redis that
    answers something else: ``+OK``, a number): a failed read, counted toward the breaker,
    never an error raised into the app's page (redis50). Called where ``exc`` is handled: its
    traceback is logged as a bug's (once a minute), since a parser of ours that fails on a
    real profile looks the same from here (eye50)."""
    said = f"Redis answered a read with what is not a profile ({type(exc).__name__})"
    quiet.bug(log, "omotenashi: a profile read's reply could not be read: %s", said)
    metrics.inc("redis_error")
    breaker.failure(said, logged=True)
    return StoreError(said)
