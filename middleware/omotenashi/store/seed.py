"""Write a profile exactly as Omotenashi stores it (QA fixtures, `omotenashi profile set`).

:func:`seed` checks every field first: an unknown field, stage or cap period is a
:class:`~omotenashi.errors.CommandError` naming what is allowed, never a silent default.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Mapping
from datetime import UTC, tzinfo
from typing import Any

import redis

from omotenashi.engine.periods import PERIODS, period_key
from omotenashi.engine.profile import STAGE_ORDER
from omotenashi.errors import CommandError
from omotenashi.store import forms, pieces

# What a seeded profile may set (the keyword arguments of seed_profile; ``attr`` is an alias
# of ``attrs``), and the fields that must be numbers.
FIELDS = (
    "stage",
    "visits",
    "views",
    "purchases",
    "segments",
    "interests",
    "events",
    "attrs",
    "cart",
    "viewed",
    "bought",
    "caps",
    "last_seen",
    "absent_days",
)
NUMBERS = ("visits", "views", "purchases", "last_seen", "absent_days")
WHOLE = ("visits", "views", "purchases")  # counts: whole, not negative
#: Fields of ``{name: value}`` whose values are numbers: a score; counts (whole, not negative)
SCORES, COUNTS = ("interests",), ("events", "cart")
CAP_FORM = f"<{'|'.join(PERIODS)}>:<count>"


def check_fields(fields: Mapping[str, Any]) -> None:
    """A CommandError for the first field seed_profile does not know, an unknown stage, a cap
    not in ``<per>:<count>`` form, or a number that is not one (an interest's score, an
    event's or a cart item's count: ``interest.hawaii=high`` would be stored as 0)."""
    for name, value in fields.items():
        if name not in FIELDS and name != "attr":
            raise CommandError(f"unknown profile field {name!r} (fields: {', '.join(FIELDS)})")
        if name == "stage":
            _stage_rank(value)
        if name == "caps":
            for rule, entry in dict(value).items():
                _cap(rule, entry)
        if name in NUMBERS and not _number(value):
            raise CommandError(f"profile field {name!r} must be a number, got {value!r}")
        if name in WHOLE and not _count(value):  # (visits=-3: config52)
            raise CommandError(f"profile field {name!r} must be a whole number >= 0, got {value!r}")
        if name == "absent_days" and value < 0:
            raise CommandError(f"profile field {name!r} must be 0 or more, got {value!r}")
        if name == "last_seen" and value < 0:  # (cli61: stored, "Last seen: 1969-12-31")
            raise CommandError(
                f"profile field {name!r} must be a Unix time in seconds (0 or more), got {value!r}"
            )
        if name in SCORES + COUNTS:
            _values(name, value)


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _count(value: object) -> bool:
    """A whole number of 0 or more (a count: visits, an event's, a cart item's)."""
    return isinstance(value, int | float) and _number(value) and value >= 0 and value == int(value)


def _values(name: str, value: object) -> None:
    if not isinstance(value, Mapping):
        raise CommandError(f"profile field {name!r} must map names to numbers, got {value!r}")
    for key, number in value.items():
        if name in COUNTS and not _count(number):
            raise CommandError(
                f"profile field {name!r}: {key!r} must be a whole number >= 0, got {number!r}"
            )
        if not _number(number):
            raise CommandError(f"profile field {name!r}: {key!r} must be a number, got {number!r}")


def seed(
    client: redis.Redis | redis.RedisCluster,
    pid: str,
    fields: Mapping[str, Any],
    *,
    key_prefix: str,
    ttl: int,
    zone: tzinfo = UTC,
) -> None:
    """:func:`seed_profile` with ``fields`` checked first (see :func:`check_fields`);
    ``zone``: the site's calendar, whose days and weeks caps count in."""
    check_fields(fields)
    seed_profile(client, pid, key_prefix=key_prefix, ttl=ttl, zone=zone, **fields)


def _names(value: list[str] | str) -> list[str]:
    """A list, or a comma-separated string (as the command line gives it)."""
    return [n.strip() for n in value.split(",") if n.strip()] if isinstance(value, str) else value


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _stage_rank(stage: object) -> int:
    if not isinstance(stage, str) or stage not in STAGE_ORDER:
        raise CommandError(f"unknown stage {stage!r} (stages: {', '.join(STAGE_ORDER)})")
    return STAGE_ORDER.index(stage) + 1


def _cap(rule: str, value: object) -> tuple[str, int]:
    """``"<per>:<count>"`` (the rule's ``cap.per`` and the times shown in this period: this
    visit, today, this week, ever) as a pair."""
    per, _, count = str(value).partition(":")
    if per not in PERIODS or not count.isdigit():
        raise CommandError(
            f"cap {rule!r}: expected {CAP_FORM} (the rule's cap period and the times already "
            f"shown, e.g. day:2), got {value!r}"
        )
    return per, int(count)


def seed_profile(
    client: redis.Redis | redis.RedisCluster,
    pid: str,
    *,
    key_prefix: str = "omo",
    ttl: int = 86400,
    zone: tzinfo = UTC,
    stage: str | None = None,
    visits: int | None = None,
    views: int | None = None,
    purchases: int | None = None,
    segments: list[str] | str | None = None,
    interests: dict[str, float] | None = None,
    events: dict[str, int] | None = None,
    attrs: dict[str, Any] | None = None,
    attr: dict[str, Any] | None = None,
    cart: dict[str, int] | None = None,
    viewed: list[str] | str | None = None,
    bought: list[str] | str | None = None,
    caps: Mapping[str, str] | None = None,
    last_seen: float | None = None,
    absent_days: float | None = None,
) -> None:
    """Write (or overwrite parts of) a profile exactly as Omotenashi stores it (the layout:
    store/scripts.py). ``caps``: ``{rule id: "<per>:<count>"}``, e.g. ``{"promo": "day:2"}``
    (shown twice today; ``visit`` counts in the visit going on)."""
    rank = None if stage is None else _stage_rank(stage)  # checked before anything is written
    cap_counts = {rule: _cap(rule, value) for rule, value in (caps or {}).items()}
    now = int(time.time())
    key = f"{key_prefix}:{{{pid}}}:p2"
    if any(client.hexists(k, "revoked") for k in (key, f"{key_prefix}:{{{pid}}}:profile")):
        raise CommandError(  # (cli61: written, and its deny-list entry cut to the idle expiry)
            f"{pid!r} is revoked: nothing about it is written while it is (see revoke in the "
            "README); seed another id"
        )
    client.hsetnx(key, "F", now)
    base = int(client.hget(key, "F") or now)  # the other times count from it
    main: dict[str, str | float | int] = {"L": int(now if last_seen is None else last_seen) - base}
    for name, value in (("N", visits), ("V", views), ("P", purchases), ("AD", absent_days)):
        if value is not None:
            main[name] = value
    if rank is not None:
        main["G"] = rank
    if segments is not None:
        main["SG"] = ",".join(_names(segments))
    for name, count in (events or {}).items():
        main[f"e{name}"] = count
    for topic, score in (interests or {}).items():
        main[f"i{topic}"] = f"{score} {now - base}"
    for name, value in {**(attrs or {}), **(attr or {})}.items():
        main[f"a{name}"] = json.dumps(value)
    for item, qty in (cart or {}).items():
        main[f"c{item}"] = qty
        main["CA"] = now - base
    for item in _names(viewed or []):
        main[f"w{item}"] = now - base
    for item in _names(bought or []):  # (``purchases`` counts the bookings apart)
        main[f"b{item}"] = now - base
    if cap_counts:
        started = client.hget(key, "VS")  # the visit going on began here (absent: at F)
        visit_start = base + int(started or 0)
        for rule, (per, count) in cap_counts.items():
            main[f"k{rule}"] = f"{period_key(per, now, visit_start, zone)}:{count}"
    held = {_text(f): _text(v) for f, v in client.hgetall(key).items()}
    main = {**forms.written_out(pieces.joined(held)), **main}  # full forms, before L moves
    if views and "N" not in main and "N" not in held:  # no visit given: 0 (store/forms.py)
        main["N"] = 0
    names = list(held)
    write, drop = pieces.rewrite(names, {name: str(value) for name, value in main.items()})
    pipe = client.pipeline()
    if drop:
        pipe.hdel(key, *drop)
    pipe.hset(key, mapping=write)  # type: ignore[arg-type]
    pipe.expire(key, ttl)
    pipe.execute()
