"""Whether a place in a page is raw text: the content of ``script``, ``style``, ``xmp``,
``iframe``, ``noembed``, ``noframes``, ``noscript`` or ``plaintext`` (or a CDATA section), where
a browser reads no character reference: ``&#8594;`` there stays seven characters, in the
script's string or the style's ``content`` alike. A page whose charset cannot hold a character
inserted there is refused (engine/charset.py), not shown those seven characters."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence

from .tokens import CDATA_END, RAWTEXT, TOKEN, raw_text_end

RAW = RAWTEXT | {"script", "plaintext"}


def in_raw_text(page: str, positions: Sequence[int]) -> int | None:
    """The first of ``positions`` (indexes of ``page``, ascending) that lies in raw text."""
    if not positions:
        return None
    last, i, n = positions[-1], 0, len(page)
    while i <= last:
        m = TOKEN.search(page, i)
        if m is None:
            return None
        if m.group(5) is not None:  # a tag that runs to the end: the scan ends, as the scanner's
            return None
        i = m.end()
        name = m.group(1)
        if m.group(3) is not None:  # CDATA (in foreign content; else a bogus comment)
            found = CDATA_END.search(page, i)
            end = found.start() if found else n
        elif name is not None and (tag := name.lower()) in RAW:
            end = n if tag == "plaintext" else raw_text_end(page, tag, i)
        else:
            continue
        k = bisect_left(positions, i)
        if k < len(positions) and positions[k] < end:
            return positions[k]
        i = end
    return None


# What a <noscript> in the <head> holds, read as HTML (WHATWG "in head noscript"): whitespace,
# comments, <link>, <meta>, <basefont>, <bgsound>, <style> and <noframes> (their raw text)
_HEAD_NOSCRIPT = re.compile(
    r"(?:[\t\n\f\r ]++|<!--(?:>|->|(?:(?!--!?>)[\s\S])*+--!?>)"  # (--!> ends one: eye66)
    r"|<(?:link|meta|basefont|bgsound)(?:[\t\n\f\r /](?:[^>\"']++|\"[^\"]*+\"|'[^']*+')*+)?>"
    r"|<(style|noframes)(?:[\t\n\f\r /][^>]*+)?>(?:(?!</\1[\t\n\f\r />])[\s\S])*+"
    r"</\1[\t\n\f\r ]*+>)*+",
    re.I,
)


def head_noscript(html: str) -> bool:
    """Whether ``html`` is what a ``<noscript>`` in the head may hold, read without scripts."""
    return _HEAD_NOSCRIPT.fullmatch(html) is not None
