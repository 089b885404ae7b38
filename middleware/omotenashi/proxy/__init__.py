"""Reverse-proxy edge mode: Omotenashi in front of any HTTP origin (PHP, Rails, static ...).

    app = proxy_app("http://origin:8080", settings=Settings(...))   # an ASGI app for uvicorn

The origin is reached with httpx; the same :class:`~omotenashi.Omotenashi` middleware as in
an ASGI app personalises its HTML pages, and everything else streams through.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from typing import Any

from omotenashi.asgi.middleware import Omotenashi
from omotenashi.proxy.config import EdgeSettings, ProxySettings, upstream_url
from omotenashi.proxy.dated import Dated
from omotenashi.proxy.refusals import refusal
from omotenashi.proxy.upstream import OriginError, Scope, Upstream, error_page
from omotenashi.settings import Settings
from omotenashi.store.embedded import die_with_parent

__all__ = [
    "Dated",
    "EdgeSettings",
    "OriginError",
    "ProxySettings",
    "Upstream",
    "error_page",
    "from_env",
    "proxy_app",
    "upstream_url",
]


class _Edge(Omotenashi):
    """The middleware in front of the origin, refusing first what no origin may be sent
    (proxy/refusals.py): before the middleware's own endpoints too (review67: a request framed
    two ways to ``/_omotenashi/events`` was answered there, its connection kept, and the
    request hidden in its body went on to the origin)."""

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and isinstance(self.app, Upstream):
            if (refused := refusal(scope)) is not None:
                await self.app.refuse(scope, send, *refused)
                return
        await super().__call__(scope, receive, send)


def proxy_app(
    upstream: str | None = None,
    *,
    settings: Settings | None = None,
    config: ProxySettings | None = None,
) -> Omotenashi:
    """The middleware wrapped around the origin (``upstream``, else ``config.upstream``;
    ``config`` defaults to the ``proxy`` group of an :class:`EdgeSettings`).

    Bodies are read from the origin in pieces of at most ``settings.max_body`` bytes, and the
    middleware holds an HTML page back only while it is within ``max_body``: no response ever
    has more than that held in memory.
    """
    settings = settings or EdgeSettings()
    if config is None:
        config = settings.proxy if isinstance(settings, EdgeSettings) else ProxySettings()
    origin = Upstream(
        upstream or config.upstream or "",
        config=config,
        chunk_size=min(65536, settings.max_body),
    )
    return _Edge(origin, settings=settings)


def from_env() -> Dated:
    """The proxy as configured by ``OMOTENASHI_*`` variables (a factory for uvicorn workers,
    which run with their own ``Date`` header off: see :class:`Dated`). A worker of
    ``omotenashi proxy --workers N`` (a child of uvicorn's supervisor) ends with it: a
    supervisor killed outright (SIGKILL) left its workers serving, holding the port, their
    Valkey gone with it (shutdown55)."""
    if (parent := multiprocessing.parent_process()) is not None:
        die_with_parent()
        if os.getppid() != parent.pid:  # (it had died before the ask: eye55c)
            os.kill(os.getpid(), signal.SIGTERM)
    return Dated(proxy_app(settings=EdgeSettings()))
