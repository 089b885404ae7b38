"""Redis at its memory limit: what the server's ``maxmemory-policy`` will evict, said once when
the store connects, and what a full server's refusal tells the operator to do.

Every key Omotenashi writes has a TTL, so ``volatile-ttl`` evicts what expires soonest first
(one-visit profiles, a day), and a revoked id's deny marker and the measurement day counts (the
longest lives) last; ``noeviction`` evicts nothing and refuses writes instead (pages are still
personalised from what can be read; page views are lost until memory is freed). Any other
policy picks keys by use: a deny marker is read only when its visitor comes back, and a past
day's counts never again, so those go first, and a revoked or erased visitor's id is then
written again (README: "Redis memory: maxmemory and eviction").
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from omotenashi.store.store import Store

log = logging.getLogger("omotenashi")
_SAID: set[tuple[str, str]] = set()  # (server, warning): once per process, however often started

#: The policies that keep the deny markers and measurement counts while there is anything
#: shorter-lived to evict (volatile-ttl), or evict nothing (noeviction).
SAFE_POLICIES = frozenset({"volatile-ttl", "noeviction"})
#: What a full server's refusal adds to its log line.
FULL_HINT = (
    "Redis is full (maxmemory): page views are not recorded until memory is freed; "
    "raise maxmemory, or set maxmemory-policy volatile-ttl so Redis evicts the keys "
    "that expire soonest (README: Redis memory)"
)


def is_full(reason: str) -> bool:
    """Whether an error reply's text is a full server's (``OOM command not allowed when used
    memory > 'maxmemory'``; redis-py's OutOfMemoryError keeps the text without the code)."""
    return "used memory > 'maxmemory'" in reason


def memory_info(reply: Any) -> dict[str, str]:
    """``INFO memory`` as fields: the server's text (the fast path), redis-py's dict, or a
    Cluster client's dict of dicts (the first node that says)."""
    if isinstance(reply, bytes):
        reply = reply.decode("utf-8", "replace")
    if isinstance(reply, str):
        pairs = (line.partition(":") for line in reply.splitlines() if ":" in line)
        return {name.strip(): value.strip() for name, _, value in pairs}
    if isinstance(reply, dict):
        if "maxmemory_policy" in reply:
            return {str(k): str(v) for k, v in reply.items()}
        for value in reply.values():
            if isinstance(value, dict) and "maxmemory_policy" in value:
                return {str(k): str(v) for k, v in value.items()}
    return {}


def policy_warning(info: dict[str, str]) -> str | None:
    """The warning a server's memory settings deserve: None when it has no ``maxmemory`` (it
    evicts nothing) or its policy keeps the deny markers (:data:`SAFE_POLICIES`)."""
    policy = info.get("maxmemory_policy", "")
    if not policy or policy in SAFE_POLICIES or info.get("maxmemory", "0") in ("", "0"):
        return None
    return (
        f"omotenashi: Redis evicts keys with maxmemory-policy {policy}: once it is full, a "
        "revoked id's deny marker (its visitor is then recorded again) and measurement counts "
        "(reports then leave those days out, or, once the ledger of what each day counted "
        "goes too, count fewer visitors without a word) can go before one-visit profiles; "
        "set maxmemory-policy volatile-ttl (README: Redis memory)"
    )


async def check(store: Store) -> None:
    """Ask the server (``INFO memory``, not through the breaker) and warn, once per process and
    server, when its policy can evict what must stay (:func:`policy_warning`). Never raises: a
    server that cannot be asked (down, an ACL refusing INFO) is said so by the requests' own
    calls."""
    cfg = store.cfg
    try:
        async with asyncio.timeout(cfg.connect_timeout + cfg.read_timeout):
            if store.fast is not None:
                reply = await store.fast.pipe.execute("INFO", "memory")
            else:
                reply = await store.client.info("memory")
        said = policy_warning(memory_info(reply))
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # anything: only a warning is at stake
        log.debug("omotenashi: could not read Redis's memory settings: %r", exc)
        return
    if said is not None and (store.url, said) not in _SAID:
        _SAID.add((store.url, said))
        log.warning("%s", said)


def check_soon(store: Store) -> asyncio.Future[None] | None:
    """Start :func:`check` without waiting for it (None when there is no connection)."""
    if store.client is None:
        return None
    with contextlib.suppress(RuntimeError):  # no running loop: nothing to check from
        return asyncio.ensure_future(check(store))
    return None
