"""What the reverse proxy is told: the origin, how long to wait for it and for a visitor's body.

:class:`EdgeSettings` is the middleware's :class:`~omotenashi.Settings` plus a ``proxy``
group, read from the same environment: ``OMOTENASHI_PROXY_UPSTREAM``,
``OMOTENASHI_PROXY_READ_TIMEOUT`` ... next to ``OMOTENASHI_REDIS_URL`` and the rest.
"""

from __future__ import annotations

import logging
import ssl

import httpx
from pydantic import BaseModel, ConfigDict, Field

from omotenashi.errors import ConfigError
from omotenashi.settings import Settings
from omotenashi.settingsredis import masked

DAY = 86400.0  # (a timeout of more is none: 1e300 was taken)


class ProxySettings(BaseModel):
    # a misspelt setting is an error; so is inf (ops65: READ_TIMEOUT=inf stopped the proxy
    # with an OverflowError naming no setting; CONNECT_TIMEOUT=inf was taken)
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    upstream: str | None = Field(
        default=None,
        description="The origin `omotenashi proxy` forwards to (http:// or https:// URL).",
    )
    connect_timeout: float = Field(
        default=2.0,
        gt=0,
        le=DAY,
        description="Seconds to open a connection to the origin (else 502).",
    )
    read_timeout: float = Field(  # nginx's proxy_read_timeout: long polls (Socket.IO's 25 s)
        default=60.0,  # and event streams with a 15 s or 30 s heartbeat come through
        gt=0,
        le=DAY,
        description="Seconds the origin may stay silent, before its answer or in the middle of "
        "one (else 504, or the answer is cut).",
    )
    max_connections: int = Field(
        default=100,
        ge=1,
        description="Most open HTTP connections to the origin per worker (WebSockets have "
        "their own: ws_max_sockets).",
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
        le=DAY,
        description="Seconds the visitor has for a request body, plus one per body_min_rate "
        "bytes received (else 408).",
    )
    body_min_rate: int = Field(
        default=500, gt=0, description="Bytes per second of a request body that extend its time."
    )
    websockets: bool = Field(
        default=False,
        description="Pass WebSocket handshakes on to the origin (as nginx does once told to); "
        "off: refused with 501. On, the command runs uvicorn with wsproto, without "
        "per-message compression, on asyncio's own loop (a flood of tiny frames from one "
        "visitor held uvloop's for seconds).",
    )
    ws_max_message: int = Field(
        default=1048576,
        ge=1,
        description="Largest WebSocket message, in bytes, passed either way; a larger one "
        "closes the WebSocket at both ends with 1009 (message too big).",
    )
    ws_max_sockets: int = Field(
        default=1000,
        ge=1,
        description="Most WebSockets open at once per worker, each holding its own connection "
        "to the origin; past it a handshake is refused with 503.",
    )
    ca_bundle: str | None = Field(
        default=None,
        description="A PEM file of the CA certificates to trust for an https:// origin (a "
        "private CA, or the origin's own self-signed certificate), instead of the public ones.",
    )
    verify: bool = Field(
        default=True,
        description="Check the https:// origin's certificate; false takes any certificate, "
        "which is unsafe (whoever is between the proxy and the origin can read and change "
        "every page and cookie): a warning says so at start.",
    )


class EdgeSettings(Settings):
    """Everything the middleware reads, and the proxy's own group."""

    proxy: ProxySettings = Field(default_factory=ProxySettings)


log = logging.getLogger("omotenashi.proxy")
UPSTREAM = "OMOTENASHI_PROXY_UPSTREAM"  # messages name the setting as users set it
CA_BUNDLE = "OMOTENASHI_PROXY_CA_BUNDLE"
UNVERIFIED = (
    "omotenashi proxy: OMOTENASHI_PROXY_VERIFY=false: the origin's TLS certificate is not "
    "checked, which is unsafe (whoever is between the proxy and %s can read and change every "
    "page and cookie); trust its CA with OMOTENASHI_PROXY_CA_BUNDLE instead"
)


def unreached(exc: Exception) -> str:
    """What a failure to reach the origin is logged as: what httpx said, and where the origin's
    certificate was not trusted, how to trust it."""
    said = repr(exc)
    if "CERTIFICATE_VERIFY_FAILED" in said:
        said += f"; a private CA's or a self-signed certificate? trust it with {CA_BUNDLE}"
    return said


def origin_tls(config: ProxySettings, origin: httpx.URL | None = None) -> ssl.SSLContext | bool:
    """How an https:// origin's certificate is checked (httpx's ``verify``): against the public
    CAs (True), against ``ca_bundle``'s alone (a context that trusts its file), or not at all
    (False: ``verify`` off, and with ``origin``, a warning that says it is unsafe); ConfigError
    for a bundle that cannot be read or trusted, or for both set at once (which one was meant
    is not known)."""
    if config.ca_bundle is None:
        if not config.verify and origin is not None and origin.scheme == "https":
            log.warning(UNVERIFIED, origin)  # (an http:// origin has no certificate to check)
        return config.verify
    if not config.verify:
        raise ConfigError(
            CA_BUNDLE, config.ca_bundle, "set it or OMOTENASHI_PROXY_VERIFY=false, not both"
        )
    try:
        return ssl.create_default_context(cafile=config.ca_bundle)
    except (OSError, ssl.SSLError, ValueError) as exc:  # (a missing file, no PEM in it)
        problem = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ConfigError(
            CA_BUNDLE, config.ca_bundle, f"not a PEM file of CAs ({problem})"
        ) from None


def upstream_url(value: str | None) -> httpx.URL:
    """The origin's base URL, or ConfigError saying what is wrong with it (what may be a user
    and password in it never said: everything between ``://`` and an ``@``)."""
    if not value:
        raise ConfigError(UPSTREAM, value, "set the origin's URL, e.g. http://origin:8080")
    shown = masked(value)  # (eye67: 'http://u:abc/def@origin'; config69: a scheme left out
    # or mistyped; eye69: an "@" in the password: the one masker the Redis URL has)
    try:
        url = httpx.URL(value)
    except (httpx.InvalidURL, TypeError) as exc:
        said = str(exc).replace(value, shown)
        raise ConfigError(
            UPSTREAM, shown, "not a URL" + (f" ({said})" * (shown == value))
        ) from None
    if url.scheme not in ("http", "https") or not url.host:
        raise ConfigError(UPSTREAM, shown, "use an http:// or https:// URL with a host")
    if url.query or url.fragment:
        raise ConfigError(UPSTREAM, shown, "give no query or fragment, only a base URL")
    if url.userinfo:  # (proxy67: printed at start, never sent, and no address rewritten)
        said = "give no user or password: the proxy sends none to the origin"
        raise ConfigError(UPSTREAM, shown, said)
    if url.port is not None and not 0 < url.port < 65536:
        raise ConfigError(UPSTREAM, shown, f"port {url.port} is not a port (1 to 65535)")
    return url
