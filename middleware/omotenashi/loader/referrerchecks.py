"""``omotenashi check`` on URL and path globs that look right and never match what they are
matched against.

A ``referrer`` glob is matched against the whole URL a browser sends (``https://host/page``:
scheme and host in lower case, and at least ``/`` after the host); a ``first_referrer`` glob
against the first referrer's site alone (``https://host/``: engine/facts.py ``site_of``), so
one that names a page or a query, or ends without the ``/``, never matches. A ``path`` glob is
matched against the request's path, which never holds its query or its fragment.
"""

from __future__ import annotations

import re

from omotenashi.engine.facts import site_of

_WILD = ("*", "?", "[")
_ENDS = ("/", "*", "?", "]")  # a glob ending so may match a text ending in '/'
# Schemes whose URLs a browser writes with a lower-case host and at least "/" after it; any
# other (android-app://com.google.android.gm) keeps its host as written, and no "/"
_SPECIAL = frozenset(("http", "https", "ws", "wss", "ftp"))


_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]*")  # a bare word: a site's name (google, bing)


def referrer_problem(field: str, glob: str) -> tuple[str, str] | None:
    """(problem, hint) when the ``referrer`` or ``first_referrer`` (``field``) glob never
    matches a referrer as browsers send it and as it is kept; the hint is the glob that
    would."""
    first = field == "first_referrer"
    why: list[str] = []
    lead = "never matches"
    if not glob:
        return None
    if _NAME.fullmatch(glob):  # 'google': a site's name, not a URL (nor a host: no dot)
        site = f"https://www.{glob.lower()}.com/" + ("" if first else "*")
        return (
            f"{glob!r} never matches: a referrer is a whole URL, such as "
            f"'https://www.{glob.lower()}.com/{'' if first else 'search'}', not a site's name",
            f"write each of its sites you mean, e.g. {site!r} (a '*' in the host would match "
            "other sites' hosts too)",
        )
    scheme, sep, rest = glob.partition("://")
    if not sep:
        if glob.startswith(_WILD):  # '*google.com*': the scheme left to the '*'
            scheme, rest = "", glob
        else:
            why.append("a referrer is a whole URL, starting with its scheme")
            scheme, rest = "https", glob.removeprefix("//")
    host, slash, page = rest.partition("/")
    host = host.partition("#")[0]  # (a referrer never holds a fragment)
    special = scheme.lower() in _SPECIAL or any(c in scheme for c in _WILD) or not scheme
    lower = host.lower() if special else host
    if (scheme != scheme.lower() or host != lower) and "[" not in scheme + host:
        why.append("browsers send the scheme and the host in lower case")
        scheme, host = scheme.lower(), lower
    start = f"{scheme}://{host}" if scheme else host
    if first and page not in ("", "*"):
        why.append("it names a page, and the first referrer is kept as its site alone")
        fixed = f"{start}/"
    elif first and not glob.endswith(_ENDS):
        fixed = f"{start}/{page}" if slash else f"{start}/"
        why.append("the first referrer is kept as its site, ending in '/'")
    elif not first and scheme and special and not slash and not glob.endswith(("*", "?")):
        fixed = f"{start}/*"
        why.append("a referrer always has a path after its host, at least '/'")
        if any(c in glob for c in _WILD) and len(why) == 1:  # ('*' may take the path)
            lead = "matches only a referrer whose page ends so"
    else:
        fixed = f"{start}{slash}{page}"
    if not why:
        return None
    if first and not any(c in fixed for c in _WILD):  # the site as kept, written out
        why[-1] += f" ({site_of(fixed)!r})"
    return f"{glob!r} {lead}: {'; '.join(why)}", f"write {fixed!r}"


def path_query_problem(glob: str) -> tuple[str, str] | None:
    """(problem, hint) when a ``path`` glob names a query or a fragment, which a request's path
    never holds ('?' in a glob is any one character; the fragment never reaches the server; a
    ``[?]`` or ``[#]`` set is left alone: it matches an escaped one, ``%3F`` or ``%23``)."""
    hash_at, query_at = _outside_sets(glob, "#"), _outside_sets(glob, "?")
    path = glob if hash_at < 0 else glob[:hash_at]
    query = "" if query_at < 0 or 0 <= hash_at < query_at else path[query_at + 1 :]
    if "=" in query:
        key = query.partition("=")[0]
        key = key if key and not any(c in key for c in "*?[&") else "<name>"  # (a glob's own)
        return (
            f"{glob!r} names a query, which a path never holds ('?' matches any one character)",
            f"write the path {path[:query_at]!r} and the query as a condition:"
            f" query: {{{key}: ...}}",
        )
    if hash_at >= 0:
        return (
            f"{glob!r} names a fragment ('#...'), which browsers never send (a path holds '#'"
            " only where the link escapes it as '%23')",
            f"write {path!r}; '[#]' matches an escaped '#', '%23'",
        )
    return None


def _outside_sets(glob: str, char: str) -> int:
    """Where ``char`` first is in ``glob`` outside a ``[...]`` set, read as fnmatch reads one
    (a ``]`` right after ``[`` or ``[!`` is a member; a ``[`` with no ``]`` after it is itself,
    and so is every later one); -1: nowhere. One pass."""
    i, n, closable = 0, len(glob), True
    while i < n:
        c = glob[i]
        if c == "[" and closable:
            j = i + 1
            j += j < n and glob[j] == "!"
            j += j < n and glob[j] == "]"
            close = glob.find("]", j)
            if close >= 0:
                i = close + 1
                continue
            closable = False  # no ']' after this one: no later '[' opens a set either
        elif c == char:
            return i
        i += 1
    return -1
