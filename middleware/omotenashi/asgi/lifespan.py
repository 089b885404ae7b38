"""The ASGI lifespan around the app: Omotenashi's pool opens at startup and its queued page
views are written at shutdown, whether or not the app takes lifespan events (Django does not)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from omotenashi.asgi.middleware import Omotenashi

log = logging.getLogger("omotenashi")
Message = dict[str, Any]


async def lifespan(mw: Omotenashi, scope: Message, receive: Any, send: Any) -> None:
    """The server's lifespan events through the app, the middleware's pool opened at startup
    and its queued page views written at shutdown; answered here for an app that takes none."""
    heard = False  # whether the app took part (received or sent a lifespan message)

    async def wrapped_receive() -> Message:
        nonlocal heard
        heard = True
        message: Message = await receive()
        if message["type"] == "lifespan.startup":
            await mw.startup()  # (its PING answered before the server says it is ready)
        return message

    async def wrapped_send(message: Message) -> None:
        nonlocal heard
        heard = True
        if message["type"] in ("lifespan.shutdown.complete", "lifespan.shutdown.failed"):
            await mw.shutdown()
        await send(message)

    try:
        await mw.app(scope, wrapped_receive, wrapped_send)
    except Exception as exc:
        if heard:
            raise
        refused: Exception | None = exc  # Django raises: it takes HTTP connections only
    else:
        if heard:
            return
        refused = None  # returned at once: it takes none either
    # The app takes no lifespan events: Omotenashi answers them, so its pool opens at
    # startup and its queued page views are written at shutdown (a server may end its
    # process without ending the event loop: uvicorn, Granian, with no lifespan).
    log.info("omotenashi: the app takes no lifespan events (%r); answering them", refused)
    message: Message = await receive()
    if message["type"] == "lifespan.startup":
        await mw.startup()
        await send({"type": "lifespan.startup.complete"})
        message = await receive()
    if message["type"] == "lifespan.shutdown":
        await mw.shutdown()
        await send({"type": "lifespan.shutdown.complete"})
