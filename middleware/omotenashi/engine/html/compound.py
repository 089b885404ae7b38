"""One compound selector (``a.b[c]:nth-child(2)``) matched against one element, as browsers do.

Case rules (HTML and Selectors 4), all decided when the selector is parsed, so matching does
no more than compare strings:

- attribute values compare exactly, except with the ``i`` flag (ASCII case-insensitively) and,
  without the ``s`` flag, for the attributes HTML lists as case-insensitive in selectors
  (:data:`HTML_CASELESS`: ``type``, ``lang``, ``rel`` ...), on HTML elements only;
- in quirks mode ``#id`` and ``.class`` compare ASCII case-insensitively; ``[id=…]`` and
  ``[class=…]`` do not;
- class lists split on ASCII whitespace (tab, LF, FF, CR, space) only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

from .tree import HTML, El

# WHATWG HTML, "case-sensitivity of selectors": attributes whose values match ASCII
# case-insensitively on HTML elements in HTML documents (unless the selector says ``s``)
HTML_CASELESS = frozenset(
    "accept accept-charset align alink axis bgcolor charset checked clear codetype color "
    "compact declare defer dir direction disabled enctype face frame hreflang http-equiv lang "
    "language link media method multiple nohref noresize noshade nowrap readonly rel rev rules "
    "scope scrolling selected shape target text type valign valuetype vlink".split()
)
EXACT, FOLD, FOLD_HTML = 0, 1, 2  # how an attribute value compares (flag ``s``/none, ``i``, list)
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_TOKENS = re.compile(r"[^\t\n\f\r ]+").findall


def ascii_lower(text: str) -> str:
    """``text`` with A-Z lowered and nothing else (browsers fold no other letter here)."""
    return text.lower() if text.isascii() else text.translate(_ASCII_LOWER)


def split_ws(text: str) -> list[str]:
    """``text`` split on ASCII whitespace, as a class list is (not on \\v or U+00A0)."""
    return text.split() if text.isascii() and text.isprintable() else _TOKENS(text)


@dataclass(frozen=True, slots=True)
class Compound:
    tag: str | None = None  # lower case; None for * or none given
    id: str | None = None
    classes: tuple[str, ...] = ()
    # (name, op, value as written, value folded, EXACT / FOLD / FOLD_HTML)
    attrs: tuple[tuple[str, str, str, str, int], ...] = ()
    nth: tuple[tuple[bool, int, int], ...] = ()  # (of type, a, b)
    nots: tuple[Compound, ...] = ()
    quirks: bool = False  # id and classes folded (a quirks-mode page): compare folded

    @property
    def needs_attrs(self) -> bool:
        return bool(self.id or self.classes or self.attrs) or any(n.needs_attrs for n in self.nots)

    @property
    def of_type(self) -> bool:
        return any(t for t, _, _ in self.nth) or any(n.of_type for n in self.nots)

    def matches(self, el: El, amap: Mapping[str, str]) -> bool:
        if self.tag is not None and self.tag != el.name.lower():
            return False
        if self.id is not None:
            got = amap.get("id")
            if got is None or (ascii_lower(got) if self.quirks else got) != self.id:
                return False
        if self.classes:
            have = amap.get("class")
            if have is None:
                return False
            names = split_ws(ascii_lower(have) if self.quirks else have)
            if any(c not in names for c in self.classes):
                return False
        for name, op, value, folded, fold in self.attrs:
            got = amap.get(name)
            if got is None:
                return False
            if fold == EXACT or (fold == FOLD_HTML and el.ns != HTML):
                if not _attr_ok(op, got, value):
                    return False
            elif not _attr_ok(op, ascii_lower(got), folded):
                return False
        for of_type, a, b in self.nth:
            if not _anb(a, b, el.type_index if of_type else el.index):
                return False
        return not any(n.matches(el, amap) for n in self.nots)


def attr_test(name: str, op: str, value: str, flag: str) -> tuple[str, str, str, str, int]:
    """One ``[name op value flag]`` as :attr:`Compound.attrs` keeps it (``name`` lower case)."""
    if flag in ("i", "I"):
        fold = FOLD
    elif flag in ("s", "S") or name not in HTML_CASELESS:
        fold = EXACT
    else:
        fold = FOLD_HTML
    return name, op, value, ascii_lower(value) if fold else value, fold


def folded(comp: Compound) -> Compound:
    """``comp`` for a quirks-mode page: ``#id`` and ``.class`` compare case-insensitively."""
    return replace(
        comp,
        id=ascii_lower(comp.id) if comp.id is not None else None,
        classes=tuple(ascii_lower(c) for c in comp.classes),
        nots=tuple(folded(n) for n in comp.nots),
        quirks=True,
    )


def _attr_ok(op: str, got: str, value: str) -> bool:
    if op == "":
        return True
    if op == "=":
        return got == value
    if op == "|=":
        return got == value or got.startswith(value + "-")
    if not value:
        return False
    if op == "~=":
        return value in split_ws(got)
    if op == "^=":
        return got.startswith(value)
    if op == "$=":
        return got.endswith(value)
    return value in got  # *=


def _anb(a: int, b: int, index: int) -> bool:
    if a == 0:
        return index == b
    q, r = divmod(index - b, a)
    return r == 0 and q >= 0
