"""Small helpers shared by the commands."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


def pairs(items: list[str], convert: Any = str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"omotenashi: expected name=value, got {item!r}")
        try:
            out[key] = convert(value)
        except ValueError:
            out[key] = value
    return out


def _not_about_redis(record: logging.LogRecord) -> bool:
    return not str(record.msg).startswith("omotenashi: Redis ")


@contextmanager
def talking_to_redis(url: str, setting: str = "OMOTENASHI_REDIS_URL") -> Iterator[None]:
    """Redis failing in the block is one CommandError naming the URL tried (its password
    masked) and the ``setting`` that changes it. The store's own warnings about Redis, meant
    for a running site's log, would say the same thing again: they are left out."""
    import redis

    from omotenashi.errors import CommandError, StoreError
    from omotenashi.store.breaker import masked

    log = logging.getLogger("omotenashi")
    log.addFilter(_not_about_redis)
    try:
        yield
    except BrokenPipeError:  # our own output closed (`| head`): not Redis's doing
        raise
    except (StoreError, redis.RedisError, ConnectionError, TimeoutError) as exc:
        text = str(exc).strip().splitlines()
        why = (text[0] if text else type(exc).__name__).removeprefix("Redis failed: ")
        shown = masked(url)
        raise CommandError(
            f"Redis at {shown} failed ({why.rstrip('.')}): check that it runs there; "
            f"{setting} sets the URL"
        ) from exc
    finally:
        log.removeFilter(_not_about_redis)
