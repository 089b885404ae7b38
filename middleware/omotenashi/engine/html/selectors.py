"""CSS selectors matched on the scanner's own element stack, byte-exactly, in one pass.

Supported: type, ``*``, ``#id``, ``.class``, ``[attr]``, ``[attr=v]`` (and ``~= ^= $= *= |=``,
with an ``i`` or ``s`` flag), descendant and child combinators, ``:first-child``,
``:nth-child(An+B)``, ``:first-of-type``, ``:nth-of-type(An+B)``, ``:not()`` of compound
selectors, and selector lists.
Anything else raises :class:`SelectorError`: a selector we cannot match exactly is refused
when the rules are loaded, never guessed at on a page. Case rules (quirks mode, the attributes
HTML compares case-insensitively, the ``i``/``s`` flags) live in ``compound.py``.

Matching keeps two bit masks per open element: ``exact`` (compound k of a selector matches
here, with its left part matched by the ancestors) and ``avail`` (some ancestor-or-self has it),
so a descendant combinator costs one AND, not a walk up the stack.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from ...errors import SelectorError
from .compound import Compound, attr_test, folded
from .tokens import Attr
from .tree import HTML, El

_IDENT = r"-?(?:[A-Za-z_]|[^\x00-\x7f])(?:[A-Za-z0-9_-]|[^\x00-\x7f])*"
_NAME = r"(?:[A-Za-z0-9_-]|[^\x00-\x7f])+"
_RE_IDENT = re.compile(_IDENT)
_RE_NAME = re.compile(_NAME)
_DIGITS = frozenset("0123456789")
_RE_WS = re.compile(r"[ \t\n\r\f]*")
_RE_ATTR = re.compile(
    rf"\[[ \t\n\r\f]*({_IDENT})[ \t\n\r\f]*(?:([~^$*|]?=)[ \t\n\r\f]*"
    rf"(?:({_IDENT})|\"([^\"\\\n]*)\"|'([^'\\\n]*)')[ \t\n\r\f]*([iIsS])?[ \t\n\r\f]*)?\]"
)
_RE_ANB = re.compile(r"^(?:([+-]?\d*)[nN](?:\s*([+-])\s*(\d+))?|([+-]?\d+)|(odd|even))$", re.I)


@dataclass(frozen=True, slots=True)
class Selector:
    """A parsed selector list; ``text`` is what the rule file says."""

    text: str
    complexes: tuple[tuple[tuple[Compound, ...], tuple[bool, ...]], ...]  # compounds, child?


@lru_cache(maxsize=1024)
def parse_selector(text: str) -> Selector:
    """Parse ``text``; raises :class:`SelectorError` for anything not supported exactly."""
    if not text.strip():
        raise SelectorError(text, "empty selector")
    if "\\" in text:
        raise SelectorError(text, "escapes are not supported")
    parser = _Parser(text)
    complexes = [parser.complex()]
    while parser.peek() == ",":
        parser.i += 1
        complexes.append(parser.complex())
    parser.skip_ws()
    if parser.i != len(text):
        parser.fail()
    return Selector(text, tuple(complexes))


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0

    def skip_ws(self) -> bool:
        j = _RE_WS.match(self.text, self.i)
        assert j is not None
        moved = j.end() > self.i
        self.i = j.end()
        return moved

    def peek(self) -> str:
        self.skip_ws()
        return self.text[self.i : self.i + 1]

    def fail(self, what: str = "") -> None:
        rest = self.text[self.i :]
        if not what:
            c = rest[:1]
            if c in ("+", "~"):
                what = f"the {c!r} combinator is not supported (use descendant or '>')"
            elif rest.startswith("::"):
                what = "pseudo-elements are not supported"
            elif c == "|":
                what = "namespaces are not supported"
            else:
                what = f"unexpected {rest[:12]!r} at position {self.i}"
        raise SelectorError(self.text, what)

    def complex(self) -> tuple[tuple[Compound, ...], tuple[bool, ...]]:
        self.skip_ws()
        compounds = [self.compound()]
        child: list[bool] = [False]
        while True:
            spaced = self.skip_ws()
            c = self.text[self.i : self.i + 1]
            if c == ">":
                self.i += 1
                self.skip_ws()
                child.append(True)
            elif c in ("", ","):
                break
            elif spaced and c not in ("+", "~"):
                child.append(False)
            else:
                self.fail()
            compounds.append(self.compound())
        return tuple(compounds), tuple(child)

    def compound(self, inside_not: bool = False) -> Compound:
        text = self.text
        tag: str | None = None
        id_: str | None = None
        classes: list[str] = []
        attrs: list[tuple[str, str, str, str, int]] = []
        nth: list[tuple[bool, int, int]] = []
        nots: list[Compound] = []
        start = self.i
        if text.startswith("*", self.i):
            self.i += 1
        else:
            m = _RE_IDENT.match(text, self.i)
            if m:
                tag = m.group(0).lower()
                self.i = m.end()
        while self.i < len(text):
            c = text[self.i]
            if c == "#" or c == ".":
                m = (_RE_NAME if c == "#" else _RE_IDENT).match(text, self.i + 1)
                if m is None:
                    self.fail(f"a name must follow {c!r} at position {self.i}")
                    break
                if c == "#":
                    name = m.group(0)
                    lead = name.lstrip("-")[:1]  # (CSS: ASCII digits only: last62b)
                    if name == "-" or (lead in _DIGITS and len(name) - len(name.lstrip("-")) < 2):
                        self.fail(  # (html62: taken, where a browser's CSS refuses it)
                            f"'#{name}' is no id selector in CSS (the name starts with a "
                            f'letter, _ or - and a letter): write [id="{name}"]'
                        )
                        break
                    if id_ is not None and id_ != name:
                        self.fail("two different ids never match")
                    id_ = m.group(0)
                else:
                    classes.append(m.group(0))
                self.i = m.end()
            elif c == "[":
                m = _RE_ATTR.match(text, self.i)
                if m is None:
                    self.fail(f"malformed attribute selector at position {self.i}")
                    break
                op = m.group(2) or ""
                value = next((g for g in m.group(3, 4, 5) if g is not None), "")
                attrs.append(attr_test(m.group(1).lower(), op, value, m.group(6) or ""))
                self.i = m.end()
            elif c == ":":
                self.pseudo(nth, nots, inside_not)
            else:
                break
        if self.i == start:
            self.fail()
        return Compound(tag, id_, tuple(classes), tuple(attrs), tuple(nth), tuple(nots))

    def pseudo(self, nth: list[tuple[bool, int, int]], nots: list[Compound], inside: bool) -> None:
        text = self.text
        if text.startswith("::", self.i):
            self.fail()
        m = _RE_IDENT.match(text, self.i + 1)
        if m is None:
            self.fail()
            return
        name = m.group(0).lower()
        self.i = m.end()
        has_args = text.startswith("(", self.i)
        if name in ("first-child", "first-of-type") and not has_args:
            nth.append((name == "first-of-type", 0, 1))
            return
        if name in ("nth-child", "nth-of-type") and has_args:
            close = text.find(")", self.i)
            if close < 0:
                self.fail("missing ')'")
            arg = text[self.i + 1 : close].strip()
            am = _RE_ANB.match(arg)
            if am is None:
                self.fail(f"{arg!r} is not An+B (only :{name}(An+B) is supported, no 'of S')")
                return
            nth.append((name == "nth-of-type", *_parse_anb(am)))
            self.i = close + 1
            return
        if name == "not" and has_args and not inside:
            self.i += 1
            while True:
                self.skip_ws()
                nots.append(self.compound(inside_not=True))
                self.skip_ws()
                c = text[self.i : self.i + 1]
                if c == ")":
                    self.i += 1
                    return
                if c != ",":
                    self.fail(":not() takes compound selectors only (no combinators)")
                self.i += 1
        supported = ":first-child, :nth-child(), :first-of-type, :nth-of-type(), :not()"
        self.fail(f":{name} is not supported (supported: {supported})")


def _parse_anb(m: re.Match[str]) -> tuple[int, int]:
    if m.group(5):
        return (2, 1) if m.group(5).lower() == "odd" else (2, 0)
    if m.group(4) is not None:
        return 0, int(m.group(4))
    a_text = m.group(1)
    a = -1 if a_text == "-" else 1 if a_text in ("", "+") else int(a_text)
    b = int(m.group(3)) * (-1 if m.group(2) == "-" else 1) if m.group(3) else 0
    return a, b


def matches_the_root(selector: Selector) -> bool:
    """Whether ``selector`` matches an ``<html>`` element without attributes (``*``,
    ``:first-child``, ``:not(.x)`` ...): it is then skipped on every page, as a rule never
    rewrites the whole document."""
    root = El("html", HTML, 1)
    return bool(Matcher([selector]).match(root, El("#document", HTML, 0), ()))


class Matcher:
    """Evaluates a set of selectors on each element as the scanner creates it."""

    def __init__(self, selectors: Sequence[Selector]) -> None:
        self.count = len(selectors)
        plan: list[tuple[int, int, bool, Compound, int]] = []
        bit = 1
        for k, sel in enumerate(selectors):
            for compounds, child in sel.complexes:
                prev = 0
                for pos, comp in enumerate(compounds):
                    final = (1 << k) if pos == len(compounds) - 1 else 0
                    plan.append((bit, prev, child[pos], comp, final))
                    prev = bit
                    bit <<= 1
        self.plan = tuple(plan)
        # quirks mode (no or an old doctype): #id and .class match case-insensitively
        self.quirks_plan = tuple((b, p, c, folded(comp), f) for b, p, c, comp, f in plan)
        self.quirks = True  # until a doctype says otherwise
        comps = [p[3] for p in plan]
        self.structural = 0
        for k, sel in enumerate(selectors):
            if any(c.nth or any(n.nth for n in c.nots) for cs, _ in sel.complexes for c in cs):
                self.structural |= 1 << k
        self.needs_attrs = any(c.needs_attrs for c in comps)
        # when every compound names its element type, other elements only need counting
        self.tags = (
            frozenset(c.tag for c in comps if c.tag is not None)
            if all(c.tag is not None for c in comps)
            else None
        )
        self.of_type = any(c.of_type for c in comps)

    def match(self, el: El, parent: El, found: Sequence[Attr]) -> int:
        parent.nchild += 1
        el.index = parent.nchild
        if self.of_type:
            types = parent.types
            if types is None:
                types = parent.types = {}
            key = el.name.lower()
            el.type_index = types[key] = types.get(key, 0) + 1
        return self.rematch(el, parent, found)

    def unmatched(self, el: El, parent: El) -> None:
        """``el`` cannot match any compound (its type is named by none): count it, inherit."""
        parent.nchild += 1
        el.index = parent.nchild
        if self.of_type:
            types = parent.types
            if types is None:
                types = parent.types = {}
            key = el.name.lower()
            el.type_index = types[key] = types.get(key, 0) + 1
        el.avail = parent.avail

    def rematch(self, el: El, parent: El, found: Sequence[Attr]) -> int:
        """The selectors ``el`` matches under ``parent`` (its sibling counts as they are)."""
        amap = {a.name: a.value for a in found} if found else {}
        plan = self.quirks_plan if self.quirks and amap else self.plan
        exact = result = 0
        pe, pa = parent.exact, parent.avail
        for bit, prev, child, comp, final in plan:
            if prev and not ((pe if child else pa) & prev):
                continue
            if comp.matches(el, amap):
                exact |= bit
                result |= final
        el.exact = exact
        el.avail = pa | exact
        return result
