"""The ``<meta>`` charset a browser honours, found as Chromium and Firefox find it.

Neither runs the WHATWG prescan. Both tokenize the page as HTML (a ``<meta>`` in a comment, an
attribute value, a ``<script>``, ``<style>``, ``<title>`` or ``<textarea>`` is none) and honour
the first ``<meta charset>`` or ``http-equiv`` Content-Type pragma that starts in the first 1024
bytes, or later while the head goes on: comments and head elements only so far, however long
(Chromium 156 honours one after a megabyte of comment or inline script). What ends the head
differs a little: for Chromium any tag but ``script noscript style link meta object title base
html head`` (text does not), for Firefox's tree builder also text and ``<object>`` but not a
stray end tag; Firefox reads ``<noscript>`` as text and drops a ``<meta>`` in a ``<select>``. So
the scan runs as each, and their answer is kept only where they agree.

No byte past :data:`SCAN_BYTES` is looked at, in one pass each (the tokenizer's states with
``bytes.find`` and regular expressions that never backtrack). Where the answer is not sure (the
head still going at the bound, the two browsers differing, a ``<meta>`` they both ignore naming
another charset, which the HTML standard would still honour) :class:`PageRefused` says why.
"""

from __future__ import annotations

import html
import re
from typing import NoReturn

from omotenashi.engine.labels import encoding_for
from omotenashi.errors import PageRefused

PRESCAN_BYTES = 1024  # a <meta> that starts in these bytes is honoured wherever it is
SCAN_BYTES = 64 * 1024  # no byte past these is looked at
_SPACE = b"\t\n\x0c\r "
_SPACE_SLASH = _SPACE + b"/"
_VALUE_END = _SPACE + b">"
_META_END = frozenset(bytes([c]) for c in _SPACE_SLASH)  # what may follow "<meta"
_NAME_END = re.compile(rb"[\t\n\x0c\r />]")
_NOT_SPACE = re.compile(rb"[^\t\n\x0c\r ]")
_COMMENT_END = re.compile(rb"--!?>")
# A tag after its name: attributes (a quoted value may hold ">") up to the ">" that ends it;
# atomic groups and possessive repeats, so a tag that never ends costs one pass, not more.
_TAG_REST = re.compile(
    rb"(?>[\t\n\x0c\r /]++|[^\t\n\x0c\r />][^\t\n\x0c\r /=>]*+(?>[\t\n\x0c\r ]*+"
    rb"(?:=[\t\n\x0c\r ]*+(?:\"[^\"]*+\"|'[^']*+'|[^\t\n\x0c\r >\"'][^\t\n\x0c\r >]*+|(?=>))"
    rb"|(?!=))))*+>"
)
_SCRIPT_MARK = re.compile(rb"<!--|-->|</script[\t\n\x0c\r />]|<script[\t\n\x0c\r />]")
_RAWTEXT = (b"style", b"xmp", b"iframe", b"noembed", b"noframes", b"title", b"textarea")
_END_TAG = {name: re.compile(rb"</" + name + rb"[\t\n\x0c\r />]") for name in _RAWTEXT}
_END_TAG[b"noscript"] = re.compile(rb"</noscript[\t\n\x0c\r />]")
_TEXT_ONLY = frozenset((*_END_TAG, b"script", b"plaintext"))
_CHROMIUM_HEAD = frozenset(
    (b"script", b"noscript", b"style", b"link", b"meta", b"object", b"title", b"base")
)
_CHROMIUM_HEAD_START = _CHROMIUM_HEAD | {b"html", b"head"}
_FIREFOX_HEAD = frozenset(
    (b"base", b"basefont", b"bgsound", b"link", b"meta", b"title")
    + (b"noscript", b"noframes", b"style", b"script", b"html", b"head")
)
_FIREFOX_HEAD_ENDS = frozenset((b"head", b"body", b"html", b"br"))
_DIFFER = "browsers may read the page's <meta> charset differently"


def meta_charset(data: bytes) -> str | None:
    """The WHATWG encoding of the ``<meta>`` browsers honour in ``data``, None when they honour
    none; :class:`PageRefused` when that is not sure from the first :data:`SCAN_BYTES`."""
    head = data[:SCAN_BYTES]
    lower = head.lower()  # ASCII only, as the tokenizer lower-cases names
    whole = len(data) <= SCAN_BYTES
    if whole and b"<meta" not in lower:
        return None
    chromium, chromium_stop = _Scan(head, lower, whole, firefox=False).run()
    scan = _Scan(head, lower, whole, firefox=True)
    firefox, firefox_stop = scan.run()
    if chromium != firefox and {chromium, firefox} != {"utf-8", None}:
        raise PageRefused(_DIFFER, chromium or firefox)  # (UTF-8 or none: UTF-8, said so)
    if scan.unsure >= 0:  # Firefox reads <svg> content otherwise from here: a <meta> after
        late = _late_meta(head, lower, scan.unsure)  # it naming another charset is not sure
        if late is not None:
            raise PageRefused(_DIFFER, late)
    if chromium is None or firefox is None:
        late = _late_meta(head, lower, max(chromium_stop, firefox_stop))
        if late is not None:
            raise PageRefused("a <meta> past where browsers look names another charset", late)
        return None
    return chromium


class _Done(Exception):
    """The scan is over: the encoding found (or None) and where it stopped."""

    def __init__(self, found: str | None, stop: int) -> None:
        self.found = found
        self.stop = stop


class _Scan:
    """One browser's look for its ``<meta>``: Chromium's, or Firefox's (``firefox``)."""

    def __init__(self, head: bytes, lower: bytes, whole: bool, firefox: bool) -> None:
        self.head = head
        self.lower = lower
        self.end = len(head)
        self.whole = whole  # the page ends here (else the bound does)
        self.firefox = firefox
        self.in_head = True
        self.foreign = 0  # <svg> and <math> open: Firefox tokenizes their content otherwise
        self.drops_meta = False  # in <select>, <frameset> or <template> (Firefox's tree builder)
        self.unsure = -1  # from here Firefox tokenizes <svg>/<math> content otherwise than read

    def run(self) -> tuple[str | None, int]:
        try:
            self._tokens()
        except _Done as done:
            return done.found, done.stop

    def _tokens(self) -> NoReturn:
        head, end = self.head, self.end
        text = look = 0  # text runs from the end of the last token
        while True:
            lt = head.find(b"<", look)
            if lt < 0 or lt + 2 >= end:  # no token starts before the end
                last = end if lt < 0 or (self.whole and lt + 1 >= end) else lt
                self._text(text, last)
                self._cut(self.in_head)
            after = head[lt + 1 : lt + 2]
            if after == b"/" and head[lt + 2 : lt + 3].isalpha() or after.isalpha():
                self._text(text, lt)
                if not self.in_head and lt >= PRESCAN_BYTES:
                    raise _Done(None, lt)
                text = look = self._end_tag(lt) if after == b"/" else self._start_tag(lt)
                continue
            if after not in (b"!", b"?", b"/"):  # "<" and not a tag: text
                look = lt + 1
                continue
            if head.startswith(b"<!--", lt):
                close = _comment_end(head, lt)
            elif head.startswith(b"</>", lt):  # nothing at all
                close = lt + 3
            else:  # a doctype or a bogus comment ("<?", "<!x", "</0"): up to the next ">"
                if self.foreign and head.startswith(b"<![CDATA[", lt) and self.unsure < 0:
                    self.unsure = lt  # text for Firefox in <svg>
                close = head.find(b">", lt + 2)
                close = close + 1 if close >= 0 else -1
            self._text(text, lt)
            if not self.in_head and lt >= PRESCAN_BYTES:
                raise _Done(None, lt)
            if close < 0:  # it runs past the end
                self._cut(self.in_head)
            text = look = close

    def _text(self, start: int, stop: int) -> None:
        if self.firefox and self.in_head and _NOT_SPACE.search(self.head, start, stop):
            self.in_head = False  # text that is not white space ends Firefox's head

    def _cut(self, in_head: bool) -> NoReturn:
        """The bytes end (inside a token, or between two): at the page's end no token follows;
        at the bound, one that still could be in the head may be followed by a <meta>."""
        if in_head and not self.whole:
            raise PageRefused(
                "the page's <head> goes on past the bytes searched for its <meta> charset",
                SCAN_BYTES,
            )
        raise _Done(None, self.end)

    def _start_tag(self, lt: int) -> int:
        head = self.head
        name_end = _NAME_END.search(head, lt + 1)
        if name_end is None:
            self._cut(True)
        name = self.lower[lt + 1 : name_end.start()]
        tag = _TAG_REST.match(head, name_end.start())
        if tag is None:  # the tag runs past the end
            if name == b"meta":
                self._cut(True)
            self._enter(name, False, lt)
            self._cut(self.in_head)
        close = tag.end()
        if name == b"meta":
            found = _meta(head, self.lower, name_end.start(), close)
            if found is not None:
                if self.firefox and self.drops_meta:
                    raise PageRefused(_DIFFER, found)
                raise _Done(found, close)
        self._enter(name, head[close - 2] == 0x2F, lt)
        if name not in _TEXT_ONLY or (name == b"noscript" and not self.firefox):
            return close
        if name == b"plaintext":  # no tag after it
            raise _Done(None, self.end)
        if name == b"script":
            stop = _script_end(self.lower, close)
        else:
            found_end = _END_TAG[name].search(self.lower, close)
            stop = found_end.start() if found_end else -1
        if stop < 0:
            self._cut(self.in_head)
        if not self.in_head and stop >= PRESCAN_BYTES:
            raise _Done(None, stop)
        return self._end_tag(stop)

    def _end_tag(self, lt: int) -> int:
        name_end = _NAME_END.search(self.head, lt + 2)
        if name_end is None:
            self._cut(True)
        name = self.lower[lt + 2 : name_end.start()]
        if not self.firefox:
            self.in_head = self.in_head and name in _CHROMIUM_HEAD
        elif name in _FIREFOX_HEAD_ENDS:
            self.in_head = False
        elif name in (b"svg", b"math"):
            self.foreign = max(0, self.foreign - 1)
        elif name in (b"select", b"template"):
            self.drops_meta = False
        tag = _TAG_REST.match(self.head, name_end.start())
        if tag is None:
            self._cut(self.in_head)
        return tag.end()

    def _enter(self, name: bytes, self_closing: bool, at: int) -> None:
        """A start tag's effect on the head, and on how Firefox reads what follows."""
        if not self.firefox:
            self.in_head = self.in_head and name in _CHROMIUM_HEAD_START
            return
        self.in_head = self.in_head and name in _FIREFOX_HEAD
        if self.foreign and name in _TEXT_ONLY and self.unsure < 0:
            self.unsure = at  # in <svg> not text for Firefox: what follows is read otherwise
        if name in (b"svg", b"math") and not self_closing:
            self.foreign += 1
        elif name in (b"select", b"frameset", b"template"):
            self.drops_meta = True


def _comment_end(head: bytes, lt: int) -> int:
    """The end of the comment "<!--" at ``lt`` opens, or -1: "-->" or "--!>" closes it, and so do
    "<!-->" and "<!--->" at once."""
    if head.startswith(b">", lt + 4):
        return lt + 5
    if head.startswith(b"->", lt + 4):
        return lt + 6
    close = _COMMENT_END.search(head, lt + 4)
    return close.end() if close else -1


def _script_end(lower: bytes, pos: int) -> int:
    """Where the ``</script>`` that ends a script's text starts, or -1: HTML's script data states,
    where "<!--" escapes and a "<script>" inside the escape hides the next "</script>"."""
    state = 0  # script data, escaped, double escaped
    while True:
        mark = _SCRIPT_MARK.search(lower, pos)
        if mark is None:
            return -1
        pos = mark.end()
        if mark.group() == b"<!--":
            if state:
                pos = mark.start() + 2  # its dashes may end the escape: "<!-->"
                continue
            while lower.startswith(b"-", pos):
                pos += 1
            if lower.startswith(b">", pos):
                pos += 1  # "<!-->" and "<!--->" escape nothing
            else:
                state = 1
        elif mark.group() == b"-->":
            state = 0
        elif mark.group().startswith(b"</"):
            if state < 2:
                return mark.start()
            state = 1
        elif state == 1:
            state = 2


def _late_meta(head: bytes, lower: bytes, pos: int) -> str | None:
    """The first charset other than UTF-8 a ``<meta>`` from ``pos`` on names, where no browser
    looks any more (one in a script or a comment counts too: a refusal, not a guess)."""
    while True:
        at = lower.find(b"<meta", pos)
        if at < 0 or head[at + 5 : at + 6] not in _META_END:
            if at < 0:
                return None
            pos = at + 5
            continue
        tag = _TAG_REST.match(head, at + 5)
        if tag is None:
            return None
        found = _meta(head, lower, at + 5, tag.end())
        if found not in (None, "utf-8"):
            return found
        pos = tag.end()


def _meta(head: bytes, lower: bytes, pos: int, end: int) -> str | None:
    """The encoding a ``<meta>``'s attributes (from ``pos`` to its ">" at ``end``) declare. A
    character reference in one that matters makes it unsure (browsers decode them; the WHATWG
    prescan does not)."""
    attributes: dict[bytes, bytes] = {}
    while True:
        pos, name, value = _attribute(head, lower, pos, end)
        if name is None:
            break
        attributes.setdefault(name, value)  # the first of a name wins
    found = _declared(attributes, False)
    if any(b"&" in attributes.get(n, b"") for n in (b"charset", b"content", b"http-equiv")):
        if _declared(attributes, True) != found:
            raise PageRefused(_DIFFER, found)
    return found


def _declared(attributes: dict[bytes, bytes], unescape: bool) -> str | None:
    """HTML's reading of a ``<meta>``'s attributes, in their order: a ``charset``, or a
    ``content`` pragma with ``http-equiv="content-type"``."""
    got_pragma = False
    need_pragma: bool | None = None
    charset: str | None = None  # "" when a charset attribute names no known encoding
    for name, raw in attributes.items():
        value = raw.decode("latin-1")
        value = (html.unescape(value) if unescape else value).lower()
        if name == b"http-equiv":
            got_pragma = value == "content-type"
        elif name == b"content" and charset is None:
            found = _from_content(value)
            if found is not None:
                charset, need_pragma = found, True
        elif name == b"charset":
            charset, need_pragma = encoding_for(value) or "", False
    if need_pragma is None or (need_pragma and not got_pragma) or not charset:
        return None
    if charset in ("utf-16be", "utf-16le"):  # a page that says so in ASCII is not UTF-16
        return "utf-8"
    return "windows-1252" if charset == "x-user-defined" else charset


def _attribute(head: bytes, lower: bytes, pos: int, end: int) -> tuple[int, bytes | None, bytes]:
    """HTML's "get an attribute" in a tag that ends at ``end``: (position after it, lower-cased
    name, value as written); the name is None at the tag's ``>``."""
    while pos < end and head[pos] in _SPACE_SLASH:
        pos += 1
    if pos >= end or head[pos] == 0x3E:
        return pos, None, b""
    start = pos
    pos += 1  # the first byte is part of the name, even an "="
    while pos < end and head[pos] not in b"\t\n\x0c\r =/>":
        pos += 1
    name = lower[start:pos]
    while pos < end and head[pos] in _SPACE:
        pos += 1
    if pos >= end or head[pos] != 0x3D:  # no value
        return pos, name, b""
    pos += 1
    while pos < end and head[pos] in _SPACE:
        pos += 1
    if pos < end and head[pos] in b"\"'":
        close = head.find(head[pos : pos + 1], pos + 1, end)
        if close < 0:  # not in a tag that ends (the caller's tags do)
            return end, None, b""
        return close + 1, name, head[pos + 1 : close]
    start = pos
    while pos < end and head[pos] not in _VALUE_END:
        pos += 1
    return pos, name, head[start:pos]


def _from_content(content: str) -> str | None:
    """HTML's "extract a character encoding from a meta element" on a content attribute."""
    pos = 0
    while True:
        found = content.find("charset", pos)
        if found < 0:
            return None
        pos = found + 7
        while pos < len(content) and content[pos] in "\t\n\x0c\r ":
            pos += 1
        if pos < len(content) and content[pos] == "=":
            break
    pos += 1
    while pos < len(content) and content[pos] in "\t\n\x0c\r ":
        pos += 1
    if pos >= len(content):
        return None
    if content[pos] in "\"'":
        close = content.find(content[pos], pos + 1)
        return encoding_for(content[pos + 1 : close]) if close >= 0 else None
    stop = pos
    while stop < len(content) and content[stop] not in "\t\n\x0c\r ;":
        stop += 1
    return encoding_for(content[pos:stop])
