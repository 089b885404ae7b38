"""Headers between the visitor and the origin: what a proxy drops, adds and rewrites.

Pure functions over ASGI-style header lists (lowercase ``bytes`` names).
"""

from __future__ import annotations

from collections.abc import Iterable

from omotenashi.asgi.arrival import CONDITIONAL, is_page_request

Headers = list[tuple[bytes, bytes]]

# RFC 9110 §7.6.1: meaningful for one connection only, never forwarded.
HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-connection",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
    }
)
# Set by us from the connection itself; a visitor's own values are not believed.
FORWARDED_BY_US = frozenset({b"x-forwarded-proto", b"x-forwarded-host", b"x-forwarded-for"})


def _tokens(value: bytes) -> list[bytes]:
    return [t.strip().lower() for t in value.split(b",") if t.strip()]


def end_to_end(headers: Iterable[tuple[bytes, bytes]]) -> Headers:
    """``headers`` without hop-by-hop fields, nor any field the Connection header names."""
    pairs = [(k.lower(), v) for k, v in headers]
    named = {t for k, v in pairs if k == b"connection" for t in _tokens(v)}
    return [(k, v) for k, v in pairs if k not in HOP_BY_HOP and k not in named]


def accepts_gzip(headers: Headers) -> bool:
    for key, value in headers:
        if key != b"accept-encoding":
            continue
        for token in _tokens(value):
            coding, _, params = token.partition(b";")
            q = params.strip()
            if coding.strip() in (b"gzip", b"x-gzip", b"*"):
                return not (q.startswith(b"q=") and _zero(q[2:]))
    return False


def _zero(q: bytes) -> bool:
    try:
        return float(q) == 0
    except ValueError:
        return False


def forwarded_for(headers: Headers, client: str | None) -> bytes | None:
    """X-Forwarded-For with the peer appended (as nginx's ``$proxy_add_x_forwarded_for``)."""
    chain = [t.strip() for k, v in headers if k == b"x-forwarded-for" for t in v.split(b",")]
    chain = [t for t in chain if t]
    if client and (not chain or chain[-1] != client.encode("latin-1")):
        chain.append(client.encode("latin-1"))
    return b", ".join(chain) if chain else None


def request_headers(
    scope_headers: Iterable[tuple[bytes, bytes]],
    *,
    method: str,
    scheme: str,
    client: str | None,
    preserve_host: bool,
) -> Headers:
    """The headers to send to the origin for a visitor's request."""
    incoming = end_to_end(scope_headers)
    host = next((v for k, v in incoming if k == b"host"), None)
    navigation = is_page_request(method, incoming)  # the middleware's own rule
    drop = set(FORWARDED_BY_US)
    if not preserve_host:
        drop.add(b"host")
    if navigation:  # the whole page, in an encoding the middleware can rewrite
        drop |= CONDITIONAL | {b"accept-encoding"}
    out = [(k, v) for k, v in incoming if k not in drop]
    if navigation:
        out.append((b"accept-encoding", b"gzip" if accepts_gzip(incoming) else b"identity"))
    xff = forwarded_for(incoming, client)
    if xff is not None:
        out.append((b"x-forwarded-for", xff))
    out.append((b"x-forwarded-proto", scheme.encode("latin-1")))
    if host is not None:
        out.append((b"x-forwarded-host", host))
    return out


def response_headers(headers: Iterable[tuple[bytes, bytes]], upstream_base: bytes) -> Headers:
    """The origin's headers for the visitor: end-to-end only, its own redirects made relative."""
    out = end_to_end(headers)
    base = upstream_base.rstrip(b"/")
    rewritten: Headers = []
    for key, value in out:
        if key in (b"location", b"content-location") and value.lower().startswith(base.lower()):
            rest = value[len(base) :]
            if not rest or rest[:1] in (b"/", b"?"):
                value = rest if rest[:1] == b"/" else b"/" + rest
        rewritten.append((key, value))
    return rewritten
