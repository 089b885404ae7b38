"""The WHATWG tokenizer, where it matters for finding elements, as C-speed regular expressions.

One :data:`TOKEN` search finds the next piece of markup (start tag, end tag, comment, doctype,
bogus comment, CDATA opener); text is whatever lies between. Raw text (script, style, textarea
...) is skipped by :func:`raw_text_end`. Attributes are read from a tag's text by :func:`attrs`,
following the attribute states of the tokenizer (any quoting, names starting with ``=``, a
``/`` that belongs to an unquoted value). Every pattern is possessive or a plain scan, so no
input makes them backtrack.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from html.entities import html5 as _NAMED

from .roles import names_control

_WS = r"\t\n\f\r "
_WS_CHARS = "\t\n\f\r "
# The attribute part of a tag: separators and attributes, exactly as the tokenizer reads them.
ATTRS = _ATTRS = (
    rf"(?:[{_WS}/]++|[^{_WS}/>][^{_WS}/>=]*+"
    rf"(?:[{_WS}]*+=[{_WS}]*+(?:\"[^\"]*+\"|'[^']*+'|[^{_WS}>]*+))?)*+"
)
TOKEN = re.compile(
    r"<(?:"
    rf"([A-Za-z][^{_WS}/>]*+){_ATTRS}>"  # 1: start tag
    rf"|/([A-Za-z][^{_WS}/>]*+){_ATTRS}>"  # 2: end tag
    r"|!--(?:-?>|[\s\S]*?--!?>|[\s\S]*)"  # comment, possibly running to the end
    r"|(!\[CDATA\[)"  # 3: CDATA (foreign content) or a bogus comment
    r"|(![Dd][Oo][Cc][Tt][Yy][Pp][Ee])[^>]*+>?"  # 4: doctype
    r"|[!?][^>]*+>?"  # bogus comment
    r"|/>"  # </> is ignored
    r"|/[^A-Za-z>][^>]*+>?"  # bogus comment
    r"|/?(?=[A-Za-z])()"  # 5: a tag that runs to the end of the input (dropped, scan ends)
    r")"
)
ATTR = re.compile(
    rf"[{_WS}/]*+([^{_WS}/>][^{_WS}/>=]*+)"
    rf"(?:([{_WS}]*+=[{_WS}]*+)(?:\"([^\"]*+)\"|'([^']*+)'|([^{_WS}>]*+)))?"
)
NONWS = re.compile(rf"[^{_WS}]")
BOGUS_END = re.compile(r">")
CDATA_END = re.compile(r"]]>")
_DOCTYPE = re.compile(
    rf"<!doctype[{_WS}]*+([^{_WS}>]*+)[{_WS}]*+"
    rf"(?:(public|system)[{_WS}]*+(?:\"([^\"]*)\"?|'([^']*)'?)?[{_WS}]*+"
    rf"(?:\"([^\"]*)\"?|'([^']*)'?)?)?",
    re.I,
)
_REF = re.compile(r"&(#[0-9]+;?|#[xX][0-9A-Fa-f]+;?|[A-Za-z][A-Za-z0-9]*;?)")

RAWTEXT = frozenset("style xmp iframe noembed noframes noscript".split())
RCDATA = frozenset(("textarea", "title"))
_END_CACHE: dict[str, re.Pattern[str]] = {}  # no lock: one get or set at a time, same value
# Script data: the escaped (<!--) and double-escaped (<!--<script>) states of the tokenizer.
_SCRIPT_DATA = re.compile(rf"<!--|</script[{_WS}/>]", re.I)
_SCRIPT_ESCAPED = re.compile(rf"-->|</script[{_WS}/>]|<script[{_WS}/>]", re.I)
_SCRIPT_DOUBLE = re.compile(rf"-->|</script[{_WS}/>]", re.I)


def positions(page: str, slot: str, opt_out: str) -> tuple[list[int], list[int]]:
    """Where tags whose attributes the scanner reads may be, case aside: each ``slot`` and
    each name ``hidden``, ``style``, ``inert``, ``aria-hidden`` or ``role`` where an attribute's
    name may be (a ``style`` only where
    its tag has the words it could hide with: hides.py; one list, in page order), and each
    ``opt_out``. One lowered copy of the page and C-speed searches in it (regular expressions
    where lowering changes the length: a "İ" in the page)."""
    low = page.lower()
    lowered = len(low) == len(page)

    def each(needle: str) -> list[int]:
        if not needle:
            return []
        if not lowered:
            return [m.start() for m in re.finditer(re.escape(needle), page, re.I)]
        needle = needle.lower()
        out, find, step = [], low.find, len(needle)
        at = find(needle)
        while at >= 0:
            out.append(at)
            at = find(needle, at + step)
        return out

    hidden = each("hidden")
    hides = [  # (after what ends a tag's name or an attribute; before what ends a name)
        at for at in hidden if at and page[at - 1] in _BEFORE and page[at + 6 : at + 7] in _AFTER
    ]
    styles = [  # (a style attribute whose tag has a word it may hide with: hides.py)
        at
        for at in each("style")
        if at and page[at - 1] in _BEFORE and page[at + 5 : at + 6] in _VALUED
    ]
    if styles and lowered:
        styles = _may_hide(low, styles)
    unusable = (
        [  # inert, aria-hidden: no "i" inside (core.py; html62)
            at
            for at in each("inert")
            if at and page[at - 1] in _BEFORE and page[at + 5 : at + 6] in _AFTER
        ]
        + [  # (aria-hidden found as "hidden": no scan of its own)
            at - 5
            for at in hidden
            if at > 5
            and page[at - 5 : at].lower() == "aria-"
            and page[at - 6] in _BEFORE
            and page[at + 6 : at + 7] in _AFTER
        ]
    )
    unusable += [  # role: none inside one naming a control either (hides.py; a11y68)
        at
        for at in each("role")
        if at
        and page[at - 1] in _BEFORE
        and page[at + 4 : at + 5] in _AFTER
        and names_control(page, at)
    ]
    marks = each(slot)
    if hides or styles or unusable:
        return sorted(marks + hides + styles + unusable), each(opt_out)  # (sorted runs)
    return marks, each(opt_out)


_BEFORE, _AFTER, _VALUED = "\t\n\f\r /\"'", "\t\n\f\r /=>", "\t\n\f\r ="


def _may_hide(low: str, styles: list[int]) -> list[int]:
    """The ``styles`` (in order) whose value (where the tokenizer ends it: a quote's match, or
    whitespace or ``>`` unquoted; a bare name has none) has "display" and "none", or "hidden"
    (content-visibility), or an escape or a character reference (the words may be written in
    them). Each word's and each end's next one is looked for only once the last found is behind
    (linear, however many per tag)."""
    out: list[int] = []
    far = len(low)  # (not found: after every index)
    find = low.find
    ends = {'"': -1, "'": -1}  # the next of each quote: where a value so quoted ends
    bare = -1  # the next whitespace or '>': where an unquoted value ends
    words = dict.fromkeys(("display", "none", "hidden", "\\", "&"), -1)
    for at in styles:
        start = at + 6
        if low[at + 5 : start] != "=" or low[start : start + 1] in _SPACE:
            eq = _EQUALS.match(low, at + 5)
            if eq is None:
                continue  # (a bare ``style``: no value)
            start = eq.end()
        quote = low[start : start + 1]
        if quote in ends:
            start += 1
            end = ends[quote]
            if end < start:
                end = find(quote, start)
                end = ends[quote] = far if end < 0 else end
        else:
            if bare < start:
                m = _BARE_END.search(low, start)
                bare = far if m is None else m.start()
            end = bare
        if end == far:
            out.append(at)
            continue
        for word, was in words.items():  # (in order: "display" alone is not enough)
            if was < start:
                was = find(word, start)
                words[word] = far if was < 0 else was
            if was < end and word != "display" and (word != "none" or words["display"] < end):
                out.append(at)
                break
    return out


_SPACE = frozenset(_WS_CHARS)
_EQUALS = re.compile(rf"[{_WS}]*+=[{_WS}]*+")
_BARE_END = re.compile(rf"[{_WS}>]")


@dataclass(frozen=True, slots=True)
class Attr:
    """One attribute of a start tag: lower-case name, decoded value, span in the page."""

    name: str
    value: str
    start: int
    end: int
    quoted: bool = True  # False for an unquoted value or a bare name


def attrs(page: str, name_end: int, tag_end: int) -> tuple[Attr, ...]:
    """The attributes between a tag's name (``name_end``) and its ``>`` (``tag_end`` - 1).

    Duplicates keep the first, as the tokenizer does.
    """
    out: list[Attr] = []
    seen: set[str] = set()
    limit = tag_end - 1
    for m in _each_attr(page, name_end, limit):
        name = m.group(1).lower()
        if name in seen:
            continue
        seen.add(name)
        if m.group(2) is None:
            out.append(Attr(name, "", m.start(1), m.end(1), False))
            continue
        raw = m.group(3)
        quoted = True
        if raw is None:
            raw = m.group(4)
        if raw is None:
            raw, quoted = m.group(5), False
        out.append(Attr(name, decode_attr(raw), m.start(1), m.end(), quoted))
    return tuple(out)


def _each_attr(page: str, pos: int, limit: int) -> Iterator[re.Match[str]]:
    """Each attribute from ``pos``, one after the other: a search (``finditer``) would try
    again at every position of a run of separators before ``>``, which is quadratic."""
    while (m := ATTR.match(page, pos, limit)) is not None:
        yield m
        pos = m.end()


def self_closing(page: str, lt: int, tag_end: int) -> bool:
    """Whether the tag ending at ``tag_end`` is self-closing (``/>`` not part of a value)."""
    if tag_end - lt < 3 or page[tag_end - 2] != "/":
        return False
    last = None
    for m in _each_attr(page, lt + 1, tag_end - 1):
        last = m
    return not (last is not None and last.group(5) is not None and last.end() == tag_end - 1)


def open_value(page: str, lt: int, tag_end: int) -> int:
    """Where the tag's last attribute starts when it is ``name=`` with no value before ``>``
    (``class=>``, ``alt= >``): the tokenizer still waits for its value there, so whatever is
    written before ``>`` would be that value (html66); else -1."""
    last = None
    for m in _each_attr(page, lt + 1, tag_end - 1):
        last = m
    if last is None or last.group(2) is None or last.group(5) != "":
        return -1
    return last.start(1)


def decode_attr(value: str) -> str:
    """An attribute value with character references decoded as the tokenizer does in attributes:
    a named one only when its whole name is one (``&notx``, ``&copy2`` and ``&notit;`` stay as
    written: in an attribute a legacy name followed by a letter or digit is not a reference),
    and a legacy one without ``;`` not before ``=`` or a letter or digit; NUL is U+FFFD."""
    if "\0" in value:
        value = value.replace("\0", "\ufffd")
    if "&" not in value:
        return value

    def one(m: re.Match[str]) -> str:
        ref = m.group(0)
        if ref.startswith("&#"):
            return html.unescape(ref)
        if ref[1:] not in _NAMED:
            return ref
        nxt = value[m.end() : m.end() + 1]
        if not ref.endswith(";") and (nxt == "=" or nxt.isalnum()):
            return ref
        return html.unescape(ref)

    return _REF.sub(one, value)


def end_tag_pattern(tag: str) -> re.Pattern[str]:
    pat = _END_CACHE.get(tag)
    if pat is None:
        pat = _END_CACHE[tag] = re.compile(rf"</{re.escape(tag)}[{_WS}/>]", re.I)
    return pat


def raw_text_end(page: str, tag: str, start: int) -> int:
    """Where the raw text of ``tag`` opened at ``start`` ends: its end tag's ``<``, or the end."""
    if tag != "script":
        m = end_tag_pattern(tag).search(page, start)
        return m.start() if m else len(page)
    i = start
    while True:
        m = _SCRIPT_DATA.search(page, i)
        if m is None:
            return len(page)
        if m.group(0)[1] == "/":
            return m.start()
        i = m.start() + 2  # escaped: '<!--' may close at once as '<!-->'
        while True:
            m = _SCRIPT_ESCAPED.search(page, i)
            if m is None:
                return len(page)
            text = m.group(0)
            if text == "-->":
                i = m.end()
                break
            if text[1] == "/":
                return m.start()
            m = _SCRIPT_DOUBLE.search(page, m.end() - 1)  # double escaped
            if m is None:
                return len(page)
            if m.group(0) == "-->":
                i = m.end()
                break
            i = m.end() - 1


QUIRKY_PREFIXES = tuple(
    p.lower()
    for p in (
        "+//Silmaril//dtd html Pro v0r11 19970101//",
        "-//AS//DTD HTML 3.0 asWedit + extensions//",
        "-//AdvaSoft Ltd//DTD HTML 3.0 asWedit + extensions//",
        "-//IETF//DTD HTML 2.0",
        "-//IETF//DTD HTML 2.1E//",
        "-//IETF//DTD HTML 3.0//",
        "-//IETF//DTD HTML 3.2",
        "-//IETF//DTD HTML Level",
        "-//IETF//DTD HTML Strict",
        "-//IETF//DTD HTML//",
        "-//Metrius//DTD Metrius Presentational//",
        "-//Microsoft//DTD Internet Explorer",
        "-//Netscape Comm. Corp.//DTD",
        "-//O'Reilly and Associates//DTD HTML",
        "-//SQ//DTD HTML 2.0 HoTMetaL + extensions//",
        "-//SoftQuad Software//DTD HoTMetaL PRO",
        "-//SoftQuad//DTD HoTMetaL PRO",
        "-//Spyglass//DTD HTML 2.0 Extended//",
        "-//Sun Microsystems Corp.//DTD HotJava HTML//",
        "-//Sun Microsystems Corp.//DTD HotJava Strict HTML//",
        "-//W3C//DTD HTML 3 1995-03-24//",
        "-//W3C//DTD HTML 3.2",
        "-//W3C//DTD HTML 4.0 Frameset//",
        "-//W3C//DTD HTML 4.0 Transitional//",
        "-//W3C//DTD HTML Experimental",
        "-//W3O//DTD W3 HTML",
        "-//WebTechs//DTD Mozilla HTML",
    )
)


def doctype_quirks(text: str) -> bool:
    """Whether a doctype token puts the document in quirks mode (limited quirks counts as no)."""
    m = _DOCTYPE.match(text)
    if m is None:
        return True
    name = m.group(1).lower()
    if name != "html":
        return True
    public = m.group(3) if m.group(3) is not None else m.group(4)
    system = m.group(5) if m.group(5) is not None else m.group(6)
    if m.group(2) and m.group(2).lower() == "system":
        public, system = None, public
    if not text.endswith(">") or (m.group(2) and public is None and system is None):
        return True  # the doctype runs to the end, or a keyword lacks its identifier
    pub = (public or "").lower()
    if pub in (
        "-//w3o//dtd w3 html strict 3.0//en//",
        "-/w3c/dtd html 4.0 transitional/en",
        "html",
    ):
        return True
    if (system or "").lower() == "http://www.ibm.com/data/dtd/v11/ibmxhtml1-transitional.dtd":
        return True
    if pub.startswith(QUIRKY_PREFIXES):
        return True
    frames = ("-//w3c//dtd html 4.01 frameset//", "-//w3c//dtd html 4.01 transitional//")
    return system is None and pub.startswith(frames)


def has_attr(html: str, lt: int, end: int, *names: str, type: str = "") -> bool:
    """Whether the start tag at ``lt`` has one of the attributes ``names`` (or, with ``type``,
    that type)."""
    found = {a.name: a.value for a in attrs(html, lt + 1, end)}
    if type:
        return found.get("type", "").lower() == type
    return any(name in found for name in names)


def quote_left_open(html: str, start: int, end: int) -> bool:
    """Whether an attribute value in ``html[start:end]`` (a tag's attributes, after its name)
    opens a quote it never closes: the tokenizer's pattern then reads it unquoted, up to the
    ``>``; a browser reads on, up to the next such quote (none: to the end of the input)."""
    for a in ATTR.finditer(html, start, end):
        value = a.group(5)
        if value and value[0] in "'\"":
            return True
    return False


def tag_name(html: str, lt: int) -> str:
    """The name of the tag that starts at ``lt`` (at most 30 characters)."""
    j = lt + 2 if html.startswith("</", lt) else lt + 1
    k = j
    while k < len(html) and k - j < 30 and not html[k].isspace() and html[k] not in "/>":
        k += 1
    return html[j:k].lower()
