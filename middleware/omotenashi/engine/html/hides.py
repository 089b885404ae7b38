"""Whether an element's own attributes hide it from a visitor as the page comes (scanner.py
``Target.hidden``): what ``hidden`` does, and what its inline ``style`` undoes; and whether an
inline ``style`` hides what is inside the element (engine/flash.py: the confirmation is never
put there).

A ``style`` attribute is read as a browser reads a declaration list (CSS Syntax 3): comments
are whitespace, strings and ``url(...)`` are single tokens (a ``display:none`` written in them
declares nothing), ``;`` ends a declaration only outside brackets, ``!`` then ``important``
(whitespace or comments between) makes one important, property names and keywords compare
ASCII case-insensitively, escapes are decoded (``di\\73play``), a declaration with a value
the property does not take is dropped, and of the rest the last important one holds, else the
last one. One pass over the value, each token matched by a pattern that cannot backtrack:
linear on any value."""

from __future__ import annotations

import re
from collections.abc import Sequence

from .roles import CONTROL_ROLES
from .tokens import Attr

_ESC = r"\\(?:[0-9a-fA-F]{1,6}+(?:\r\n|[ \t\n\r\f])?|[^\n\r\f0-9a-fA-F])"
_IN_STR = r"\\(?:\r\n|[\s\S])"  # an escape in a string (CSS reads CR LF as one newline)
_NAME_START = rf"(?:[A-Za-z_]|[^\x00-\x7f]|{_ESC})"
_TOKEN = re.compile(
    r"([ \t\n\r\f]++)"  # 1: whitespace
    r"|(/\*)"  # 2: a comment
    rf"|((?:--|-?{_NAME_START})(?:[A-Za-z0-9_-]|[^\x00-\x7f]|{_ESC})*+)(\()?"  # 3 ident, 4 (
    r"|([+-]?(?:[0-9]++(?:\.[0-9]++)?|\.[0-9]++)(?:[eE][+-]?[0-9]++)?)"  # 5: a number
    rf"|(\"(?:[^\"\\\n\r\f]|{_IN_STR})*+\"?|'(?:[^'\\\n\r\f]|{_IN_STR})*+'?)"  # 6: a string
)
_URL_REST = re.compile(r"[ \t\n\r\f]*+(?![\"'])(?:[^)\\]|\\[\s\S])*+\)?")  # after url(
_UNESCAPE = re.compile(r"\\(?:([0-9a-fA-F]{1,6})(?:\r\n|[ \t\n\r\f])?|([\s\S]))")
_CLOSE = {"(": ")", "[": "]", "{": "}"}
OTHER, BANG, VAR = "\0", "!", "\0var"  # a value's tokens besides keywords
HIDING = frozenset(("hidden", "style"))  # the attributes hidden_by reads
UNUSABLE = frozenset(("inert", "aria-hidden", "role"))  # attributes that may make content unusable

# The keywords each property read here takes (CSS Display 3 as Chromium 156 takes it: no
# run-in, ruby-base, ruby-*-container, inline-list-item; CSS 2 visibility, CSS Contain 2)
_GLOBAL = frozenset({"inherit", "initial", "unset", "revert", "revert-layer"})
_OUTSIDE = frozenset({"block", "inline"})
_INSIDE = frozenset({"flow", "flow-root", "table", "flex", "grid", "ruby", "math"})
_LISTED = frozenset({"flow", "flow-root"})  # (the insides a list-item takes)
_DISPLAY_ALONE = (
    frozenset(
        "contents none inline-block inline-table inline-flex inline-grid list-item "
        "table-row-group table-header-group table-footer-group table-row table-cell "
        "table-column-group table-column table-caption ruby-text "
        "-webkit-box -webkit-inline-box -webkit-flex -webkit-inline-flex".split()
    )
    | _OUTSIDE
    | _INSIDE
)
_TAKES = {
    "visibility": frozenset({"visible", "hidden", "collapse"}),
    "content-visibility": frozenset({"visible", "auto", "hidden"}),
}
_LIST_PARTS = _OUTSIDE | _LISTED
READ = frozenset({"display", *_TAKES})


def hidden_by(found: Sequence[Attr]) -> bool:
    """An HTML element's attributes hide it and what is in it: ``hidden``, unless its own
    ``style`` declares a ``display`` that shows it (which overrides the ``display: none``
    ``hidden`` gives: seen, as ever, and counted; ``hidden="until-found"`` hides by other
    means, whatever the style); or a ``style`` that declares ``display: none`` or
    ``content-visibility: hidden`` (what is inside cannot show itself again; ``visibility``,
    which it can, is not read here). A value a ``var()`` decides is not known here: as shown
    (a block there is counted and keeps its "i", as one in what a stylesheet hides)."""
    hidden = next((a.value for a in found if a.name == "hidden"), None)
    if hidden is not None and hidden.strip().lower() == "until-found":
        return True
    style = next((a.value for a in found if a.name == "style"), "")
    low = style.lower()  # (most styles say none of the words: not read)
    if hidden is None and "\\" not in style:
        if not ("display" in low and "none" in low or "hidden" in low):
            return False
    if "display" in low or "visibility" in low or "\\" in style:
        said = declared(style)
    else:
        said = {}
    if said.get("content-visibility") == ("hidden",):
        return True
    if hidden is None:
        return said.get("display") == ("none",)
    return said.get("display", ("none",)) in _NOT_SHOWN


_NOT_SHOWN = frozenset({("none",), ("revert",), ("revert-layer",)})  # (the UA's none)


def style_hides(style: str) -> bool:
    """Whether an inline ``style`` keeps what is inside the element from being seen: ``display:
    none``, ``visibility: hidden`` or ``collapse`` (a style of its own inside may show a part
    again: what we insert has none), ``content-visibility: hidden``; or may (one of them a
    ``var()`` decides: ``display: var(--x, none)`` hides where no ``--x`` is set; what is put
    goes elsewhere, where it is seen)."""
    said = declared(style)
    return (
        said.get("display") in _HIDE_DISPLAY
        or said.get("visibility") in _HIDE_VISIBILITY
        or said.get("content-visibility") in _HIDE_CONTENT
    )


_HIDE_DISPLAY = frozenset({(VAR,), ("none",)})
_HIDE_VISIBILITY = frozenset({(VAR,), ("hidden",), ("collapse",)})
_HIDE_CONTENT = frozenset({(VAR,), ("hidden",)})


def declared(style: str, read: frozenset[str] = READ) -> dict[str, tuple[str, ...]]:
    """The value that holds for each property of ``read`` an inline ``style`` declares: its
    keywords, lower case (``(VAR,)``: one a ``var()`` decides, not known here). A style of
    ASCII without a comment, string, bracket, escape or at-rule (most) is read by splitting
    it (the scanner reads a page's every such style), any other token by token."""
    if style.isascii() and _NOT_PLAIN.search(style) is None:
        return by_split(style, read)
    return by_tokens(style, read)


_NOT_PLAIN = re.compile(r"[\\/\"'()\[\]{}@\x0b\x1c-\x1f]")
_WS = " \t\n\r\f"


def by_split(style: str, read: frozenset[str] = READ) -> dict[str, tuple[str, ...]]:
    """:func:`declared` for a plain style (its ``;`` and ``:`` are all CSS's own)."""
    out: dict[str, tuple[str, ...]] = {}
    important: set[str] = set()
    for declaration in style.split(";"):
        name, colon, value = declaration.partition(":")
        name = name.strip(_WS).lower()
        if colon and name in read:
            head, bang, tail = value.rpartition("!")
            if bang and tail.strip(_WS).lower() == "important":
                words = [*head.lower().split(), BANG, "important"]
            else:
                words = value.lower().split()
            _settle(out, important, name, words)
    return out


def by_tokens(style: str, read: frozenset[str] = READ) -> dict[str, tuple[str, ...]]:
    """:func:`declared`, any style: CSS Syntax 3's tokens, in one pass."""
    out: dict[str, tuple[str, ...]] = {}
    important: set[str] = set()
    name: str | None = None  # the declaration's property while it is one of ``read``
    words: list[str] = []
    state = 0  # 0 before the name, 1 after it (a ':' next), 2 in the value, 3 to skip to ';'
    stack: list[str] = []  # the closers of the brackets open
    at, end = 0, len(style)
    while at <= end:
        m = _TOKEN.match(style, at) if at < end else None
        if at == end or (m is None and style[at] == ";" and not stack):
            if state == 2 and name is not None:
                _settle(out, important, name, words)
            name, words, state = None, [], 0
            at += 1
            continue
        word = OTHER
        if m is None:  # one character: a bracket, ':', '!' or another delimiter
            c = style[at]
            at += 1
            if c in _CLOSE:
                stack.append(_CLOSE[c])
            elif stack and c == stack[-1]:
                stack.pop()
                if state == 3 and not stack and c == "}" and name == "@":
                    name, words, state = None, [], 0  # an at-rule ends with its block
                continue
            elif c == ":" and state == 1 and not stack:
                state = 2
                continue
            elif c == "!":
                word = BANG
            elif c == "@" and state == 0:
                name, state = "@", 3
                continue
        else:
            at = m.end()
            if m.group(1):
                continue
            if m.group(2):
                close = style.find("*/", at)
                at = end if close < 0 else close + 2
                continue
            if m.group(3):
                ident = _ident(m.group(3))
                if m.group(4):
                    word = VAR if ident == "var" else OTHER
                    if ident == "url" and (rest := _URL_REST.match(style, at)) is not None:
                        at = rest.end()  # (a url token: nothing in it is CSS)
                    else:
                        stack.append(")")
                elif state == 0 and not stack:
                    name, state = (ident if ident in read else None), 1
                    continue
                else:
                    word = ident
        if state == 2:
            if name is not None:
                words.append(word if not stack or word == VAR else OTHER)
        elif state < 2:
            state = 3  # not a declaration: skipped to its ';'
    return out


def _ident(text: str) -> str:
    if "\\" in text:
        text = _UNESCAPE.sub(_unescape, text)
    return (
        text.lower() if text.isascii() else "".join(c.lower() if c.isascii() else c for c in text)
    )


def _unescape(m: re.Match[str]) -> str:
    if m.group(1) is None:
        return m.group(2)
    code = int(m.group(1), 16)
    return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else "\ufffd"


def _settle(
    out: dict[str, tuple[str, ...]], important: set[str], name: str, words: list[str]
) -> None:
    """One declaration of ``name`` ended: it holds if its value is one the property takes and
    nothing important holds already (or it is important too)."""
    bang = len(words) >= 2 and words[-2] == BANG and words[-1] == "important"
    value = tuple(words[:-2] if bang else words)
    if VAR in value:
        value = (VAR,)
    elif not _takes(name, value):
        return
    if bang:
        important.add(name)
    elif name in important:
        return
    out[name] = value


def _takes(name: str, value: tuple[str, ...]) -> bool:
    if len(value) == 1 and (value[0] in _GLOBAL or value[0] in _TAKES.get(name, _DISPLAY_ALONE)):
        return True
    if name != "display" or len(set(value)) != len(value):
        return False
    words = set(value)
    if "list-item" in words:  # list-item && <outside>? && [flow | flow-root]?, any order
        words.discard("list-item")
        return len(words & _OUTSIDE) <= 1 and len(words & _LISTED) <= 1 and words <= _LIST_PARTS
    return len(words) == 2 and len(words & _OUTSIDE) == 1 and len(words & _INSIDE) == 1


def unusable(a: Attr) -> bool:
    """Whether ``a`` (one of :data:`UNUSABLE`) makes what is inside unusable to a visitor (an
    "i" there could not be opened or heard): ``inert``, ``aria-hidden="true"``, or a ``role``
    naming a control (:data:`~.roles.CONTROL_ROLES`, any of its tokens: the first a browser knows
    counts, and fewer notes is the safe side)."""
    if a.name == "role":
        return not CONTROL_ROLES.isdisjoint(a.value.lower().split())
    return a.name == "inert" or a.value.strip(" \t\n\r\f").lower() == "true"
