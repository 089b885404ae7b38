"""What the reverse proxy is told: the origin, how long to wait for it and for a visitor's body.

:class:`EdgeSettings` is the middleware's :class:`~omotenashi.Settings` plus a ``proxy``
group, read from the same environment: ``OMOTENASHI_PROXY_UPSTREAM``,
``OMOTENASHI_PROXY_READ_TIMEOUT`` ... next to ``OMOTENASHI_REDIS_URL`` and the rest.
"""

from __future__ import annotations

import httpx
from pydantic import BaseModel, ConfigDict, Field

from omotenashi.errors import ConfigError
from omotenashi.settings import Settings


class ProxySettings(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt setting is an error

    upstream: str | None = Field(
        default=None,
        description="The origin `omotenashi proxy` forwards to (http:// or https:// URL).",
    )
    connect_timeout: float = Field(
        default=2.0, gt=0, description="Seconds to open a connection to the origin (else 502)."
    )
    read_timeout: float = Field(  # nginx's proxy_read_timeout: long polls (Socket.IO's 25 s)
        default=60.0,  # and event streams with a 15 s or 30 s heartbeat come through
        gt=0,
        description="Seconds the origin may stay silent, before its answer or in the middle of "
        "one (else 504, or the answer is cut).",
    )
    max_connections: int = Field(
        default=100, ge=1, description="Most open connections to the origin per worker."
    )
    preserve_host: bool = Field(
        default=False, description="Send the visitor's Host to the origin (else the origin's)."
    )
    body_buffer: int = Field(
        default=65536,
        ge=0,
        description="A request body up to this many bytes (by its Content-Length) is read whole "
        "before the origin is asked, so a slow one holds no origin connection.",
    )
    body_timeout: float = Field(
        default=20.0,
        gt=0,
        description="Seconds the visitor has for a request body, plus one per body_min_rate "
        "bytes received (else 408).",
    )
    body_min_rate: int = Field(
        default=500, gt=0, description="Bytes per second of a request body that extend its time."
    )


class EdgeSettings(Settings):
    """Everything the middleware reads, and the proxy's own group."""

    proxy: ProxySettings = Field(default_factory=ProxySettings)


UPSTREAM = "OMOTENASHI_PROXY_UPSTREAM"  # messages name the setting as users set it


def upstream_url(value: str | None) -> httpx.URL:
    """The origin's base URL, or ConfigError saying what is wrong with it."""
    if not value:
        raise ConfigError(UPSTREAM, value, "set the origin's URL, e.g. http://origin:8080")
    try:
        url = httpx.URL(value)
    except (httpx.InvalidURL, TypeError) as exc:
        raise ConfigError(UPSTREAM, value, f"not a URL ({exc})") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise ConfigError(UPSTREAM, value, "use an http:// or https:// URL with a host")
    if url.query or url.fragment:
        raise ConfigError(UPSTREAM, value, "give no query or fragment, only a base URL")
    return url
