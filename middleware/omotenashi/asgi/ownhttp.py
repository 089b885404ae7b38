"""How Omotenashi's own URLs answer (asgi/endpoints.py, asgi/choicepost.py): the headers every
answer carries, a page's Content-Security-Policy, a bounded body read, and whether a form came
from this site."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

# The HTML pages we serve ourselves: our own resources only, no framing, forms post here (a
# page's inline <style>, a refused form's too, is allowed; no inline script is).
PAGE_CSP = (
    b"default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    b"script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


async def respond(
    send: Any,
    status: int,
    body: dict[str, Any] | None = None,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    data = json.dumps(body).encode() if body is not None else b""
    kind = [(b"content-type", b"application/json")] if body is not None else []
    await send_answer(send, status, data, [*kind, *(headers or [])])


async def send_answer(
    send: Any, status: int, body: bytes, headers: list[tuple[bytes, bytes]]
) -> None:
    head = [
        (b"cache-control", b"private, no-store"),
        (b"vary", b"Cookie"),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
        *headers,
    ]
    if any(k == b"content-type" and v.startswith(b"text/html") for k, v in headers):
        head.append((b"content-security-policy", PAGE_CSP))
    if status != 204:  # a 204 carries no body and no Content-Length
        head.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": head})
    await send({"type": "http.response.body", "body": body})


async def read_body(receive: Any, limit: int) -> bytes | None:
    """The request's body, or None past ``limit`` bytes or when the client left."""
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        body.extend(message.get("body", b""))
        if len(body) > limit:
            return None
        if not message.get("more_body", False):
            return bytes(body)


ELSEWHERE = "requests from another origin are refused: send them from a page of this site"


def cross_site(headers: dict[str, str], host: str) -> bool:
    """A form posted from another site (``host``: :func:`request_host`'s, the one the browser
    asked for, which an Origin from this site names). A browser's ``Sec-Fetch-Site:
    same-origin`` is its own word about the host it asked for, which a proxy in front may have
    rewritten in ``Host`` (mount70: nginx's default ``proxy_pass`` refused every form and
    beacon); the Origin is compared only where the browser sends no such word."""
    site = headers.get("sec-fetch-site")
    if site == "same-origin":
        return False
    if site is not None and site != "none":
        return True
    origin = headers.get("origin")
    if origin is None:
        return False
    try:
        return urlsplit(origin).netloc.lower() != host.lower()
    except ValueError:  # a malformed Origin ("http://[::1") is no same-site origin
        return True


def same_site(headers: dict[str, str], host: str) -> bool:
    """The browser says the form came from this site (not merely nothing to the contrary)."""
    origin = headers.get("origin")
    return headers.get("sec-fetch-site") == "same-origin" or (
        origin is not None and not cross_site({"origin": origin}, host)
    )
