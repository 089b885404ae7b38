"""Path and URL globs (``fnmatch`` syntax, case-sensitive) compiled once into one regular
expression."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from fnmatch import translate
from urllib.parse import urlsplit, urlunsplit


def matcher(globs: Iterable[str]) -> Callable[[str], bool]:
    """``fnmatchcase(text, g) for any g in globs``, as one compiled test (False for none)."""
    patterns = [translate(glob) for glob in dict.fromkeys(globs)]
    if not patterns:
        return lambda text: False
    match = re.compile("|".join(f"(?:{p})" for p in patterns)).match
    return lambda text: match(text) is not None


def url_matcher(globs: Iterable[str]) -> Callable[[str], bool]:
    """:func:`matcher` for URLs from browsers (a ``referrer`` glob): a host with international
    labels comes as punycode (``xn--bcher-kva.de``), and editors write it as they read it
    (``*bücher.de*``), so such a URL is tried in both forms."""
    match = matcher(globs)
    return lambda url: match(url) or ("xn--" in url and match(unicode_host(url)))


def unicode_host(url: str) -> str:
    """``url`` with its host's punycode labels as Unicode (``url`` itself when it has none, or
    they are not valid punycode)."""
    try:
        parts = urlsplit(url)
        userinfo, at, hostport = parts.netloc.rpartition("@")
        host, colon, port = hostport.partition(":")
        if "xn--" not in host.lower() or host.startswith("["):
            return url
        named = host.encode("ascii").decode("idna")
    except (UnicodeError, ValueError):  # not ASCII, not punycode, a malformed URL
        return url
    return urlunsplit(parts._replace(netloc=f"{userinfo}{at}{named}{colon}{port}"))
