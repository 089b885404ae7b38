"""Write a profile exactly as Omotenashi stores it (QA fixtures, `omotenashi profile set`)."""

from __future__ import annotations

import json
import time
from typing import Any

import redis

from omotenashi.engine.profile import STAGE_ORDER


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
    """Write (or overwrite parts of) a profile exactly as Omotenashi stores it (the layout:
    store/scripts.py)."""
    now = int(time.time())
    key = f"{key_prefix}:{{{pid}}}:p2"
    client.hsetnx(key, "F", now)
    base = int(client.hget(key, "F") or now)  # the other times count from it
    main: dict[str, str | float | int] = {"L": int(last_seen or now) - base}
    for name, value in (("N", visits), ("V", views), ("P", purchases), ("AD", absent_days)):
        if value is not None:
            main[name] = value
    if stage is not None:
        main["G"] = STAGE_ORDER.index(stage) + 1 if stage in STAGE_ORDER else 1
    if segments is not None:
        main["SG"] = ",".join(segments)
    for name, count in (events or {}).items():
        main[f"e{name}"] = count
    for topic, score in (interests or {}).items():
        main[f"i{topic}"] = f"{score} {now - base}"
    for name, value in {**(attrs or {}), **(attr or {})}.items():
        main[f"a{name}"] = json.dumps(value)
    for item, qty in (cart or {}).items():
        main[f"c{item}"] = qty
        main["CA"] = now - base
    for item in viewed or []:
        main[f"w{item}"] = now - base
    pipe = client.pipeline()
    pipe.hset(key, mapping=main)  # type: ignore[arg-type]
    pipe.expire(key, ttl)
    pipe.execute()
