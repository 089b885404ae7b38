"""How a failed Redis call is counted: toward the circuit breaker, or not (store/breaker.py)."""

from __future__ import annotations

from omotenashi.errors import StoreError
from omotenashi.metrics import Metrics
from omotenashi.store.breaker import Breaker, misconfigured, refused


def failed(metrics: Metrics, breaker: Breaker, url: str, exc: BaseException, *, read: bool) -> None:
    """Count a failed command: a read toward the breaker when the server did not answer
    (a write is only logged: :meth:`Breaker.write_failed`), neither when it answered with
    an error (:meth:`Breaker.refused`, ``redis_refused``)."""
    metrics.inc("redis_error")
    if misconfigured(exc):  # AUTH/HELLO answered with an error: the URL is wrong
        breaker.misconfigured(exc, url)
    elif refused(exc):
        metrics.inc("redis_refused")
        breaker.refused(f"{type(exc).__name__}: {exc}")
    elif read:
        breaker.failure(f"{type(exc).__name__}: {exc}")
    else:
        breaker.write_failed(f"{type(exc).__name__}: {exc}")


def bad_reply(metrics: Metrics, breaker: Breaker, exc: Exception) -> StoreError:
    """A read answered with what is not a profile (a proxy or server in front of Redis that
    answers something else: ``+OK``, a number): a failed read, counted toward the breaker,
    never an error raised into the app's page (redis50)."""
    said = f"Redis answered a read with what is not a profile ({type(exc).__name__})"
    metrics.inc("redis_error")
    breaker.failure(said)
    return StoreError(said)
