"""What the proxy refuses before it asks the origin anything: a tunnel or an echo (CONNECT,
TRACE), a request framed two ways (a Content-Length beside a Transfer-Encoding: the way
requests are smuggled past a front end that frames by the length, RFC 9112 6.1), and a Host
no origin could be meant by (RFC 9112 3.2: ``shop.example evil``, ``a@b``, empty)."""

from __future__ import annotations

import re
from typing import Any

REFUSED_METHODS = frozenset({"CONNECT", "TRACE"})
# uri-host [":" port] (RFC 3986): a reg-name, an IPv4 address, or an IP literal in brackets
_HOST = re.compile(
    rb"(?:(?:[A-Za-z0-9._~!$&'()*+,;=-]|%[0-9A-Fa-f]{2})++|\[[0-9A-Fa-f:.]++\])(?::[0-9]*+)?"
)
TWO_WAYS = "a Content-Length beside a Transfer-Encoding (a request framed two ways)"


def refusal(scope: dict[str, Any]) -> tuple[int, str] | None:
    """The status and reason to refuse this request with, before the origin is asked; None
    to forward it. A 400 closes the visitor's connection (upstream.py): what follows on it
    may be another request hidden in this one's body."""
    method: str = scope["method"]
    if method in REFUSED_METHODS:  # a tunnel (h11 read the origin's 2xx as one: proxy51),
        return 405, f"{method} is not passed on to the origin"  # or cookies echoed (TRACE)
    headers = scope.get("headers") or []
    framing = {k for k, _ in headers if k in (b"content-length", b"transfer-encoding")}
    if len(framing) == 2:  # (proxy67: the body's "0" chunk ended it, a GET came after)
        return 400, TWO_WAYS
    hosts = [v for k, v in headers if k == b"host"]
    if hosts and not _HOST.fullmatch(hosts[0].strip(b" \t")):
        return 400, f"a Host that names no host: {hosts[0][:80]!r}"
    return None
