"""The values in our English sentences (items' titles, topics' and groups' names, a rule's
words) isolated from them as they are shown (bidi58): a Hebrew or Arabic title would
otherwise take the quotes, the "and" or the digits beside it into its own direction
("because you viewed “שלום עולם” and “Paris”" read with its quotes and words out of place).

Only at render time: the sentences kept with a profile stay as they were said (an old
profile reads the same, and nothing kept grows), so the values are found again in them by
the shapes our sentences have: what is between “ and ”, a suggestion's "Title: Because you
viewed Title", a topic's name in "you have looked at pages about …"; any right-to-left text
left outside those is isolated on its own. A value is isolated only when it holds a
right-to-left letter or a control that would reach past it: left-to-right text is written
byte for byte as it always was.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

from markupsafe import Markup

_ENDS = (".", "!", "?", "\u3002", "\uff01", "\uff1f", "\uff0e")  # and Japanese 。！？．

# Right-to-left letters (Hebrew, Arabic, Syriac, Thaana, N'Ko, Samaritan, Mandaic, their
# presentation forms, the right-to-left blocks beyond the BMP), the right-to-left mark, and
# the controls that embed, override or isolate (a value's own would reach past its end)
_RTL = re.compile(
    "[\u0590-\u08ff\u200f\u202a-\u202e\u2066-\u2069\ufb1d-\ufdff\ufe70-\ufefe"
    "\U00010800-\U00010fff\U0001e800-\U0001efff]"
)
_QUOTED = re.compile("“([^“”]*)”")
# A suggestion's line (engine/recommending.py ``_line``): "Title: reason", and the reasons
# that name an item or a topic (recommend/reasons.py)
_LINE = re.compile(
    ": (?=Because you have been looking at |Because you viewed |Often viewed with |"
    "Something different|Popular |You viewed this (?:recently|before)|From our selection)"
)
_SEED = re.compile("(?:Because you have been looking at |Because you viewed |Often viewed with )")
# A topic's name in an interest's sentences (engine/explain.py ``Interest``)
_TOPIC = re.compile(
    "(?:pages about |your recent interest in |read your interest in )"
    r"(.+?)(?= [\d.]+ or more times| is | as a number|$)",
    re.S,
)


def needs(text: str) -> bool:
    """Whether ``text`` holds what would reach past it beside our words (:data:`_RTL`)."""
    return _RTL.search(text) is not None


def sentence(text: str) -> str:
    """A reason as a sentence: a capital first, a full stop last (the notes, the panel and the
    preferences page all print reasons this way). A first word with a capital inside it, or
    whose first letter has no one-letter capital, is a name as written ("iPhone", "ßeta": a
    recommendation's line starts with the item's title), kept as it is (reco51)."""
    first = text[:1]
    upper = first.upper()
    if len(upper) != 1 or (text[1:2].isupper() and first.islower()):
        upper = first
    return upper + text[1:] + ("" if text.endswith(_ENDS) else ".")


def values(text: str) -> list[tuple[int, int]]:
    """Where the values are in one of our sentences (start, end), in order."""
    line = _LINE.search(text)
    if line is not None:  # "Title: Because you viewed Title"
        out = [(0, line.start())]
        seed = _SEED.match(text, line.end())
        return out + [(seed.end(), len(text))] if seed is not None else out
    found = [m.span(1) for m in _QUOTED.finditer(text)]
    found += [m.span(1) for m in _TOPIC.finditer(text)]
    found.sort()
    out = []
    for start, end in found:  # (a topic's name with quotes in it: one value)
        if not out or start >= out[-1][1]:
            out.append((start, end))
    return out


def _runs(text: str) -> list[tuple[int, int]]:
    """Right-to-left runs of ``text``: from a right-to-left character to the last one before a
    left-to-right letter (the digits and spaces between stay in the run)."""
    out: list[tuple[int, int]] = []
    start = end = -1
    for i, c in enumerate(text):
        if _RTL.match(c):
            start, end = (i if start < 0 else start), i + 1
        elif c.isalpha() and start >= 0:
            out.append((start, end))
            start = -1
    return out + [(start, end)] if start >= 0 else out


def _isolated(text: str, end: int) -> str:
    """``text`` as HTML, each value in it (of ``text[:end]``) that needs it in ``<bdi>``."""
    spans = [(s, e) for s, e in values(text[:end]) if _RTL.search(text, s, e)]
    spans += [(a + s, a + e) for a, b in _gaps(spans, end) for s, e in _runs(text[a:b])]
    spans.sort()
    out, at = [], 0
    for start, stop in spans:
        out += [html.escape(text[at:start]), "<bdi>", html.escape(text[start:stop]), "</bdi>"]
        at = stop
    return "".join(out) + html.escape(text[at:])


def _gaps(spans: list[tuple[int, int]], end: int) -> list[tuple[int, int]]:
    edges = [0] + [x for span in spans for x in span] + [end]
    return list(zip(edges[::2], edges[1::2], strict=True))


@lru_cache(maxsize=4096)  # the same few sentences again and again
def said(reason: str) -> str:
    """A reason as HTML, as a sentence (:func:`sentence`), its values in ``<bdi>``."""
    if not _RTL.search(reason):
        return html.escape(sentence(reason))
    return _isolated(sentence(reason), len(reason))


@lru_cache(maxsize=1024)
def isolated(text: str) -> str:
    """``text`` (one of our sentences, as it is) as HTML, its values in ``<bdi>``."""
    return _isolated(text, len(text)) if _RTL.search(text) else html.escape(text)


def value_html(value: str) -> str:
    """A value on its own in a sentence of ours, escaped, in ``<bdi>`` when it needs it."""
    return f"<bdi>{html.escape(value)}</bdi>" if _RTL.search(value) else html.escape(value)


def put_in(text: str, *values: object) -> str:
    """``text`` with its ``{}`` filled by ``values``, each right-to-left one in ``<bdi>``: as
    markup then (escaped; a ``markupsafe.Markup``, which a template prints as it is), else the
    plain text it always was."""
    if not any(_RTL.search(str(v)) for v in values):
        return text.format(*values)
    return Markup(text).format(*(Markup(value_html(str(v))) for v in values))
