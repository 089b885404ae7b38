"""Whether a snippet's output is a whole piece of HTML: one that cannot change the page around
the slot it fills.

The output is spliced into the page as it is, so a comment it leaves open hides the rest of
the page, a ``</div>`` it never opened closes one of the page's elements, a ``<textarea>``
swallows everything after it as text. :func:`fragment_problem` reads the output with the
engine's tokenizer (``tokens.py``: one pass, linear time, no backtracking) and keeps its own
small stack of open elements. It says what is wrong when the output:

- leaves a comment, a ``<!``/``<?`` declaration, a tag, a CDATA section or the raw text of
  ``script``, ``style``, ``textarea``, ``title``, ``xmp``, ``iframe``, ``noembed``,
  ``noframes``, ``noscript`` unfinished, or has ``<plaintext>`` (which never ends);
- closes an element it did not open, closes one before what it opened inside it, or leaves one
  open at the end. Closing is explicit, even where HTML lets an author leave ``</p>``, ``</li>``
  or ``</td>`` out: how far such an element reaches depends on the page around it (``</span>``
  does not end a ``<p>``; the page's ``</ul>`` ends an ``<li>``, and the "i" note lands in it);
- has document-level markup: a doctype, ``html``, ``head``, ``body``, ``frameset`` (their
  attributes would be merged into the page's own), or ``base`` (it would change every link of
  the page);
- has markup a browser does not build as written: a block (``div``, ``ul``, ``h2``, ``table``
  ...) inside its own ``<p>`` (the browser ends the ``<p>`` there and turns the ``</p>`` into
  an extra empty paragraph), a link in a link, a button in a button, a form in a form, a heading
  directly in a heading, an ``li``/``dd``/``dt`` ending an open one, an option in an option,
  a ``select`` or an input field in a ``select``, HTML elements that break out of an ``<svg>``
  or ``<math>``, a ``<![CDATA[`` outside them;
- puts table parts where a browser drops or moves them: text or other elements directly in a
  ``table``/``tbody``/``tr`` (moved before the table), a ``td``/``tr``/... outside a table
  or inside a cell (dropped, or ending the cell). A snippet for a slot that *is* a table part
  may consist of table parts of one level at its top: only cells (``td``/``th``, for a
  ``<tr>`` slot), only rows (for a ``<tbody>`` or ``<table>`` slot), or only sections.

Alone it cannot know the page: a well-formed ``<div>`` snippet still ends the page's ``<p>`` if
the slot is a ``<span>`` inside one. :func:`broken` with the slot's element and what the page
has open around it (``context.py``, noted by the scanner) says that too, as each page is
personalised. Reasons name tags, never text of the output: the same for every visitor, so a
problem is logged once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .body import BREAKOUT, CLOSES_P, HEADINGS
from .context import (
    BUTTON,
    CROWD,
    CROWD_BITS,
    DDT,
    FOREIGN,
    FORM,
    IN_HEAD,
    IN_MATH,
    IN_SVG,
    LI,
    NOBR,
    OPEN_BITS,
    OWN,
    QUIRKS,
    REOPENS,
    REOPENS_MORE,
    RUBY,
    SELECT,
    A,
    P,
)
from .formatting import FORMATTING
from .rawtext import head_noscript
from .reasons import (
    BASE,
    BREAKS_OUT,
    CDATA,
    CDATA_OPEN,
    CLASH,
    COMMENT,
    CROSSED,
    CROWDED,
    DECLARATION,
    DOCTYPE,
    END_OPEN,
    FIRST,
    FOSTER,
    HEAD_CONTENT,
    IN_CELL,
    IN_P,
    IN_SELECT,
    LEFT_OPEN,
    MIXED,
    NOSCRIPT_HEAD,
    OLD,
    PAGE_TAG,
    PLAINTEXT,
    RAW_END,
    RAW_OPEN,
    REOPENED,
    SCRIPT_ESCAPE,
    STRAY,
    TABLE_OUT,
    TAG,
    VOID_END,
)
from .select import TABLE_PARTS
from .tokens import (
    NONWS,
    RAWTEXT,
    RCDATA,
    TOKEN,
    attrs,
    has_attr,
    quote_left_open,
    raw_text_end,
    self_closing,
    tag_name,
)
from .tree import SPECIAL_NAMES

VOID = frozenset(
    "area basefont bgsound br col embed frame hr image img input keygen link meta param source "
    "track wbr".split()
)
RAW = RAWTEXT | RCDATA | {"script"}
PAGE_ONLY = frozenset(("html", "head", "body", "frameset"))
P_CLOSERS = CLOSES_P | HEADINGS | frozenset("pre listing form li dd dt table hr xmp".split())
_ANYWHERE = frozenset(("script", "style", "template"))  # at home among table parts too
_SECTION_KIDS = frozenset(("tr", "td", "th")) | _ANYWHERE
_KIDS = {  # what a browser keeps where it is, directly inside these (the rest: moved out)
    "table": TABLE_PARTS | _ANYWHERE,
    "tbody": _SECTION_KIDS,
    "thead": _SECTION_KIDS,
    "tfoot": _SECTION_KIDS,
    "tr": frozenset(("td", "th")) | _ANYWHERE,
    "colgroup": frozenset(("col", "template")),
}
_LEVELS = {"td": "cells", "th": "cells", "tr": "rows"}  # the other table parts: "sections"
_SVG_HTML = frozenset(("foreignobject", "desc", "title"))  # HTML goes inside these
_MATH_HTML = frozenset(("mi", "mo", "mn", "ms", "mtext"))
# In a <select>, these end the current node while it is one of those (implied end tags)
_IMPLIED = frozenset("dd dt li optgroup option p rb rp rt rtc".split())
_ENDS_IN_SELECT = {"option": _IMPLIED - {"optgroup"}, "optgroup": _IMPLIED, "hr": _IMPLIED}
_SCOPE = frozenset("applet caption html table td th marquee object template".split())
_MARKERS = frozenset("applet object marquee template td th caption".split())

# What an open element tells the elements inside it (bits of Open.flags, the same bits the
# scanner notes for what the page has open around a slot: context.py)
_OWN = OWN
_THROUGH_FOREIGN = A | NOBR | FORM


@dataclass(frozen=True, slots=True)
class Broken:
    """What is wrong with a piece of HTML: the reason (what and what would be right; it names
    tags, never text), where it is in the markup and the markup there, to quote."""

    reason: str
    at: int
    piece: str


class Open:
    """An element open in the fragment, or the fragment itself, or a template's content."""

    __slots__ = ("at", "end", "flags", "html_inside", "level", "name", "ns", "top")

    def __init__(self, name: str, ns: str, flags: int, html_inside: bool = True) -> None:
        self.name = name
        self.ns = ns  # "html", "svg" or "math"
        self.flags = flags
        self.html_inside = html_inside  # HTML rules apply to what it contains
        self.top = ns == "html" and name in ("#fragment", "template")  # a fragment's top level
        self.level = ""  # there: "flow", "cells", "rows" or "sections" once something shows
        self.at = self.end = 0  # where its start tag is


# Elements that keep only table parts directly inside: what fills one must be those alone
TABLE_SLOTS = frozenset(_KIDS)
_LINK = re.compile(r"<a[\t\n\f\r />]", re.I)
# A table part's start tag: content with one is checked at its place whatever the slot
HAS_TABLE_PART = re.compile(
    r"<(?:t[dhr]|tbody|thead|tfoot|caption|col|colgroup)[\t\n\f\r />]", re.I
)
# Slots whose own element limits what may go in, whatever the page has open around them
PICKY = TABLE_SLOTS | HEADINGS | RAW | RUBY
PICKY |= frozenset("option optgroup td th caption head".split())


def fragment_problem(html: str) -> str | None:
    """None when ``html`` is a balanced fragment that cannot change the page outside the slot
    it fills (see the module's docstring); else a short reason, the same for every visitor."""
    found = broken(html)
    return None if found is None else found.reason


def broken(html: str, within: str = "#fragment", context: int = 0) -> Broken | None:
    """:func:`fragment_problem`, with where; ``within`` the slot's element and ``context`` (the
    page around it: context.py), also what a browser would move out of it or end there."""
    if context & REOPENS and html and (context & REOPENS_MORE or not _LINK.match(html)):
        return Broken(REOPENED, 0, html[:40])  # (a link first ends the <a> waiting alone)
    if within == "head":  # (its attributes only: content would replace the page's own)
        return Broken(HEAD_CONTENT, 0, html[:40])
    # without scripts a browser reads a <noscript> as HTML (html66: a <div> there ended the
    # page's <p>, text in the head's ended the <head>): in the head, metadata only
    if within == "noscript" and context & IN_HEAD and not head_noscript(html):
        return Broken(NOSCRIPT_HEAD, 0, html[:40])
    if "<" not in html and (within not in _KIDS or NONWS.search(html) is None):
        return None
    if within in RAW and not context & (IN_SVG | IN_MATH):  # text up to the first </within
        # (in a script, also what makes a browser read past its </script>: <!-- <script)
        ends = rf"</{within}[\t\n\f\r />]" + (r"|<!--|<script[\t\n\f\r />]" * (within == "script"))
        m = re.search(ends, html, re.I)
        if m is not None:
            said = RAW_END.format(tag=within) if m.group()[1] == "/" else SCRIPT_ESCAPE
            return Broken(said, m.start(), m.group())
        if within != "noscript" or context & IN_HEAD:
            return None
        within = "span"  # (read without scripts, as in any element: html66, above)
    crowd = (context & CROWD_BITS) // CROWD  # formatting elements alike the page has open
    quirks = bool(context & QUIRKS)  # a quirks-mode page: a <table> leaves the <p> open
    n = len(html)
    ns = "svg" if context & IN_SVG else "math" if context & IN_MATH else "html"
    stack = [Open(within, ns, context & OPEN_BITS, not context & FOREIGN)]
    open_names: dict[str, int] = {}
    # a quote a tag never closes is the last of its kind in the markup (or the tokenizer's
    # pattern would have read the value up to the next one, as a browser does)
    last_q1, last_q2 = html.rfind("'"), html.rfind('"')
    i = 0
    while (m := TOKEN.search(html, i)) is not None:
        lt, i, top = m.start(), m.end(), stack[-1]
        if lt > m.pos and (top.top or top.name in _KIDS) and NONWS.search(html, m.pos, lt):
            said = _text(top)
            if said:
                return Broken(said, m.pos, html[m.pos : min(lt, m.pos + 40)])
        text = m.group(0)
        tag = m.group(1) or m.group(2)
        if (
            tag is not None
            and (lt <= last_q1 < i or lt <= last_q2 < i)
            and quote_left_open(html, lt + 1 + len(tag) + (m.group(2) is not None), i - 1)
        ):
            return Broken(TAG.format(tag=tag.lower()[:30]), lt, text[:60])
        if m.group(1) is not None:
            name = m.group(1).lower()
            if crowd and name in FORMATTING and open_names.get(name, 0) + crowd >= 3:
                return Broken(CROWDED.format(tag=name), lt, text[:60])
            said, push = _start(html, m, name, top, quirks)
            if said:
                return Broken(said, lt, text[:60])
            if push is not None:
                push.at, push.end = lt, i
                stack.append(push)
                open_names[push.name] = open_names.get(push.name, 0) + 1
                if push.ns == "html" and push.name in RAW:
                    i = raw_text_end(html, push.name, i)
                    if i >= n:
                        return Broken(RAW_OPEN.format(tag=push.name), lt, text[:60])
        elif m.group(2) is not None:
            name = m.group(2).lower()
            if name != top.name or len(stack) == 1:
                return Broken(_end_problem(name, top, open_names), lt, text[:60])
            stack.pop()
            open_names[name] -= 1
        elif m.group(5) is not None:
            return Broken(TAG.format(tag=tag_name(html, lt)), lt, html[lt : lt + 60])
        elif m.group(4) is not None:
            return Broken(DOCTYPE, lt, text[:60])
        elif m.group(3) is not None:
            if top.html_inside:
                return Broken(CDATA, lt, text)
            end = html.find("]]>", i)
            if end < 0:
                return Broken(CDATA_OPEN, lt, html[lt : lt + 60])
            i = end + 3
        elif text.startswith("<!--"):
            if not text.endswith(("-->", "--!>")):
                return Broken(COMMENT, lt, text[:60])
        elif not text.endswith(">"):
            return Broken(DECLARATION, lt, text[:60])
    if i <= n - 2 and html.endswith("</"):  # text on its own; before the slot's end tag, not
        return Broken(END_OPEN, n - 2, "</")
    top = stack[-1]
    if top.top or top.name in _KIDS:
        k = NONWS.search(html, i)
        said = _text(top) if k is not None else ""
        if k is not None and said:
            return Broken(said, k.start(), html[k.start() : k.start() + 40])
    if len(stack) > 1:
        piece = html[top.at : min(top.end, top.at + 60)]
        return Broken(LEFT_OPEN.format(tag=top.name), top.at, piece)
    return None


def _start(
    html: str, m: re.Match[str], name: str, top: Open, quirks: bool = False
) -> tuple[str, Open | None]:
    """The problem with the start tag ``name`` directly in ``top`` (empty: none), and the
    element it leaves open (None: nothing, as for a void element)."""
    lt, end = m.start(), m.end()
    if not top.html_inside:  # in <svg> or <math>
        if name in BREAKOUT or (
            name == "font" and has_attr(html, lt, end, "color", "face", "size")
        ):
            return BREAKS_OUT.format(tag=name, parent=top.ns), None
        if self_closing(html, lt, end):
            return "", None
        ns = "svg" if name == "svg" else top.ns
        inside = (ns == "svg" and name in _SVG_HTML) or (ns == "math" and name in _MATH_HTML)
        if ns == "math" and name == "annotation-xml":
            found = {a.name: a.value.lower() for a in attrs(html, lt + 1 + len(name), end)}
            inside = found.get("encoding") in ("text/html", "application/xhtml+xml")
        return "", Open(name, ns, top.flags & _THROUGH_FOREIGN, inside)
    said = _context(html, name, top, lt, end)
    if said:
        return said, None
    if name in PAGE_ONLY:
        return PAGE_TAG.format(markup=f"<{name}>", tag=name), None
    if name == "base":
        return BASE, None
    if name == "plaintext":
        return PLAINTEXT, None
    if name in P_CLOSERS and top.flags & P and not (quirks and name == "table"):
        return IN_P.format(tag=name), None
    clash = CLASH.get(name)
    if clash is not None and top.flags & clash[0]:
        return clash[1], None
    if (
        (name in HEADINGS and top.name in HEADINGS)
        or (name in ("option", "optgroup") and top.name in ("option", name))
        or (name in RUBY and top.name in RUBY and not (top.name == "rtc" and name in ("rt", "rp")))
    ):
        what = f"has <{name}> directly inside <{top.name}>: a browser ends the <{top.name}> there"
        return what + FIRST, None
    if name in _ENDS_IN_SELECT and top.flags & SELECT and top.name in _ENDS_IN_SELECT[name]:
        return IN_SELECT.format(tag=name, parent=top.name), None  # (the page's, at the top)
    if name in VOID:
        return "", None
    if name in ("svg", "math"):
        closed = self_closing(html, lt, end)
        return "", None if closed else Open(name, name, top.flags & _THROUGH_FOREIGN, False)
    return "", Open(name, "html", _flags(top.flags, name))


def _flags(parent: int, name: str) -> int:
    """What an element ``name`` inside one with ``parent``'s flags tells the ones inside it."""
    flags = parent
    if name in SPECIAL_NAMES and name not in ("address", "div", "p"):
        flags &= ~(LI | DDT)  # a new <li> looks for an open one up to here only
    if name in _SCOPE or name == "button":
        flags &= ~P
    if name in _SCOPE:
        flags &= ~BUTTON
    if name in _MARKERS:
        flags &= ~(A | NOBR)
    if name == "template":
        flags &= ~(FORM | SELECT)
    return flags | _OWN.get(name, 0)


def _context(html: str, name: str, top: Open, lt: int, end: int) -> str:
    """The problem with ``name`` starting directly in ``top``, as far as tables go (empty:
    none)."""
    kids = _KIDS.get(top.name)
    if kids is not None:
        if name in kids or (name == "input" and has_attr(html, lt, end, type="hidden")):
            return ""
        return FOSTER.format(what=f"<{name}>", parent=top.name)
    if top.top:
        if name in _ANYWHERE:
            return ""
        level = _LEVELS.get(name, "sections") if name in TABLE_PARTS else "flow"
        if top.level in ("", level):
            top.level = level
            return ""
        return MIXED.format(new=f"<{name}>", old=OLD[top.level])
    if name in TABLE_PARTS:
        if top.name in ("td", "th", "caption"):
            return IN_CELL.format(tag=name, cell=top.name)
        return TABLE_OUT.format(tag=name)
    return ""


def _text(top: Open) -> str:
    """The problem with text directly in ``top`` (empty: none)."""
    if top.name in _KIDS:
        return FOSTER.format(what="text", parent=top.name)
    if top.level in ("", "flow"):
        top.level = "flow"
        return ""
    return MIXED.format(new="text", old=OLD[top.level])


def _end_problem(name: str, top: Open, open_names: dict[str, int]) -> str:
    """What is wrong with the end tag ``name`` while ``top`` is the current element."""
    if name in PAGE_ONLY:
        return PAGE_TAG.format(markup=f"</{name}>", tag=name)
    if name in VOID or name == "base":
        return VOID_END.format(tag=name)
    if open_names.get(name):
        return CROSSED.format(tag=name, inner=top.name)
    return STRAY.format(tag=name)
