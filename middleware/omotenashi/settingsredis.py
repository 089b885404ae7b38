"""The Redis group of the settings (``OMOTENASHI_REDIS_<FIELD>``), and the base of every group;
both are imported from :mod:`omotenashi.settings` as ever."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Group(BaseModel):
    """A group of settings: a name it does not have is an error, never silently ignored."""

    model_config = ConfigDict(extra="forbid")


class RedisSettings(_Group):
    url: str | None = Field(
        default=None,
        description="redis://, rediss://, unix:// or redis+sentinel:// URL; unset starts a private "
        "embedded server (demo, tests).",
    )
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
        default=False,
        description="Write profiles in compact forms (N when 1, times equal to F's or L's "
        "left out), which this release and later read and 2589759 (2026-12-03) and before "
        "misread: turn on once no worker of those is left, and off before rolling back to one.",
    )
