"""Splice: find the marked slots in an HTML document and rewrite only those bytes.

A small scanner that follows the HTML5 tokenizer where it matters for finding
elements: comments, doctype and bogus comments, raw text (``<script>``,
``<style>`` ...), RCDATA (``<textarea>``, ``<title>``), quoted attribute values
containing ``>``, void elements, nested elements of the same name, and the
common implied end tags (``<p>`` closed by a block, ``<li>`` by the next
``<li>``). It never re-serialises the document: every byte outside a rewritten
slot is passed through as it was.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

VOID = frozenset(
    "area base br col embed hr img input link meta source track wbr param keygen basefont "
    "bgsound frame".split()
)
RAW_TEXT = frozenset("script style xmp iframe noembed noframes noscript textarea title".split())
FOREIGN = frozenset({"svg", "math"})
CLOSES_P = frozenset(
    "address article aside blockquote center details dialog dir div dl fieldset figcaption "
    "figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr main menu nav ol p pre section "
    "summary table ul listing plaintext search".split()
)
SCOPE_LIMITS = frozenset("html table td th caption marquee object applet template button".split())
_WS = " \t\n\f\r"
_TAG_END = _WS + "/>"
_ATTR_NAME_END = _WS + "/>="
_END_CACHE: dict[str, re.Pattern[str]] = {}


@dataclass
class Attr:
    name: str
    value: str | None
    start: int  # span of the whole attribute in the document
    end: int


@dataclass
class Slot:
    """One element carrying the slot attribute."""

    name: str
    tag: str
    start: int  # '<' of the start tag
    open_end: int  # just after the start tag's '>'
    attrs: list[Attr]
    close_start: int = -1  # where the content ends ('<' of the end tag, or an implied end)
    end: int = -1  # just after the end tag (== close_start when implied)
    void: bool = False
    opt_out: bool = False  # an element inside carries the opt-out attribute
    parent: Slot | None = None  # the enclosing slot, if any

    @property
    def content(self) -> tuple[int, int]:
        return self.open_end, self.close_start


@dataclass
class Edit:
    """What to do to one slot: new inner HTML, attributes to set, or both."""

    slot: Slot
    inner: str | None = None
    attrs: Mapping[str, str] = field(default_factory=dict)
    after: str = ""  # HTML to put just after the element


@dataclass
class _Open:
    tag: str
    slot: Slot | None


@lru_cache(maxsize=16)
def _marker(attribute: str) -> re.Pattern[str]:
    return re.compile(re.escape(attribute), re.I)


def _end_pattern(tag: str) -> re.Pattern[str]:
    pat = _END_CACHE.get(tag)
    if pat is None:
        pat = _END_CACHE[tag] = re.compile(r"</" + re.escape(tag) + r"[\t\n\f\r />]", re.I)
    return pat


def _read_tag(s: str, i: int, n: int) -> tuple[str, list[Attr], int, bool] | None:
    """Tag at ``s[i]`` (just after ``<`` or ``</``): name, attributes, end, self-closing."""
    j = i
    while j < n and s[j] not in _TAG_END:
        j += 1
    name = s[i:j].lower()
    attrs: list[Attr] = []
    while True:
        while j < n and s[j] in _WS + "/":
            j += 1
        if j >= n:
            return None
        if s[j] == ">":
            return name, attrs, j + 1, s[j - 1] == "/"
        k = j
        j += 1  # the first character of a name may be '='
        while j < n and s[j] not in _ATTR_NAME_END:
            j += 1
        attr_name = s[k:j].lower()
        p = j
        while p < n and s[p] in _WS:
            p += 1
        if p < n and s[p] == "=":
            p += 1
            while p < n and s[p] in _WS:
                p += 1
            if p >= n:
                return None
            quote = s[p]
            if quote in "\"'":
                e = s.find(quote, p + 1)
                if e < 0:
                    return None
                value: str | None = s[p + 1 : e]
                j = e + 1
            elif quote == ">":
                value, j = "", p
            else:
                q = p
                while q < n and s[q] not in _WS + ">":
                    q += 1
                value, j = s[p:q], q
            attrs.append(Attr(attr_name, value, k, j))
        else:
            attrs.append(Attr(attr_name, None, k, j))


_WSC = r"\t\n\f\r "
_ATTRS = (
    rf"(?>[{_WSC}/]++|[^{_WSC}/>][^{_WSC}/>=]*+"
    rf"(?>[{_WSC}]*+=[{_WSC}]*+(?>\"[^\"]*+\"|'[^']*+'|[^{_WSC}>]*+))?)*+"
)
# One token of markup per match, at C speed. Start and end tags that the fast alternatives
# cannot read (unclosed quotes and the like) match the empty look-ahead groups instead and
# are read again, exactly, by _read_tag.
_TOKEN = re.compile(
    r"<(?:"
    r"!--(?:-?>|[\s\S]*?--!?>|[\s\S]*)"  # comment, possibly running to the end
    r"|[!?][^>]*+>?"  # doctype, bogus comment
    rf"|/([A-Za-z][^{_WSC}/>]*+){_ATTRS}>"  # 1: end tag
    rf"|([A-Za-z][^{_WSC}/>]*+){_ATTRS}>"  # 2: start tag
    r"|/(?=[A-Za-z])()"  # 3: an end tag to read slowly
    r"|(?=[A-Za-z])()"  # 4: a start tag to read slowly
    r"|/>"  # </> is ignored
    r"|/[^A-Za-z>][^>]*+>?"  # bogus comment
    r")"
)


def _first(attrs: list[Attr], name: str) -> Attr | None:
    for a in attrs:
        if a.name == name:
            return a
    return None


CACHE_PAGE_LIMIT = 64 * 1024


def find_slots(
    s: str, attribute: str = "data-omo-slot", opt_out: str = "data-omo-off"
) -> tuple[Slot, ...]:
    """Every element carrying ``attribute``, in document order, with its extent.

    Many pages are served byte-identical to many visitors; for pages up to 64 KiB the result
    is remembered (keyed by the page itself), so the scan runs once per distinct page.
    The slots returned are shared: treat them as read-only.
    """
    if len(s) <= CACHE_PAGE_LIMIT:
        return _find_slots_cached(s, attribute, opt_out)
    return _find_slots(s, attribute, opt_out)


@lru_cache(maxsize=128)
def _find_slots_cached(s: str, attribute: str, opt_out: str) -> tuple[Slot, ...]:
    return _find_slots(s, attribute, opt_out)


def _find_slots(s: str, attribute: str, opt_out: str) -> tuple[Slot, ...]:
    if _marker(attribute).search(s) is None:
        return ()  # the common case for pages without slots costs one C-speed search
    n = len(s)
    wanted = (attribute, opt_out)
    foreign = 0  # open <svg>/<math> elements
    stack: list[_Open] = []
    slots: list[Slot] = []
    open_slots: list[Slot] = []

    def close(index: int, at: int, end: int) -> None:
        # Pop stack[index:]; the last popped ends at ``end``, the rest implicitly at ``at``.
        nonlocal foreign
        for depth in range(len(stack) - 1, index - 1, -1):
            entry = stack.pop()
            if entry.tag in FOREIGN:
                foreign -= 1
            if entry.slot is not None:
                entry.slot.close_start = at
                entry.slot.end = end if depth == index else at
                open_slots.remove(entry.slot)

    def in_scope(tag: str) -> int:
        for depth in range(len(stack) - 1, -1, -1):
            if stack[depth].tag == tag:
                return depth
            if stack[depth].tag in SCOPE_LIMITS or stack[depth].tag in FOREIGN:
                return -1
        return -1

    i = 0
    search = _TOKEN.search
    while True:
        m = search(s, i)
        if m is None:
            break
        lt, i = m.start(), m.end()
        if m.group(1) is not None or m.group(3) is not None:
            if m.group(1) is not None:
                name = m.group(1).lower()
            else:
                slow = _read_tag(s, lt + 2, n)
                if slow is None:
                    break
                name, i = slow[0], slow[2]
            depth = in_scope(name) if name not in FOREIGN else _last(stack, name)
            if depth >= 0:
                close(depth, lt, i)  # a stray </p> (depth -1) affects no slot
            continue
        if m.group(2) is not None:
            text = m.group(0)
            lowered = text.lower()
            if text.count('"') % 2 or text.count("'") % 2 or any(w in lowered for w in wanted):
                slow = _read_tag(s, lt + 1, n)
                if slow is None:
                    break
                name, attrs, i, self_closing = slow
            else:
                name, attrs, self_closing = m.group(2).lower(), [], text.endswith("/>")
        elif m.group(4) is not None:
            slow = _read_tag(s, lt + 1, n)
            if slow is None:
                break
            name, attrs, i, self_closing = slow
        else:
            continue  # comment, doctype, bogus comment
        end = i
        if not foreign:
            if name in CLOSES_P and (depth := in_scope("p")) >= 0:
                close(depth, lt, lt)
            elif name == "li" and (depth := _last_before(stack, "li", ("ul", "ol"))) >= 0:
                close(depth, lt, lt)
            elif (
                name in ("dt", "dd") and (depth := _last_before(stack, ("dt", "dd"), ("dl",))) >= 0
            ):
                close(depth, lt, lt)
        slot = None
        if attrs:
            marker = _first(attrs, attribute)
            off = _first(attrs, opt_out) is not None
            if open_slots and off:
                for enclosing in open_slots:
                    enclosing.opt_out = True
            if marker is not None:
                slot = Slot(
                    name=html.unescape(marker.value or ""),
                    tag=name,
                    start=lt,
                    open_end=end,
                    attrs=attrs,
                    parent=open_slots[-1] if open_slots else None,
                    opt_out=off,
                )
                slots.append(slot)
        if (name in VOID and not foreign) or ((foreign or name in FOREIGN) and self_closing):
            if slot is not None:
                slot.void = True
                slot.close_start = slot.end = end
            continue
        stack.append(_Open(name, slot))
        if name in FOREIGN:
            foreign += 1
        if slot is not None:
            open_slots.append(slot)
        if name in RAW_TEXT and not foreign:
            raw_end = _end_pattern(name).search(s, end)
            if raw_end is None:
                break
            i = raw_end.start()
        elif name == "plaintext" and not foreign:
            break
    close(0, n, n)
    return tuple(slots)


def _last(stack: list[_Open], tag: str) -> int:
    for depth in range(len(stack) - 1, -1, -1):
        if stack[depth].tag == tag:
            return depth
    return -1


def _last_before(stack: list[_Open], tags: str | tuple[str, ...], limits: tuple[str, ...]) -> int:
    wanted = (tags,) if isinstance(tags, str) else tags
    for depth in range(len(stack) - 1, -1, -1):
        tag = stack[depth].tag
        if tag in wanted:
            return depth
        if (
            tag in limits
            or tag in SCOPE_LIMITS
            or (tag in CLOSES_P and tag not in ("p", "div", "address"))
        ):
            return -1
    return -1


def _start_tag(s: str, slot: Slot, attrs: Mapping[str, str]) -> str:
    """The slot's start tag with ``attrs`` set (replaced in place, or appended)."""
    pieces: list[str] = []
    pos = slot.start
    missing = dict(attrs)
    for a in slot.attrs:
        if a.name in missing:
            pieces.append(s[pos : a.start])
            pieces.append(_attr(a.name, missing.pop(a.name)))
            pos = a.end
    tail_end = slot.open_end - 1
    while tail_end > pos and s[tail_end - 1] == "/":
        tail_end -= 1
    pieces.append(s[pos:tail_end])
    pieces.extend(" " + _attr(k, v) for k, v in missing.items())
    pieces.append(s[tail_end : slot.open_end])
    return "".join(pieces)


def _attr(name: str, value: str) -> str:
    return f'{name}="{html.escape(value, quote=True)}"'


def apply(s: str, edits: list[Edit]) -> str:
    """``s`` with the edits made; overlapping edits keep the outermost slot's."""
    out: list[str] = []
    pos = 0
    for edit in sorted(edits, key=lambda e: e.slot.start):
        slot = edit.slot
        if slot.start < pos or slot.close_start < 0:
            continue  # inside a slot already rewritten, or never closed
        out.append(s[pos : slot.start])
        out.append(_start_tag(s, slot, edit.attrs) if edit.attrs else s[slot.start : slot.open_end])
        if edit.inner is not None and not slot.void:
            out.append(edit.inner)
            pos = slot.close_start
        else:
            pos = slot.open_end
        if edit.after:
            out.append(s[pos : slot.end])
            out.append(edit.after)
            pos = slot.end
    out.append(s[pos:])
    return "".join(out)
