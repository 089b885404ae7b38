"""uvicorn's wsproto WebSocket protocol with two more bounds on what a visitor sends, for
``omotenashi proxy`` with WebSockets on (wsedge50b):

* a message in more than :data:`MAX_PARTS` fragments closes with 1009: endless empty ones
  never reach the size limit, and each read of them held the worker about half a second;
* while the pongs owed for a visitor's pings wait to be written (the visitor reads nothing),
  no more is read from them: a ping flood grew memory about 10 MB a second.

Only attributes uvicorn's protocol has had for many releases are used (``transport``,
``conn``, ``queue``, ``close_sent``, ``writable``); ``omotenashi proxy`` passes it as ``ws=``.
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
        self.parts += 1
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

    def resume_writing(self) -> None:
        super().resume_writing()
        if self.pongs_paused:
            self.pongs_paused = False
            if not getattr(self, "read_paused", False):  # (uvicorn's own pause stays its own)
                self.transport.resume_reading()
