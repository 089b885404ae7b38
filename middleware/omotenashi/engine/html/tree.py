"""The stack of open elements, with every "has an element in scope" question answered in O(1).

Each element is registered under its name (a list of the depths where such elements are open)
and under the classes it belongs to (scope boundaries, special elements, headings ...), each a
list of depths too. "Has a ``p`` in button scope" is then ``depths['p'][-1] >= button[-1]``:
the topmost ``p`` lies above the topmost boundary. Pushing and popping keep every list sorted,
so no question ever walks the stack. Rearrangements in the middle of the stack (the adoption
agency's hard case, a ``</form>`` that is not the current node) re-register only the few
elements above the change, and give up beyond :data:`REARRANGE_LIMIT`.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import Any

HTML, SVG, MATH = 0, 1, 2

# Classes of elements; each is a list of depths in Tree.bounds.
(
    DEFAULT,
    LIST,
    BUTTON,
    TABLE,
    SELECT,
    SPECIAL,
    LI_WALK,
    HTML_NS,
    MODE,
    HEADING,
    CELL,
    SECTION,
    DDT,
    TEMPLATE,
    NOTELESS,
    HIDDEN,
    FOSTERED,
    WALK_PAST,  # LI_WALK but <search>: where Chromium's walk stops (html62)
    SPECIAL_PAST,  # SPECIAL but <search>: Chromium 156's special elements
) = range(19)
# (set per element, core.py: HIDDEN on an HTML element with a ``hidden`` attribute, FOSTERED on
# one moved out of a table, whose elements around it in the document are not all the stack's)
KIND_COUNT = 19
REARRANGE_LIMIT = 64
# Browsers nest elements only so deep (Chromium and WebKit 512 open elements, Firefox's
# parser 200: deeper ones go beside their parent, or nowhere): a target nested this deep (the
# <html> element at 0) is unsure, with room left for a snippet's own elements (html60)
DEEP = 180

_SCOPE = frozenset("applet caption html table td th marquee object template".split())
_MATH_SCOPE = frozenset("mi mo mn ms mtext annotation-xml".split())
_SVG_SCOPE = frozenset(("foreignobject", "desc", "title"))
SPECIAL_NAMES = frozenset(
    "address applet area article aside base basefont bgsound blockquote body br button caption "
    "center col colgroup dd details dir div dl dt embed fieldset figcaption figure footer form "
    "frame frameset h1 h2 h3 h4 h5 h6 head header hgroup hr html iframe img input keygen li link "
    "listing main marquee menu meta nav noembed noframes noscript object ol p param plaintext pre "
    "script search section select source style summary table tbody td template textarea tfoot th "
    "thead title tr track ul wbr xmp".split()
)
_MODE_NAMES = frozenset(
    "select td th tr tbody thead tfoot caption colgroup table template head body html".split()
)
_HEADINGS = frozenset("h1 h2 h3 h4 h5 h6".split())
# Elements inside which the why note (engine/disclosure.py) never goes: its <a>, <button> and
# <details> would re-parent the page there (a, button, p: see Tree.note_level), it would nest
# in interactive content (label, summary) or in a heading's text, or it would not be shown
# (fallback content of media and objects, a select's list), or it would be read as part of the
# name of a table, fieldset or figure (its caption, legend, figcaption: html70). Every foreign
# element counts too.
NOTELESS_NAMES = frozenset(
    "a button label select option optgroup datalist summary h1 h2 h3 h4 h5 h6 audio video "
    "canvas object applet meter progress caption legend figcaption".split()
)
# Names come from the page, and a page may hold names an outsider chose (an app echoing user
# HTML, a proxied origin): the first KINDS_KEPT distinct names of at most KIND_NAME characters
# are kept, any other is worked out each time (a few set lookups).
_KINDS_CACHE: dict[tuple[int, str], tuple[int, ...]] = {}
KINDS_KEPT, KIND_NAME = 4096, 64

# The list of active formatting elements is looked back along at most this far (markers and
# elements): past it, a target is taken as unsure of what its content re-opens (context.py)
LOOK_BACK = 64


class GiveUp(Exception):
    """The rest of the page cannot be scanned cheaply and surely."""

    def __init__(self, reason: str, at: int) -> None:
        self.reason = reason
        self.at = at
        super().__init__(f"{reason} at offset {at}")


def kinds_of(ns: int, name: str) -> tuple[int, ...]:
    key = (ns, name)
    found = _KINDS_CACHE.get(key)
    if found is not None:
        return found
    out: list[int] = []
    if ns == HTML:
        scope = name in _SCOPE
        if scope:
            out.append(DEFAULT)
        if scope or name in ("ol", "ul"):
            out.append(LIST)
        if scope or name == "button":
            out.append(BUTTON)
        if name in ("html", "table", "template"):
            out.append(TABLE)
        out.append(HTML_NS)
        if name in SPECIAL_NAMES:
            out.append(SPECIAL)
            if name != "search":
                out.append(SPECIAL_PAST)
            if name not in ("address", "div", "p"):
                out.append(LI_WALK)
                if name != "search":
                    out.append(WALK_PAST)
        if name in _MODE_NAMES:
            out.append(MODE)
        if name in _HEADINGS:
            out.append(HEADING)
        if name in ("td", "th"):
            out.append(CELL)
        if name in ("tbody", "thead", "tfoot"):
            out.append(SECTION)
        if name in ("dd", "dt"):
            out.append(DDT)
        if name == "template":
            out.append(TEMPLATE)
        if name in NOTELESS_NAMES:
            out.append(NOTELESS)
    else:
        lower = name.lower()
        if (ns == MATH and lower in _MATH_SCOPE) or (ns == SVG and lower in _SVG_SCOPE):
            out += [DEFAULT, LIST, BUTTON, SPECIAL, SPECIAL_PAST, LI_WALK, WALK_PAST]
        out.append(NOTELESS)
    if not (ns == HTML and name in ("option", "optgroup")):
        out.append(SELECT)
    found = tuple(sorted(out))
    if len(_KINDS_CACHE) < KINDS_KEPT and len(name) <= KIND_NAME:
        _KINDS_CACHE[key] = found
    return found


class El:
    """One open element (or one in the list of active formatting elements).

    No ``__slots__``: the rarely set fields live on the class as defaults, so creating an
    element (the scanner's commonest act) sets only what differs.
    """

    ip = 0  # 1 MathML text integration point, 2 HTML integration point, 3 annotation-xml
    sig: Any = None  # attributes, for Noah's Ark and clones
    nchild = 0  # element children so far (for :nth-child)
    types: dict[str, int] | None = None  # children so far per type (for :nth-of-type)
    exact = 0  # selector matching state (see selectors.py)
    avail = 0
    flag = False  # created without its own start tag (implied or cloned)
    index = 0
    type_index = 0
    tbl = False  # a select opened inside a table
    left = False  # a select whose end parsers disagree on: every target open is unsure
    owner = -1  # the innermost target open when it was created
    span: tuple[int, int] | None = None  # where its attributes are (read when needed)
    depth = -1  # index in the stack, -1 when not on it
    rec = -1  # index of its target record, or -1
    result = 0  # the selectors it matched when created
    hid = False  # FOSTERED: whether it is or is inside an element with ``hidden``
    out = False  # FOSTERED: whether what its parent in the document holds is hidden
    shadowed = False  # a declarative shadow root was attached to it (:func:`shadows`)
    # the names of its shadow root's ``<slot>`` elements ("" for a default one): a child of
    # the host that none of them takes is never rendered (None: no such root, or one whose
    # slots a script assigns)
    slots: set[str] | None = None
    host: El | None = None  # a shadow root's <template>: its host

    def __init__(self, name: str, ns: int, seq: int) -> None:
        self.name = name
        self.ns = ns
        self.key = name if ns == HTML else "\0" + name.lower()
        self.kinds = kinds_of(ns, name)
        self.seq = seq  # creation order


# The elements a shadow root may be attached to (DOM's attachShadow), besides custom elements
_HOSTS = frozenset(
    (
        "article aside blockquote body div footer h1 h2 h3 h4 h5 h6 header main nav p section span"
    ).split()
)
_NOT_CUSTOM = frozenset(
    "annotation-xml color-profile font-face font-face-src font-face-uri font-face-format "
    "font-face-name missing-glyph".split()
)


def shadows(host: El, el: El, found: Any) -> bool:
    """Whether ``el``, a ``<template shadowrootmode=open|closed>`` opened in ``host`` (its
    attributes ``found``), becomes ``host``'s shadow root (HTML: "insert a template start tag",
    as Chromium parses a page): then it is no element of the document (not a child for
    ``:first-child``, matched by no selector: html64). A second one, one in ``<html>``, or in
    an element that cannot host one, is an ordinary ``<template>``."""
    if el.ns != HTML or host.ns != HTML or host.shadowed or host.depth == 0:
        return False
    name = host.name
    custom = "-" in name and name[:1].isalpha() and name.islower() and name not in _NOT_CUSTOM
    mode = next((a.value for a in found if a.name == "shadowrootmode"), "").lower()
    host.shadowed = mode in ("open", "closed") and (name in _HOSTS or custom)
    manual = any(
        a.name == "shadowrootslotassignment" and a.value.lower() == "manual" for a in found
    )
    if host.shadowed and not manual:  # (manual: what a script assigns is not known here)
        host.slots, el.host = set(), host
    return host.shadowed


class Tree:
    """The stack of open elements and its O(1) scope questions."""

    def __init__(self) -> None:
        self.stack: list[El] = []
        self.depths: dict[str, list[int]] = {}
        self.bounds: list[list[int]] = [[-1] for _ in range(KIND_COUNT)]

    # --- registration -----------------------------------------------------------------------
    def attach(self, el: El) -> None:
        depth = el.depth = len(self.stack)
        self.stack.append(el)
        lst = self.depths.get(el.key)
        if lst is None:
            self.depths[el.key] = [depth]
        else:
            lst.append(depth)
        bounds = self.bounds
        for k in el.kinds:
            bounds[k].append(depth)

    def detach(self) -> El:
        el = self.stack.pop()
        self.depths[el.key].pop()
        bounds = self.bounds
        for k in el.kinds:
            bounds[k].pop()
        el.depth = -1
        return el

    # --- questions --------------------------------------------------------------------------
    def top(self, key: str) -> int:
        """Depth of the topmost open element registered under ``key``, or -1."""
        lst = self.depths.get(key)
        return lst[-1] if lst else -1

    def in_scope(self, key: str, kind: int = DEFAULT) -> int:
        """Depth of the topmost ``key`` element if it is in ``kind`` scope, else -1."""
        lst = self.depths.get(key)
        if lst and lst[-1] >= self.bounds[kind][-1]:
            return lst[-1]
        return -1

    def open_past_search(self, name: str) -> bool:
        """Whether a new ``name`` (li; dd or dt) would close an open one in Chromium but not
        by the spec: the spec's walk for it stops at a <search> (a special element),
        Chromium's walks on past it (html62), to the open one before anything else stops it."""
        spec, past = self.bounds[LI_WALK][-1], self.bounds[WALK_PAST][-1]
        if spec == past:  # the walk does not stop at a <search>
            return False
        if name == "li":
            lst = self.depths.get("li")
            found = lst[-1] if lst else -1
        else:
            found = self.bounds[DDT][-1]
        return 0 <= past <= found < spec

    def class_in_scope(self, cls: int, kind: int = DEFAULT) -> int:
        d = self.bounds[cls][-1]
        return d if d >= 0 and d >= self.bounds[kind][-1] else -1

    @staticmethod
    def settled(af: list[El], el: El, own_end: bool) -> bool:
        """No formatting element in ``af`` (the list of active formatting elements) waits to be
        re-opened by the next text (``el`` itself, when closed by its own end tag, is about to
        leave the list). A look back of at most :data:`LOOK_BACK` entries, unsettled
        beyond: the markers nested cells or marquees left at the page's end made it one walk
        each over all of them, quadratic (html70: 8.6 s for 240 KB of <marquee>)."""
        stop = max(len(af) - 1 - LOOK_BACK, -1)
        for k in range(len(af) - 1, -1, -1):  # (short: the formatting elements open here)
            if k == stop:
                return False
            e = af[k]
            if e.name == "#marker":
                if e.seq > el.seq:
                    continue  # a marker its content left (an unclosed <object> ...)
                return True
            if e.depth < 0 and not (e is el and own_end):
                return False
        return True

    def above(self, cls: int, depth: int) -> int:
        """The lowest depth > ``depth`` of an element in class ``cls``, or -1."""
        lst = self.bounds[cls]
        lo, hi = 1, len(lst)
        while lo < hi:
            mid = (lo + hi) // 2
            if lst[mid] > depth:
                hi = mid
            else:
                lo = mid + 1
        return lst[lo] if lo < len(lst) else -1

    def hiding(self, el: El, hides: bool, at: int) -> None:
        """``el`` registered as having ``hidden`` (``hides``), and as moved out of a table
        when its parent is the open element at depth ``at`` below the current one."""
        if hides:
            el.kinds += (HIDDEN,)
        if at != len(self.stack) - 1:
            self.placed_apart(el, self.held_hidden(at))

    @staticmethod
    def placed_apart(el: El, out: bool) -> None:
        """``el``'s parent in the document is not the element below it on the stack: it knows
        its own hidden verdict, from ``out`` (whether what that parent holds is hidden)."""
        if FOSTERED not in el.kinds:
            el.kinds += (FOSTERED,)
        el.out, el.hid = out, out or HIDDEN in el.kinds

    def held_hidden(self, at: int) -> bool:
        """Whether what the open element at depth ``at`` holds is hidden, where a table above
        it moves content out into its own parent: that table's parent in the document, when
        it is not the element below it on the stack (an ``<a>`` taken off the stack)."""
        table = self.stack[at + 1] if at + 1 < len(self.stack) else None
        if table is not None and table.name == "table" and FOSTERED in table.kinds:
            return table.out
        return self.hidden_in(at)

    def hidden_in(self, at: int) -> bool:
        """Whether the open element at depth ``at`` is or is inside one with ``hidden``: one
        on the stack at or below ``at`` that holds it in the document (the last one moved out
        of a table knows its own; what lies between it and the table that was open is not)."""
        hid, moved = self.bounds[HIDDEN], self.bounds[FOSTERED]
        hid_at = hid[bisect_right(hid, at) - 1] if hid[-1] > at else hid[-1]
        moved_at = moved[bisect_right(moved, at) - 1] if moved[-1] > at else moved[-1]
        if hid_at > moved_at:
            return True
        return moved_at >= 0 and self.stack[moved_at].hid
