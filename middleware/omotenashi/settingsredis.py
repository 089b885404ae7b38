"""The Redis group of the settings (``OMOTENASHI_REDIS_<FIELD>``), and the base of every group;
both are imported from :mod:`omotenashi.settings` as ever."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

SCHEMES = ("redis", "rediss", "unix", "redis+sentinel")
_WHOLE = {"db", "max_connections", "socket_read_size", "health_check_interval", "protocol"}
_SECONDS = {"socket_timeout", "socket_connect_timeout", "timeout"}
_QUERY_PASSWORD = re.compile(r"(?<=\bpassword=)[^&]*", re.IGNORECASE)


def masked(url: str) -> str:
    """``url`` with its secrets shown as ``***``: the whole user part (``redis://***@host``;
    a user name before a colon stays: ``redis://user:***@host``) and a ``password=`` in the
    query. ``redis://s3cret@host`` is a password given where the user name goes: masked too.
    Text, not urlsplit: a password with a "/" or "@" in it (unquoted) is masked whole."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        scheme, rest = "", url
    end = min((i for i in (rest.find("?"), rest.find("#")) if i >= 0), default=len(rest))
    head, tail = rest[:end], rest[end:]
    if "@" in head:
        userinfo, _, after = head.rpartition("@")
        user, colon, _ = userinfo.partition(":")
        head = (f"{user}:***@" if colon and "/" not in user else "***@") + after
    return f"{scheme}{sep}{head}{_QUERY_PASSWORD.sub('***', tail)}"


def redis_url_problem(url: str) -> str | None:
    """What keeps the client from connecting to ``url`` at all (None: nothing). Said when the
    settings are read: found only as the pool opens, it raised inside the lifespan, which
    uvicorn's default ``--lifespan auto`` takes for an app without lifespan events (one INFO
    line), and every page went out unpersonalised, no cookie, nothing logged."""
    scheme, sep, _ = url.partition("://")
    scheme = scheme.lower()
    if not sep or scheme not in SCHEMES:
        return (
            "it should start with redis://, rediss://, unix:// or redis+sentinel:// "
            "(redis://host:6379/0)"
        )
    parsed = urlsplit(url)  # as redis-py (and store/client.py, for a Sentinel's hosts) reads it
    try:
        if scheme == "unix":
            ports = []
        elif scheme == "redis+sentinel":
            hosts = parsed.netloc.split("@")[-1].split(",")
            ports = [int(host.split(":")[1]) for host in hosts if ":" in host]
        else:
            ports = [parsed.port or 6379]
    except ValueError:  # not a number, or out of range
        ports = [0]
    if not all(0 < port < 65536 for port in ports):
        return "a port should be a number from 1 to 65535 (redis://host:6379/0)"
    for name, values in parse_qs(parsed.query).items():  # as redis-py parses them
        number = int if name in _WHOLE else float if name in _SECONDS else None
        try:
            if number is not None:
                number(values[0])
        except ValueError:
            return f"its {name}= should be a number ({name}={'2' if number is int else '0.5'})"
    return None


class _Group(BaseModel):
    """A group of settings: a name it does not have is an error, never silently ignored."""

    model_config = ConfigDict(extra="forbid")


class RedisSettings(_Group):
    url: str | None = Field(
        default=None,
        description="redis://, rediss://, unix:// or redis+sentinel:// URL; unset starts a private "
        "embedded server (demo, tests).",
    )

    @field_validator("url")
    @classmethod
    def _a_redis_url(cls, url: str | None) -> str | None:
        problem = None if url is None else redis_url_problem(url)
        if problem:
            raise ValueError(problem)
        return url

    cluster: bool = Field(default=False, description="Connect with the Redis Cluster client.")
    embedded: bool = Field(
        default=True, description="With no URL, start a private embedded server (else fail open)."
    )
    connect_timeout: float = Field(default=0.25, gt=0, description="Seconds to open a connection.")
    read_timeout: float = Field(
        default=0.15, gt=0, description="Seconds the profile read (before the app runs) may take."
    )
    write_timeout: float = Field(default=0.5, gt=0, description="Seconds a write may take.")
    max_connections: int = Field(default=50, ge=1, description="Size of the connection pool.")
    key_prefix: str = Field(
        default="omo", pattern=r"^[A-Za-z0-9_.-]+$", description="First part of every key."
    )
    idle_ttl: int = Field(
        default=90 * 24 * 3600, ge=60, description="A profile idle this long (s) expires."
    )
    new_ttl: int = Field(
        default=24 * 3600,
        ge=60,
        description="A profile of one visit only expires after this (s), until a second visit.",
    )
    stats_retention: int = Field(
        default=400 * 24 * 3600,
        ge=24 * 3600,
        description="Measurement counters (one hash per day, no visitor data) are kept this "
        "long (s) after their day.",
    )
    breaker_failures: int = Field(
        default=5,
        ge=1,
        description="Consecutive failed reads that open the circuit breaker (a write that "
        "gets no answer is logged and counted, never opens it).",
    )
    breaker_reset: float = Field(
        default=1.0,
        ge=0,
        description="Seconds the breaker stays open before one request probes Redis again.",
    )
    health_check_interval: float = Field(
        default=10.0, ge=0, description="PING a pooled connection idle this long (s) before use."
    )
    write_batch_interval: float = Field(
        default=0.002,
        ge=0,
        description="Seconds page views wait to be written together (0: at once).",
    )
    write_batch_size: int = Field(
        default=100, ge=1, description="Page views that make a write batch go at once."
    )
    write_queue_limit: int = Field(
        default=10_000,
        ge=1,
        description="Page views queued or in flight at most; past it they are dropped "
        "(and counted): the most a crash can lose.",
    )
    compact: bool = Field(
        default=True,
        description="Write profiles and recommendation pairs in compact forms (N when 1, times "
        "equal to F's or L's left out; items as codes, pair scores as whole numbers), which "
        "86f3d79 (2026-12-04) and later read and earlier releases misread: upgrading from one "
        "before 86f3d79, or rolling back to one, set it off while any such worker serves.",
    )
