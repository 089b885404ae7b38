"""uvicorn's wsproto WebSocket protocol with more bounds on what a visitor sends, for
``omotenashi proxy`` (it runs it whether WebSockets are on or off; off, every handshake is
refused), wsedge50b and eye50c:

* a message in more than :data:`MAX_PARTS` frames closes with 1009: endless empty fragments
  never reach the size limit, and each read of them held the worker about half a second;
* while the pongs owed for a visitor's pings wait to be written (the visitor reads nothing),
  no more is read from them, whatever else they send: a ping flood grew memory ~10 MB a second;
* a connection whose relay ended while its writes still wait is aborted, not left to flush for
  as long as the visitor reads nothing (its place under WS_MAX_SOCKETS was free, its socket not).

uvicorn 0.46 or later (``handle_message``; pyproject asks for it); only attributes its protocol
has had since are used (``transport``, ``conn``, ``queue``, ``close_sent``, ``writable``).
"""

from __future__ import annotations

from typing import Any

from uvicorn.protocols.websockets.wsproto_impl import WSProtocol
from wsproto.events import CloseConnection, Ping, TextMessage

MAX_PARTS = 4096  # fragments of one message (the relay's own bound on the origin's: websocket.py)
TOO_MANY = f"a message in more than {MAX_PARTS} parts"


class GuardedWSProtocol(WSProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.parts = 0  # fragments of the message being read
        self.pongs_paused = False  # reading paused while pongs wait to be written

    def handle_message(self, event: TextMessage | Any) -> None:
        self.parts += event.frame_finished  # (frames, not reads: one frame comes in many)
        if self.parts > MAX_PARTS and not self.close_sent:
            self.close_sent = True
            self.queue.put_nowait(
                {"type": "websocket.disconnect", "code": 1009, "reason": TOO_MANY}
            )
            if not self.transport.is_closing():
                self.transport.write(self.conn.send(CloseConnection(code=1009, reason=TOO_MANY)))
                self.transport.close()
            return
        if event.message_finished:
            self.parts = 0
        super().handle_message(event)

    def handle_ping(self, event: Ping) -> None:
        super().handle_ping(event)
        if not self.writable.is_set() and not self.pongs_paused:  # (past the high-water mark)
            self.pongs_paused = True
            self.transport.pause_reading()

    async def receive(self) -> Any:
        message = await super().receive()  # (which resumes reading once its queue is empty)
        if self.pongs_paused:
            self.transport.pause_reading()  # (pongs still wait: eye50c)
        return message

    async def run_asgi(self) -> None:
        await super().run_asgi()
        if not self.writable.is_set():  # (a visitor who reads nothing: close() would wait)
            self.transport.abort()

    def resume_writing(self) -> None:
        super().resume_writing()
        if self.pongs_paused:
            self.pongs_paused = False
            if not getattr(self, "read_paused", False):  # (uvicorn's own pause stays its own)
                self.transport.resume_reading()
