"""Tree construction before the body: "before head", "in head", "after head", and ``template``.

Elements in head are void or raw text, so little decides extents here; what matters is where
the head ends and the body begins (a start tag or text that does not belong in head).
"""

from __future__ import annotations

from .formatting import Formatting
from .tree import El, GiveUp

(
    INITIAL,
    IN_HEAD,
    AFTER_HEAD,
    IN_BODY,
    IN_TABLE,
    IN_TBODY,
    IN_ROW,
    IN_CELL,
    IN_CAPTION,
    IN_COLGROUP,
    IN_SELECT,
    IN_SELECT_TABLE,
    IN_TEMPLATE,
) = range(13)
HEADISH = frozenset("base basefont bgsound link meta noframes script style template title".split())
RAW = frozenset("script style title textarea xmp iframe noembed noframes noscript".split())
IMPLIED = frozenset("dd dt li optgroup option p rb rp rt rtc".split())
THOROUGH = IMPLIED | frozenset("caption colgroup tbody td tfoot th thead tr".split())


class Head(Formatting):
    mode: int
    tmodes: list[int]
    head: El | None

    def body_start(self, name: str) -> None:
        raise NotImplementedError

    def body_end(self, name: str) -> None:
        raise NotImplementedError

    def reset_mode(self) -> None:
        raise NotImplementedError

    def insert(self, name: str) -> El:
        raise NotImplementedError

    def insert_void(self, name: str) -> None:
        raise NotImplementedError

    def phantom(self, name: str) -> El:
        raise NotImplementedError

    def implied(self, names: frozenset[str] = IMPLIED, keep: str = "") -> None:
        raise NotImplementedError

    def merge_attrs(self, name: str) -> None:
        raise NotImplementedError

    def to_body(self) -> None:
        """Imply whatever of head and body is missing, as text or a body element would."""
        if self.mode == INITIAL:
            self.head = self.phantom("head")
            self.mode = IN_HEAD
        if self.mode == IN_HEAD:
            self.pop(self.lt, self.lt)
            self.mode = AFTER_HEAD
        if self.mode == AFTER_HEAD:
            self.phantom("body")
            self.mode = IN_BODY

    # --- in head ----------------------------------------------------------------------------
    def head_rules(self, name: str) -> None:
        if name == "template":
            self.insert(name)
            self.marker()
            self.mode = IN_TEMPLATE
            self.tmodes.append(IN_TEMPLATE)
        elif name in RAW or name == "noscript":
            self.insert(name)
        else:
            self.insert_void(name)

    def template_end(self) -> None:
        d = self.top("template")
        if d < 0:
            return
        self.implied(THOROUGH)
        self.pop_to(d, self.tend)
        self.clear_to_marker()
        if self.tmodes:
            self.tmodes.pop()
        self.reset_mode()

    def head_start(self, name: str) -> None:
        if name == "html":
            self.merge_attrs(name)
            return
        if self.mode == INITIAL:
            if name == "head":
                self.head = self.insert("head")
                self.mode = IN_HEAD
                return
            self.head = self.phantom("head")
            self.mode = IN_HEAD
        if self.mode == IN_HEAD:
            if name in HEADISH or name == "noscript":
                self.head_rules(name)
                return
            if name == "head":
                return
            self.pop(self.lt, self.lt)
            self.mode = AFTER_HEAD
        if name == "body":
            self.insert("body")
            self.mode = IN_BODY
        elif name == "frameset":
            raise GiveUp("frameset document", self.lt)
        elif name in HEADISH:
            self.back_into_head(name)
        elif name != "head":
            self.phantom("body")
            self.mode = IN_BODY
            self.body_start(name)

    def back_into_head(self, name: str) -> None:
        """``<script>``, ``<link>``, ``<meta>`` ... after ``</head>``: browsers put it into the
        head (WHATWG "after head"): the head is pushed back, the element inserted into it, and
        the head taken off the stack again, below the element if that stays open."""
        head = self.head
        assert head is not None  # "after head" comes after a head, written or implied
        self.unsure(head, f"<{name}> put into <head> after its end")  # the head grows
        self.attach(head)
        self.head_rules(name)
        above = self.detach() if self.stack[-1] is not head else None
        self.detach()
        if above is not None:
            self.attach(above)

    def head_end(self, name: str) -> None:
        mode = self.mode
        if name == "template":
            if mode != INITIAL:
                self.template_end()
            return
        if mode == INITIAL and name in ("head", "body", "html", "br"):
            self.head = self.phantom("head")
            self.mode = mode = IN_HEAD
        if mode == IN_HEAD and name in ("head", "body", "html", "br"):
            self.pop(self.lt, self.tend if name == "head" else self.lt)
            self.mode = mode = AFTER_HEAD
            if name == "head":
                return
        if mode == AFTER_HEAD and name in ("body", "html", "br"):
            self.phantom("body")
            self.mode = IN_BODY
            self.body_end(name)
