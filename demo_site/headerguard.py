"""The demo shop's first middleware: a ``Cookie`` header over 8 KiB is answered 431 before
the shop's session reads it (grow51). The shop parses cookies with Starlette, that is with
CPython's ``http.cookies``, whose unquoting is quadratic before Python 3.11.10 / 3.12.6
(CVE-2024-7592): one 60 KB header of ``\\"`` held the demo's event loop 3.6 s on 3.11.7.
Browsers send at most about 4 KiB a cookie; nginx's default buffers take 8 KiB a header line.
Omotenashi reads its own cookie in linear time and needs no such cap (SECURITY.md)."""

from __future__ import annotations

from typing import Any

MAX_COOKIE = 8192  # bytes of Cookie header lines in all
TOO_LARGE = b"The Cookie header is over 8 KiB: clear this site's cookies and try again.\n"

Scope = dict[str, Any]


class CookieCap:
    """Pure ASGI: HTTP requests whose Cookie lines exceed :data:`MAX_COOKIE` get a 431."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            size = sum(len(v) for k, v in scope["headers"] if k == b"cookie")
            if size > MAX_COOKIE:
                await send(
                    {
                        "type": "http.response.start",
                        "status": 431,
                        "headers": [
                            (b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(TOO_LARGE)).encode()),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": TOO_LARGE})
                return
        await self.app(scope, receive, send)
