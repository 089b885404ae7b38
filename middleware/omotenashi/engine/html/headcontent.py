"""Content for a ``<head>`` target: only what a browser keeps in the head (metadata elements,
white space and comments). Anything else ends the head there: a browser moves it, and all that
follows it on the page, into the ``<body>``."""

from __future__ import annotations

from .reasons import HEAD_CONTENT
from .tokens import NONWS, TOKEN, raw_text_end

_TEXT_INSIDE = frozenset(("noframes", "noscript", "script", "style", "title"))  # (scripting on)
HEAD_KEEPS = _TEXT_INSIDE | frozenset(("base", "basefont", "bgsound", "link", "meta"))


def head_problem(html: str) -> tuple[str, int, str] | None:
    """What in ``html`` a browser would move out of the head: the reason, where, the markup."""
    i = 0
    while (m := TOKEN.search(html, i)) is not None:
        lt = m.start()
        k = NONWS.search(html, i, lt)
        if k is not None:  # text
            return HEAD_CONTENT.format(what="text"), k.start(), html[k.start() : k.start() + 40]
        i = m.end()
        name = (m.group(1) or "").lower()
        if not name:
            continue  # an end tag (of an element kept) or a comment
        if name not in HEAD_KEEPS:
            return HEAD_CONTENT.format(what=f"<{name}>"), lt, m.group(0)[:60]
        if name in _TEXT_INSIDE:
            i = raw_text_end(html, name, i)
    k = NONWS.search(html, i)
    if k is None:
        return None
    return HEAD_CONTENT.format(what="text"), k.start(), html[k.start() : k.start() + 40]
