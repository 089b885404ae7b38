"""Response headers: Vary, Cache-Control: private, Content-Length, Set-Cookie, Server-Timing."""

from __future__ import annotations

Headers = list[tuple[bytes, bytes]]


def get(headers: Headers, name: bytes) -> bytes | None:
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


def without(headers: Headers, *names: bytes) -> Headers:
    return [(k, v) for k, v in headers if k.lower() not in names]


def media_type(headers: Headers) -> tuple[str, str]:
    """(media type, charset) from Content-Type; charset defaults to utf-8."""
    raw = (get(headers, b"content-type") or b"").decode("latin-1")
    media, _, params = raw.partition(";")
    charset = "utf-8"
    for param in params.split(";"):
        key, _, value = param.strip().partition("=")
        if key.lower() == "charset" and value:
            charset = value.strip('"').lower()
    return media.strip().lower(), charset


def add_vary(headers: Headers, field: bytes) -> Headers:
    existing = [v for k, v in headers if k.lower() == b"vary"]
    names = {p.strip().lower() for v in existing for p in v.split(b",")}
    if b"*" in names or field.lower() in names:
        return headers
    rest = without(headers, b"vary")
    merged = b", ".join([*(v for v in existing if v.strip()), field])
    return [*rest, (b"vary", merged)]


def make_private(headers: Headers) -> Headers:
    """Cache-Control with ``private``: no shared cache may keep this page for someone else."""
    raw = b", ".join(v for k, v in headers if k.lower() == b"cache-control")
    directives = [d.strip() for d in raw.split(b",") if d.strip()]
    kept = [
        d
        for d in directives
        if d.split(b"=")[0].lower() not in (b"public", b"s-maxage", b"private")
    ]
    if any(d.lower() == b"no-store" for d in kept):
        value = b", ".join(kept)
    else:
        value = b", ".join([b"private", *kept])
    return [*without(headers, b"cache-control"), (b"cache-control", value)]
