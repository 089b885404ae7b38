"""What the page has open around a target's content, as the bits :mod:`.fragment` checks a
snippet's markup against.

A snippet that is whole on its own can still change the page where it lands: a ``<div>`` in a
``<span>`` inside the page's ``<p>`` ends that ``<p>``; a link in a slot inside the page's link
ends that link; HTML elements in a slot that is an ``<svg>`` element break out of the ``<svg>``.
The scanner notes, as each target opens, the few things the parser would consult then: every
answer is one of the stack's O(1) scope questions (``tree.py``) or a look along the list of
active formatting elements back to its last marker.
"""

from __future__ import annotations

import re

from .tree import BUTTON as BUTTON_SCOPE
from .tree import HIDDEN, HTML, LI_WALK, LOOK_BACK, NOTELESS, SVG, TEMPLATE, El, Tree
from .tree import SELECT as SELECT_SCOPE

# Bits of what is open: a p in button scope, an li (or a dd/dt) that a new one would end, an
# open a among the active formatting elements, a nobr or a button in scope, the form pointer set
# (outside a template), a select in select scope
P, LI, DDT, A, NOBR, BUTTON, FORM, SELECT = (1 << k for k in range(8))
OPEN_BITS = (1 << 8) - 1
IN_SVG, IN_MATH, FOREIGN = 1 << 8, 1 << 9, 1 << 10  # FOREIGN: not an HTML integration point
# A formatting element the page left open before (<a>, <b> ...) waits in the list to be re-opened
# by the next text or element: in the slot's content, which it would then wrap
REOPENS = 1 << 11
REOPENS_MORE = 1 << 15  # ... and more than an <a> alone, which a link of the slot's would end
# How many formatting elements of one name the page has open at most (0-3, in these two bits):
# a browser keeps three alike, so one more in the slot pushes the page's first out of its list
CROWD = 1 << 12
CROWD_BITS = 3 * CROWD
LOOK = 64  # formatting entries looked at
QUIRKS = 1 << 14  # a quirks-mode page (no doctype, or an old one)
RUBY = frozenset(("rb", "rt", "rp", "rtc"))
# Elements whose content starts after a marker (or a table's rules): nothing re-opens in them
_MARKED = dict.fromkeys(
    "td th caption template applet object marquee table tbody thead tfoot tr colgroup".split(), 1
)
# Left open at a page's end, these take what is put before its </body> in (a link, a button, a
# select) or end there (svg, math): the page panel and the "Don't show me this" word go nowhere
# ... and those whose content a browser may not show (a closed <dialog> or <details>, a
# datalist, media fallback): what is said there could be spent unseen (at </body> only)
HIDDEN_END = 1 << 16
IN_HEAD = 1 << 17  # content inside the page's <head> (a <noscript> there: fragment.py)
# (a link waiting to be re-opened wraps what is put there: the panel's summary would be a
# link, at_body_end says A for it; an option or optgroup outside a select, an rp: not shown)
UNSAFE_END = A | BUTTON | SELECT | IN_SVG | IN_MATH | HIDDEN_END
_UNSEEN = "dialog details datalist audio video canvas object option optgroup rp".split()


def at_body_end(tree: Tree, af: list[El], form: El | None, quirks: bool) -> int:
    """:func:`around` at a page's ``</body>``, with :data:`HIDDEN_END` where an element whose
    content may not show is still open there (one lookup per name)."""
    bits = around(tree, af, form, quirks)
    if bits & REOPENS and _link_waits(af):
        bits |= A
    if any(tree.top(name) >= 0 for name in _UNSEEN) or tree.hidden_in(len(tree.stack) - 1):
        return bits | HIDDEN_END  # (html62: a <div hidden> left open held the panel unseen)
    if tree.bounds[NOTELESS][-1] >= 0:  # (final63b: an open inert or aria-hidden, a heading
        return bits | HIDDEN_END  # ... held it where it could not be used or heard)
    if bits & REOPENS and _waiting(af, (NOTELESS, HIDDEN)):  # (last63d: <p><b inert>x</p>:
        return bits | HIDDEN_END  # the next text re-opens the <b inert> around what follows)
    return bits


def _waiting(af: list[El], kinds: tuple[int, ...]) -> bool:
    """Whether an entry of one of ``kinds`` is among those the next text re-opens (as
    :func:`_link_waits` reads the list)."""
    for k in range(len(af) - 1, max(len(af) - 1 - LOOK, -1), -1):
        e = af[k]
        if e.name == "#marker" or e.depth >= 0:
            return False
        if any(kind in e.kinds for kind in kinds):
            return True
    return len(af) > LOOK


def _link_waits(af: list[El]) -> bool:
    """Whether an ``<a>`` is among the entries the next text re-opens: those off the stack at
    the list's end, back to a marker or an entry still open (past :data:`LOOK`: as if so)."""
    for k in range(len(af) - 1, max(len(af) - 1 - LOOK, -1), -1):
        e = af[k]
        if e.name == "#marker" or e.depth >= 0:
            return False
        if e.name == "a":
            return True
    return len(af) > LOOK


# The page's own end: its last </body>, then nothing but </html>, white space, comments (a
# cache plugin signs every page after </html>) and whole scripts (a host's analytics: a
# browser appends them to the body, after what is put before its </body>). A </body> anywhere
# else may sit in a script, a comment or a trailing footer: the page panel and the word after
# a choice are left out then.
_SCRIPT = (
    r"<script(?:[\t\n\f\r /][^>]*+)?>(?:(?!</script[\t\n\f\r />])[\s\S])*"
    r"</script[\t\n\f\r ]*>"
)
_AFTER = rf"(?:[\t\n\f\r ]|<!--(?:(?!-->)[\s\S])*-->|{_SCRIPT})*+"
PAGE_END = re.compile(rf"</body[\t\n\f\r ]*>{_AFTER}(?:</html[\t\n\f\r ]*>{_AFTER})?\Z", re.I)
NEAR_END = 4096  # characters: the page's end is looked for in its last ones


def page_end_at(page: str, body_end: int) -> bool:
    """Whether ``body_end`` (the scanner's last honoured ``</body>``) is the page's own end."""
    return body_end >= max(0, len(page) - NEAR_END) and PAGE_END.match(page, body_end) is not None


OWN = {"p": P, "li": LI, "dd": DDT, "dt": DDT, "a": A, "nobr": NOBR, "button": BUTTON}
OWN |= {"form": FORM, "select": SELECT}


def around(tree: Tree, af: list[El], form: El | None, quirks: bool) -> int:
    """The bits for the content of the element just pushed (the stack's top)."""
    stack, bounds = tree.stack, tree.bounds
    top = stack[-1]
    bits = OWN.get(top.name, 0) if top.ns == HTML else 0
    if quirks:
        bits |= QUIRKS
    if tree.in_scope("p", BUTTON_SCOPE) >= 0:
        bits |= P
    walk = bounds[LI_WALK][-1]  # where a new <li>, <dd> or <dt> stops looking for an open one
    if walk >= 0 and stack[walk].ns == HTML:
        bits |= {"li": LI, "dd": DDT, "dt": DDT}.get(stack[walk].name, 0)
        if stack[walk].name == "search":  # (Chromium's walk goes past it: html62)
            bits |= (LI if tree.open_past_search("li") else 0) | (
                DDT if tree.open_past_search("dd") else 0
            )
    if af and af[-1].name != "#marker" and af[-1].depth < 0 and not _MARKED.get(top.key, 0):
        bits |= REOPENS  # (the parser looks at the last entry first: on the stack, it stops)
        # a link of the slot's ends a waiting <a> first (the adoption agency drops it): then
        # the entry before decides, when that <a> was the last
        if af[-1].name != "a" or (len(af) > 1 and af[-2].name != "#marker" and af[-2].depth < 0):
            bits |= REOPENS_MORE
    bits |= _formatting(af)
    if tree.in_scope("nobr") >= 0:
        bits |= NOBR
    if tree.in_scope("button") >= 0:
        bits |= BUTTON
    if form is not None and bounds[TEMPLATE][-1] < 0:
        bits |= FORM
    if tree.in_scope("select", SELECT_SCOPE) >= 0:
        bits |= SELECT
    if any(el.name == "head" and el.ns == HTML for el in stack[:3]):  # (html, head, its own)
        bits |= IN_HEAD
    if top.ns != HTML:
        bits |= IN_SVG if top.ns == SVG else IN_MATH
        if top.ip not in (1, 2):
            bits |= FOREIGN
    return bits


def _formatting(af: list[El]) -> int:
    """A (an open ``a`` among the active formatting elements after the last marker) and the most
    entries of one name there (:data:`CROWD`, up to 3), from the last :data:`LOOK` entries: past
    them, as if both were so (a page with that many formatting elements open at once)."""
    bits = count = 0
    seen: dict[str, int] = {}
    for k in range(len(af) - 1, max(len(af) - 1 - LOOK, -1), -1):
        e = af[k]
        if e.name == "#marker":
            return bits | min(count, 3) * CROWD
        if e.name == "a" and e.depth >= 0:  # (one waiting, off the stack, a link just ends)
            bits |= A
        seen[e.key] = n = seen.get(e.key, 0) + 1
        count = max(count, n)
    return bits | (A | 3 * CROWD if len(af) > LOOK else min(count, 3) * CROWD)


_SAID = (
    (P, "a <p>"),
    (LI, "an <li>"),
    (DDT, "a <dd> or <dt>"),
    (A, "a link"),
    (NOBR, "a <nobr>"),
    (BUTTON, "a button"),
    (FORM, "a form"),
    (SELECT, "a <select>"),
    (IN_SVG, "an <svg>"),
    (IN_MATH, "a <math>"),
)


def surroundings(tag: str, bits: int) -> str:
    """What the page has open around an element ``tag`` with these bits, said for an editor
    (" inside a <p> of the page"; "" when only the element itself sets them)."""
    own = OWN.get(tag, 0) | {"svg": IN_SVG, "math": IN_MATH}.get(tag, 0)
    said = [name for bit, name in _SAID if bits & bit and not own & bit]
    return f" inside {' and '.join(said)} of the page" if said else ""


def marker_left(af: list[El], el: El, page: str, lt: int) -> str:
    """Why ``el``, closing now at the tag at ``page[lt]``, is unsure when its content left a
    marker in the list ``af`` (an unclosed ``<object>``, ``<applet>`` or ``<marquee>``) in
    front of formatting elements from before ``el``, or of ``el`` itself when a tag not its
    own closes it: they wait behind it, and would be re-opened after ``el`` once that content
    is replaced; "" when not (a template's marker is the template rules' to judge). ``el``'s
    own marker (a cell's or an ``<object>``'s, ``el.seq + 1``; a caption's, just before it)
    is no wall: the parser clears the newest marker as ``el`` closes, so its own stays only
    while its content's is there. A look back along the list to the first marker older than
    ``el``, of at most :data:`LOOK_BACK` entries (unsure beyond)."""
    k = len(af) - 1
    while k >= 0 and af[k].name != "#marker":
        k -= 1
    if k < 0 or af[k].seq <= el.seq + 1:
        return ""
    why = "content that changes which formatting elements are re-opened after it"
    own = el.seq - 1 if el.name == "caption" else el.seq + 1
    at = lt + 2 if page.startswith("/", lt + 1) else lt + 1
    # closed by its own end tag or a start tag of its name (<a>, <nobr>: the adoption agency),
    # which takes it off the list once its content is replaced
    end = at + len(el.name)
    own_tag = page[at:end].lower() == el.name and page[end : end + 1] in _NAME_END
    for j in range(k - 1, -1, -1):
        if k - j > LOOK_BACK:
            return why
        e = af[j]
        if e.name == "#marker":
            if e.seq <= el.seq and e.seq != own:
                return ""
        elif e.seq < el.seq or (e is el and not own_tag):
            return why
    return ""


_NAME_END = frozenset(("", " ", "\t", "\n", "\f", "\r", "/", ">"))
