"""Tree construction in column groups, select and template content.

``select`` is where parsers disagree today (the customizable select): option and optgroup
follow the classic rules that every parser shares; any other markup inside a select makes the
select's extent, and every target inside it, unsure.
"""

from __future__ import annotations

from .body import Body
from .head import (
    HEADISH,
    IN_BODY,
    IN_COLGROUP,
    IN_ROW,
    IN_SELECT_TABLE,
    IN_TABLE,
    IN_TBODY,
)
from .tree import MATH, SELECT, SVG, TABLE

VOIDS = frozenset(
    "area base basefont bgsound br col embed hr img input keygen link meta param source track "
    "wbr".split()
)
SECTIONS = frozenset(("tbody", "tfoot", "thead"))
CELLS = frozenset(("td", "th"))
TABLE_PARTS = frozenset("caption col colgroup tbody td tfoot th thead tr".split())


class Select(Body):
    # --- in column group --------------------------------------------------------------------
    def colgroup(self, name: str, is_start: bool) -> None:
        cur = self.stack[-1]
        if is_start and name == "col":
            self.insert_void(name)
        elif name == "template":
            if is_start:
                self.head_rules(name)
            else:
                self.template_end()
        elif is_start and name == "html":
            self.merge_attrs(name)
        elif not is_start and name == "col":
            return
        elif cur.name != "colgroup":
            return
        else:
            closing = not is_start and name == "colgroup"
            self.pop(self.lt, self.tend if closing else self.lt)
            self.mode = IN_TABLE
            if not closing:
                (self.start if is_start else self.end)(name)

    # --- in select, in select in table ------------------------------------------------------
    def select_start(self, name: str) -> None:
        stack = self.stack
        if self.mode == IN_SELECT_TABLE and (name in TABLE_PARTS or name == "table"):
            if name not in ("col", "colgroup"):
                d = self.top("select")
                if d > 0:
                    self.pop_to(d)
                    self.reset_mode()
                    self.start(name)
            else:  # the classic rules ignore it; lexbor and Chromium end the select
                self.select_left()
            return
        if name in ("option", "optgroup", "hr"):
            if stack[-1].name == "option":
                self.pop(self.lt, self.lt)
            if name != "option" and stack[-1].name == "optgroup":
                self.pop(self.lt, self.lt)
            if name == "hr":
                self.insert_void(name)
            else:
                self.insert(name)
        elif name in ("select", "input"):  # (<keygen>: browsers differ, below)
            d = self.in_scope("select", SELECT)
            if d >= 0:
                self.pop_to(d)
                self.reset_mode()
                if name != "select":
                    self.start(name)
            else:
                self.select_left()
        elif name in ("script", "template"):
            self.head_rules(name)
        else:  # parsers disagree here (customizable select): the select's extent is unsure
            self.select_unsure()
            if name in ("html", "body", "head", "frameset") or name in TABLE_PARTS:
                self.body_start(name)  # merged into <html>/<body>, or ignored
            elif name in ("svg", "math"):
                self.foreign(name, SVG if name == "svg" else MATH)
            elif name in VOIDS:
                self.insert_void(name)
            else:
                self.insert(name)
                if name == "plaintext":
                    self.raw = name

    def select_unsure(self) -> None:
        d = self.top("select")
        self.messy = d
        self.skip_selectors(self.all_selectors(), "markup inside <select>")
        self.spend(len(self.stack) - d)
        for el in self.stack[max(d, 0) :]:
            self.unsure(el, "markup inside <select>")

    def select_left(self) -> None:
        """A ``<select>``, ``<input>`` or ``</select>`` the classic rules ignore (markup inside
        keeps the select out of select scope), or a ``<col>``/``<colgroup>`` in a table's
        select. lexbor and Chromium (the customizable select) end the select here and go on in
        what holds it, which the scan does not follow: every target open around it is unsure
        (those after it are too: the scan stays in the select)."""
        d = self.top("select")
        if d < 0 or self.stack[d].left:
            return
        self.stack[d].left = True
        self.select_unsure()
        recs = self.recs
        self.spend(len(self.open_recs))
        for r in self.open_recs:
            rec = recs[r]
            rec.unsure = rec.unsure or f"a <select> parsers end differently at offset {self.lt}"

    def select_end(self, name: str) -> None:
        stack = self.stack
        if self.mode == IN_SELECT_TABLE and (name in TABLE_PARTS or name == "table"):
            if name not in ("col", "colgroup") and self.in_scope(name, TABLE) >= 0:
                d = self.top("select")
                if d > 0:
                    self.pop_to(d)
                    self.reset_mode()
                    self.end(name)
            return
        if name == "optgroup":
            if stack[-1].name == "option" and stack[-2].name == "optgroup":
                self.pop(self.lt, self.lt)
            if stack[-1].name == "optgroup":
                self.pop(self.lt, self.tend)
        elif name == "option":
            if stack[-1].name == "option":
                self.pop(self.lt, self.tend)
        elif name == "select":
            d = self.in_scope("select", SELECT)
            if d >= 0:
                self.pop_to(d, self.tend)
                self.reset_mode()
            else:
                self.select_left()
        elif name == "template":
            self.template_end()
        else:  # ignored by every parser; what it would close inside the select is unsure
            self.select_unsure()

    # --- in template ------------------------------------------------------------------------
    def template_start(self, name: str) -> None:
        if name in HEADISH:
            self.head_rules(name)
            return
        if name in ("caption", "colgroup") or name in SECTIONS:
            mode = IN_TABLE
        elif name == "col":
            mode = IN_COLGROUP
        elif name == "tr":
            mode = IN_TBODY
        elif name in CELLS:
            mode = IN_ROW
        else:
            mode = IN_BODY
        self.tmodes[-1] = self.mode = mode
        self.start(name)
