"""Headers between the visitor and the origin: what a proxy drops, adds and rewrites.

Pure functions over ASGI-style header lists (lowercase ``bytes`` names).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from omotenashi.asgi.arrival import is_page_request

Headers = list[tuple[bytes, bytes]]

# RFC 9110 §7.6.1: meaningful for one connection only, never forwarded; so is ``Proxy`` (a
# CGI origin would read it as HTTP_PROXY: "httpoxy") and every other ``Proxy-*`` field.
HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy",
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
# What else origins read as the client's address, scheme, port or prefix: a visitor's own
# values would be believed next to ours, so they are dropped.
SPOOFABLE = frozenset(
    {
        b"forwarded",
        b"x-forwarded-port",
        b"x-forwarded-server",
        b"x-forwarded-prefix",
        b"x-forwarded-ssl",
        b"x-forwarded-scheme",
        b"x-real-ip",
        b"x-url-scheme",
        b"front-end-https",
    }
)


def hop_by_hop(name: bytes) -> bool:
    """A field for this connection only (``name`` lowercase): listed, or any ``proxy-*``."""
    return name in HOP_BY_HOP or name.startswith(b"proxy-")


def _tokens(value: bytes) -> list[bytes]:
    return [t.strip().lower() for t in value.split(b",") if t.strip()]


def end_to_end(headers: Iterable[tuple[bytes, bytes]]) -> Headers:
    """``headers`` without hop-by-hop fields, nor any field the Connection header names, nor a
    ``Content-Length`` next to a ``Transfer-Encoding``: the body was framed by the latter
    (RFC 9112 6.3, which tells a proxy to remove such a length), and passed on with it, a
    chunked body of another size was cut, or refused as too long, with a traceback."""
    pairs = [(k.lower(), v) for k, v in headers]
    named = {t for k, v in pairs if k == b"connection" for t in _tokens(v)}
    if any(k == b"transfer-encoding" for k, _ in pairs):
        named.add(b"content-length")
    return [(k, v) for k, v in pairs if not hop_by_hop(k) and k not in named]


def websocket_handshake(headers: Iterable[tuple[bytes, bytes]]) -> bool:
    """Whether a request asks to become a WebSocket (an ``Upgrade: websocket``)."""
    return any(k.lower() == b"upgrade" and b"websocket" in v.lower() for k, v in headers)


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
    """The headers to send to the origin for a visitor's request.

    Validators and codings are left as they come: the middleware in front has already taken a
    page request's ``If-None-Match``/``If-Modified-Since`` off, and narrowed its
    ``Accept-Encoding`` to gzip or identity, where it may personalise the page
    (``asgi/middleware.py``); a page on an excluded or untracked path, a bot's, or one it
    leaves alone keeps them, and gets the origin's 304 or br as it would without us."""
    incoming = end_to_end(scope_headers)
    host = next((v for k, v in incoming if k == b"host"), None)
    # Expect: 100-continue is answered here (the server says 100 Continue when the body is first
    # read, once the origin has the request's headers); httpx would send the body to the origin
    # at once whatever it answered, so the origin is not told to wait for one.
    drop = set(FORWARDED_BY_US | SPOOFABLE | {b"expect"})
    if not preserve_host:
        drop.add(b"host")
    out = [(k, v) for k, v in incoming if k not in drop]
    asked = "GET" if method == "HEAD" else method  # (a HEAD as its GET: mount66)
    if not any(k == b"accept-encoding" for k, _ in incoming) and is_page_request(asked, incoming):
        # no Accept-Encoding lets the origin choose any coding (RFC 9110 12.5.3), br too, in
        # which a page could not be read: identity, as it would choose anyway
        out.append((b"accept-encoding", b"identity"))
    xff = forwarded_for(incoming, client)
    if xff is not None:
        out.append((b"x-forwarded-for", xff))
    out.append((b"x-forwarded-proto", scheme.encode("latin-1")))
    if host is not None:
        out.append((b"x-forwarded-host", host))
    return out


def public_of(response: Any) -> bytes | None:
    """The address the visitor used, as the request to the origin told it (the
    X-Forwarded-Proto and X-Forwarded-Host this proxy set; None without a Host)."""
    headers = response.request.headers
    host, proto = headers.get("x-forwarded-host"), headers.get("x-forwarded-proto", "http")
    return None if not host else f"{proto}://{host}".encode("latin-1", "replace")


def public_at(scope: Mapping[str, Any]) -> bytes | None:
    """:func:`public_of` for a WebSocket handshake (no httpx request carries it): the
    visitor's Host, on https for wss, as :func:`request_headers` tells the origin."""
    host = next((v for k, v in scope.get("headers", ()) if k == b"host"), None)
    scheme = b"https" if scope.get("scheme") in ("https", "wss") else b"http"
    return None if not host else scheme + b"://" + host


def response_headers(
    headers: Iterable[tuple[bytes, bytes]], upstream_base: bytes, public: bytes | None = None
) -> Headers:
    """The origin's headers for the visitor: end-to-end only, the addresses it gives of itself
    (Location, Content-Location, Refresh's ``url=``, Link's ``<...>``) made relative, and a
    cookie's ``Path`` under the upstream's base path made the visitor's (as nginx's
    ``proxy_cookie_path``: proxy62, the session cookie of a login never came back).
    ``public``: the address the visitor used (``https://shop.example``, as X-Forwarded-Proto
    and -Host told the origin); under a base path, the origin's addresses on it are its own
    too (an origin trusting X-Forwarded-Host wrote ``https://shop.example/app/x``: sec63)."""
    out = end_to_end(headers)
    base = _address(upstream_base)
    bases = [] if base is None else [base]
    visitor = _address(public) if public else None
    if visitor is not None and base is not None and _prefix(base[3]) and visitor[1:3] != base[1:3]:
        bases.append((*visitor[:3], base[3]))

    def relative(url: bytes) -> bytes | None:
        return next((new for b in bases if (new := _relative(url, b)) is not None), None)

    rewritten: Headers = []
    for key, value in out:
        if base is not None:
            if key == b"set-cookie":
                value = _cookie_path(value, _prefix(base[3]))
                if visitor is not None:
                    value = _cookie_domain(value, visitor[1], base[1])
            elif key in (b"location", b"content-location"):
                value = relative(value) or value
            elif key == b"refresh":
                value = _refresh(value, relative)
            elif key == b"link":
                value = _LINK_TARGET.sub(lambda m: b"<%s>" % (relative(m[1]) or m[1]), value)
        rewritten.append((key, value))
    return rewritten


# Refresh as browsers read it (HTML, "shared declarative refresh steps"): a delay, ";" or ","
# and then the address, after an optional "url=", in optional quotes.
_REFRESH = re.compile(
    rb"(\s*[0-9.]+\s*[;,]?\s*(?:url\s*=\s*)?)(['\"]?)(.*)".replace(rb"\s", rb"[\t\n\f\r ]"),
    re.I | re.S,
)
_LINK_TARGET = re.compile(rb"<([^<>]*)>")  # [^<>]: one pass, whatever the header holds


def _refresh(value: bytes, relative: Callable[[bytes], bytes | None]) -> bytes:
    """A Refresh header with its address made relative when it is the origin's own."""
    parsed = _REFRESH.fullmatch(value)
    if parsed is None:
        return value
    lead, quote, rest = parsed.groups()
    end = rest.find(quote) if quote else -1
    url, tail = (
        (rest[:end], rest[end:]) if end >= 0 else (rest.rstrip(), rest[len(rest.rstrip()) :])
    )
    new = relative(url)
    return value if new is None else lead + quote + new + tail


_DEFAULT_PORTS = {b"http": b"80", b"https": b"443"}
# (scheme, host, port or b"" for the scheme's default, path and what follows), lowercase
# except the path.
_Address = tuple[bytes, bytes, bytes, bytes]


def _address(url: bytes, scheme: bytes | None = None) -> _Address | None:
    """``url`` split, or None when it is no http(s) address (``scheme``: for ``//host/...``)."""
    if url.startswith(b"//") and scheme is not None:
        rest = url[2:]
    else:
        scheme, sep, rest = url.partition(b"://")
        scheme = scheme.lower()
        if not sep or scheme not in _DEFAULT_PORTS:
            return None
    cut = min([i for i in (rest.find(c) for c in (b"/", b"?", b"#")) if i >= 0] or [len(rest)])
    authority, tail = rest[:cut].lower(), rest[cut:]
    if b"@" in authority:  # userinfo: not how the origin names itself
        return None
    host, colon, port = authority.rpartition(b":")
    if not colon or b"]" in port:  # no port: a name, or an IPv6 [address] alone
        host, port = authority, b""
    if port and not port.isdigit():
        return None
    if port == _DEFAULT_PORTS[scheme]:
        port = b""
    return scheme, host, port, tail


def _relative(value: bytes, base: _Address) -> bytes | None:
    """``value`` as a path on this site when it is an address of the origin under its base
    path, in any spelling: ``http://origin:80/x`` for ``http://origin``, ``//origin/x``,
    ``http://origin/x`` from an origin reached over https that thinks it is on http (and
    ``https://origin:port/x`` from one reached over http on that port, told it is on https),
    and a path under the base path
    (``/app/x`` for ``http://origin/app``: sent on, it would be ``/app/app/x``)."""
    scheme, host, port, path = base
    if value[:1] == b"/" and value[1:2] not in (b"/", b"\\"):  # a path of the origin's own
        own: _Address | None = (scheme, host, port, value)
    else:
        own = _address(value, scheme)
    if own is None or own[1:3] != (host, port):
        return None
    if own[0] not in (scheme, b"http") and not port:  # https on 443: the origin asks for TLS;
        return None  # on the origin's own port, it names itself (told X-Forwarded-Proto: proxy62)
    prefix = _prefix(path)
    tail = own[3]
    if tail[: len(prefix)] != prefix:
        return None
    rest = tail[len(prefix) :]
    # Browsers drop tabs and newlines from an address and read "\\" as "/": made relative,
    # "/<tab>/evil.example" would name another host. Such a value stays as the origin sent it.
    if rest[:2] in (b"//", b"/\\") or any(c <= 0x20 or c == 0x7F for c in rest):
        return None
    if rest[:1] == b"/":
        return rest
    return b"/" + rest if not rest or rest[:1] in (b"?", b"#") else None


def _prefix(path: bytes) -> bytes:
    """The upstream's base path, as the paths under it start (``b""`` for none)."""
    return path.split(b"?", 1)[0].split(b"#", 1)[0].rstrip(b"/")


def _cookie_path(value: bytes, prefix: bytes) -> bytes:
    """A Set-Cookie value whose ``Path`` under ``prefix`` is made the visitor's path."""
    if not prefix:
        return value
    parts = value.split(b";")
    for i, part in enumerate(parts[1:], 1):
        name, eq, path = part.partition(b"=")
        if eq and name.strip().lower() == b"path":
            bare = path.strip()
            if bare == prefix or bare.startswith(prefix + b"/"):
                parts[i] = name + eq + (bare[len(prefix) :] or b"/")
    return b";".join(parts)


def _cookie_domain(value: bytes, host: bytes, origin: bytes) -> bytes:
    """A Set-Cookie value without a ``Domain`` that is the origin's own (``origin.internal``,
    the upstream's host or a parent of it) and that the visitor's ``host`` is not in: a
    browser drops such a cookie whole (sec63; nginx's ``proxy_cookie_domain``). Any other
    (``.shop.example``, even where the Host this proxy got is a balancer's: last63) stays."""
    parts = value.split(b";")
    kept = parts[:1]
    for part in parts[1:]:
        key, eq, domain = part.partition(b"=")
        bare = domain.strip().lstrip(b".").lower()
        if eq and key.strip().lower() == b"domain" and bare:
            if _within(origin, bare) and not _within(host, bare):
                continue
        kept.append(part)
    return value if len(kept) == len(parts) else b";".join(kept)


def _within(host: bytes, domain: bytes) -> bool:
    return host == domain or host.endswith(b"." + domain)
