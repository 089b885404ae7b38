"""Which URLs the fast path (store/pipeline.py) speaks, and TLS for it: a ``rediss://`` URL's
context made by redis-py's own code from the same options, so that a site moving between the
two clients (adding ``socket_keepalive=true``, say) verifies the server exactly as before."""

from __future__ import annotations

import ssl
from typing import Any
from urllib.parse import parse_qs, urlparse

from redis.asyncio.connection import RedisSSLContext, parse_url
from redis.exceptions import RedisError

from omotenashi.settingsredis import TLS_OPTIONS


def fast_url(url: str) -> bool:
    """Whether ``url`` is one the fast path speaks: plain TCP with no options, a unix socket
    (at most ``db`` and ``password``), or TLS (``rediss://``) with at most TLS options."""
    parsed = urlparse(url)
    scheme = parsed.scheme.lower()
    if scheme == "unix":
        return set(parse_qs(parsed.query)) <= {"db", "password"}
    if scheme == "rediss":
        return set(parse_qs(parsed.query)) <= TLS_OPTIONS
    return scheme == "redis" and not parsed.query


class TLS:
    """A URL's TLS context, made when a connection first needs it (as redis-py makes it: a
    certificate file that cannot be read fails the connection, not the app's startup)."""

    __slots__ = ("_context", "url")

    def __init__(self, url: str) -> None:
        self.url = url if url.lower().startswith("rediss://") else None
        self._context: ssl.SSLContext | None = None

    def context(self) -> ssl.SSLContext | None:
        """None for a URL without TLS; OSError when its files or options are no good."""
        if self.url is None or self._context is not None:
            return self._context
        try:
            self._context = tls_context(self.url)
        except (OSError, ValueError, RedisError) as exc:  # (ssl.SSLError is an OSError: a key
            raise OSError(f"TLS: {exc}") from exc  # that does not match; options let pass)
        return self._context


def tls_context(url: str) -> ssl.SSLContext | None:
    """The TLS context of a ``rediss://`` URL (None for any other), with redis-py's defaults:
    the server's certificate required and its name checked, unless the URL says otherwise."""
    if not url.lower().startswith("rediss://"):
        return None
    given: dict[str, Any] = dict(parse_url(url))
    return RedisSSLContext(
        keyfile=given.get("ssl_keyfile"),
        certfile=given.get("ssl_certfile"),
        cert_reqs=given.get("ssl_cert_reqs", "required"),
        include_verify_flags=given.get("ssl_include_verify_flags"),
        exclude_verify_flags=given.get("ssl_exclude_verify_flags"),
        ca_certs=given.get("ssl_ca_certs"),
        ca_data=given.get("ssl_ca_data"),
        ca_path=given.get("ssl_ca_path"),
        check_hostname=given.get("ssl_check_hostname", True),
        min_version=given.get("ssl_min_version"),
        ciphers=given.get("ssl_ciphers"),
        password=given.get("ssl_password"),
    ).get()
