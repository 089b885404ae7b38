"""A ``Date`` on every response of ``omotenashi proxy`` (RFC 9110 6.6.1).

The command runs uvicorn with its own ``Date`` header off, so that the origin's passes through
alone. The origin end (:class:`~omotenashi.proxy.upstream.Upstream`) dates what it relays and
its own error pages; this wrapper dates the rest: the middleware's own pages (preferences, your
data, the beacon's answers, the report), which never reach the origin.
"""

from __future__ import annotations

from email.utils import formatdate
from typing import Any


class Dated:
    """Adds a ``Date`` to each response that has none; every other message passes as sent."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def __getattr__(self, name: str) -> Any:  # the middleware's handles (revoke, drain ...)
        return getattr(self.app, name)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def dated(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                if not any(k.lower() == b"date" for k, _ in headers):
                    headers.append((b"date", formatdate(usegmt=True).encode()))
                    message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, dated)
