"""Path and URL globs (``fnmatch`` syntax, case-sensitive) compiled once into one regular
expression."""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable, Iterable
from fnmatch import translate
from functools import lru_cache
from urllib.parse import urlsplit, urlunsplit

# The tests made, by their globs, while a rule set holds them: a rule's condition, its
# sentences (one glob each) and the rule index ask for the same ones (rules61: each distinct
# glob was compiled three times as rules loaded), and a reload for those the running set has
_MADE: weakref.WeakValueDictionary[tuple[str, ...], Callable[[str], bool]] = (
    weakref.WeakValueDictionary()
)


def matcher(globs: Iterable[str]) -> Callable[[str], bool]:
    """``fnmatchcase(text, g) for any g in globs``, as one compiled test (False for none)."""
    key = tuple(dict.fromkeys(globs))
    made = _MADE.get(key)
    if made is None:
        made = _MADE[key] = _compiled(key)
    return made


def _compiled(globs: tuple[str, ...]) -> Callable[[str], bool]:
    """One test for ``globs``: a glob without ``*?[`` is a text to equal; one whose only such
    characters are a ``*`` at its end, its start or both, a beginning, an end or a part
    (``/tours/*``, ``*.pdf``, ``*google.*``: most globs), tested without a regular expression
    (none to compile as 10,000 rules load); any other, one expression for them all."""
    kinds: tuple[list[str], list[str], list[str], list[str]] = ([], [], [], [])
    others: list[str] = []
    for glob in globs:
        head, tail = glob[:1] == "*", glob[-1:] == "*" and len(glob) > 1
        inner = glob[head : len(glob) - tail]
        if _SPECIAL.search(inner) is None:
            kinds[head * 2 + tail].append(inner)  # (equal, begins, ends, holds)
        else:
            others.append(glob)
    equal, begins, ends, holds = frozenset(kinds[0]), *map(tuple, kinds[1:])
    tests: list[Callable[[str], bool]] = [equal.__contains__] if equal else []
    tests += [lambda text: text.startswith(begins)] if begins else []
    tests += [lambda text: text.endswith(ends)] if ends else []
    tests += [lambda text: any(part in text for part in holds)] if holds else []
    if others:
        match = re.compile("|".join(f"(?:{translate(glob)})" for glob in others)).match
        tests.append(lambda text: match(text) is not None)
    if len(tests) == 1:
        return tests[0]
    return lambda text: any(test(text) for test in tests)


_SPECIAL = re.compile(r"[*?\[]")  # what fnmatch reads as other than itself


def url_matcher(globs: Iterable[str]) -> Callable[[str], bool]:
    """:func:`matcher` for URLs from browsers (a ``referrer`` glob): a host with international
    labels comes as punycode (``xn--bcher-kva.de``), and editors write it as they read it
    (``*bücher.de*``), so such a URL is tried in both forms."""
    match = matcher(globs)
    return lambda url: match(url) or ("xn--" in url and match(unicode_host(url)))


@lru_cache(maxsize=64)  # (every referrer rule of a page asks for the same: dos64)
def unicode_host(url: str) -> str:
    """``url`` with its host's punycode labels as Unicode (``url`` itself when it has none, or
    they are not valid punycode, or the host is longer than a DNS name can be: 253
    characters; a 3.9 KB one of 280 labels took 9 ms to decode, for each rule: dos64)."""
    try:
        parts = urlsplit(url)
        userinfo, at, hostport = parts.netloc.rpartition("@")
        host, colon, port = hostport.partition(":")
        if "xn--" not in host.lower() or host.startswith("[") or len(host) > 253:
            return url
        named = host.encode("ascii").decode("idna")
    except (UnicodeError, ValueError):  # not ASCII, not punycode, a malformed URL
        return url
    return urlunsplit(parts._replace(netloc=f"{userinfo}{at}{named}{colon}{port}"))
