"""A hint for a Redis URL whose scheme does not match the port: TLS spoken to a plain port, or
plain RESP to a TLS one. Neither says so itself (as seen with Redis 7.0 and ``--tls-port``):

- ``redis://`` to a TLS port: the server resets the connection as soon as our first command
  arrives (the fast path: "connection lost: ... Connection reset by peer"; redis-py: "Error
  while reading ... Connection reset by peer"); another TLS server may first answer with a TLS
  record (an alert, 0x15, or a handshake, 0x16): "Protocol error, got "\\x15" ...".
- ``rediss://`` to a plain port: Redis waits for a line that the TLS ClientHello never ends,
  so the handshake times out (the store's read timeout, or redis-py's "Timeout connecting to
  server"); a server that does answer, with anything, fails the handshake with an SSL error
  (WRONG_VERSION_NUMBER, "record layer failure", "packet length too long").

A reset, a lost connection or a timeout is also an outage: those get the hint only while the
server has never answered since the store connected (``answered``); a TLS record in a reply,
or an SSL error saying the reply was not TLS, gets it always.
"""

from __future__ import annotations

import re

#: redis:// errors: a reply that is a TLS record; a connection the server ended at once.
_TLS_RECORD = re.compile(r'got "\\x1[56]"')
_DROPPED = re.compile(
    r"reset by peer|connection lost|closed by (?:the )?server|broken pipe", re.IGNORECASE
)
#: rediss:// errors: a reply that was no TLS record; a handshake that got no answer.
_NOT_TLS = re.compile(
    r"wrong[_ ]version[_ ]number|record layer failure|packet length too long|unknown protocol|"
    r"http request",
    re.IGNORECASE,
)
_NO_ANSWER = re.compile(
    r"no answer within|did not answer within|timeout connecting|timed out", re.IGNORECASE
)

TLS_PORT = "is that port TLS? use rediss://"
PLAIN_PORT = "is that port plain? use redis://"
# a handshake with no answer may also be slow (ops65: a TLS connect on a busy machine took
# 0.21-0.31 s of the 0.25 s default, and was told only "is that port plain?")
SLOW_OR_PLAIN = (
    "is that port plain (use redis://), or the TLS handshake slower than "
    "OMOTENASHI_REDIS_CONNECT_TIMEOUT?"
)


def tls_hint(url: str, reason: str, *, answered: bool = False) -> str:
    """``"; is that port TLS? use rediss://"`` (or plain, redis://), to follow ``reason`` (a
    failure's text) when it is what a scheme that does not match the port looks like; else
    "". ``answered``: the server has answered since we connected (an outage, not the URL)."""
    scheme = url.partition("://")[0].lower()
    if scheme == "redis":
        if _TLS_RECORD.search(reason) or (not answered and _DROPPED.search(reason)):
            return f"; {TLS_PORT}"
    elif scheme == "rediss":
        if _NOT_TLS.search(reason):
            return f"; {PLAIN_PORT}"
        if not answered and _NO_ANSWER.search(reason):
            return f"; {SLOW_OR_PLAIN}"
    return ""
