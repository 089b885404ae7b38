"""Write a profile exactly as Omotenashi stores it (QA fixtures, `omotenashi profile set`)."""

from __future__ import annotations

import json
import time
from typing import Any

import redis


def seed_profile(
    client: redis.Redis,
    pid: str,
    *,
    key_prefix: str = "omo",
    ttl: int = 86400,
    stage: str | None = None,
    visits: int | None = None,
    views: int | None = None,
    purchases: int | None = None,
    segments: list[str] | None = None,
    interests: dict[str, float] | None = None,
    events: dict[str, int] | None = None,
    attrs: dict[str, Any] | None = None,
    attr: dict[str, Any] | None = None,
    cart: dict[str, int] | None = None,
    viewed: list[str] | None = None,
    last_seen: float | None = None,
    absent_days: float | None = None,
) -> None:
    """Write (or overwrite parts of) a profile exactly as Omotenashi stores it."""
    now = time.time()
    key = f"{key_prefix}:{{{pid}}}:"
    main: dict[str, str | float | int] = {"last_seen": last_seen or now}
    for name, value in (
        ("stage", stage),
        ("visits", visits),
        ("views", views),
        ("purchases", purchases),
        ("absent_days", absent_days),
    ):
        if value is not None:
            main[name] = value
    if segments is not None:
        main["segments"] = ",".join(segments)
    for name, count in (events or {}).items():
        main[f"ev:{name}"] = count
    pipe = client.pipeline()
    pipe.hsetnx(key + "profile", "first_seen", now)
    pipe.hset(key + "profile", mapping=main)  # type: ignore[arg-type]
    for topic, score in (interests or {}).items():
        pipe.hset(key + "interests", mapping={topic: score, topic + "@": now})
    for name, value in {**(attrs or {}), **(attr or {})}.items():
        pipe.hset(key + "attrs", name, json.dumps(value))
    for item, qty in (cart or {}).items():
        pipe.hset(key + "cart", item, qty)
        pipe.hset(key + "profile", "cart_at", now)
    for item in viewed or []:
        pipe.zadd(key + "viewed", {item: now})
    for part in ("profile", "interests", "attrs", "cart", "viewed"):
        pipe.expire(key + part, ttl)
    pipe.execute()
