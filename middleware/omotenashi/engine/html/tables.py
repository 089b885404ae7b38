"""Tree construction in tables, select and template, and the dispatcher over all modes.

Tables decide many extents on real pages (omitted ``</td>``, ``</tr>``, implied ``tbody``).
Content that a table moves out before itself (foster parenting) makes the table's and that
content's extents unsure; selectors are skipped for the response (sibling order changes).
"""

from __future__ import annotations

from .body import BREAKOUT, TABLE_MODES
from .core import TABLEISH
from .head import (
    AFTER_HEAD,
    IN_BODY,
    IN_CAPTION,
    IN_CELL,
    IN_COLGROUP,
    IN_HEAD,
    IN_ROW,
    IN_SELECT,
    IN_SELECT_TABLE,
    IN_TABLE,
    IN_TBODY,
    IN_TEMPLATE,
    INITIAL,
)
from .select import CELLS, SECTIONS, TABLE_PARTS, Select
from .tokens import NONWS
from .tree import CELL, HTML, MODE, SECTION, TABLE

TABLE_CTX = frozenset(("table", "template", "html"))
TBODY_CTX = frozenset(("tbody", "tfoot", "thead", "template", "html"))
ROW_CTX = frozenset(("tr", "template", "html"))
_RESET = {
    "td": IN_CELL,
    "th": IN_CELL,
    "tr": IN_ROW,
    "tbody": IN_TBODY,
    "thead": IN_TBODY,
    "tfoot": IN_TBODY,
    "caption": IN_CAPTION,
    "colgroup": IN_COLGROUP,
    "table": IN_TABLE,
    "head": IN_HEAD,
    "body": IN_BODY,
}


class Builder(Select):
    # --- dispatch ---------------------------------------------------------------------------
    def start(self, name: str) -> None:
        cur = self.stack[-1]
        if cur.ns != HTML:
            ip = cur.ip
            if not (
                (ip == 1 and name not in ("mglyph", "malignmark"))
                or ip == 2
                or (ip == 3 and name == "svg")
            ):
                self.foreign_start(name)
                return
        # A foreign target this closes would not be closed once its content is replaced:
        # the tag would then reach it, inside, as foreign content (unless it breaks out)
        self.via = 1 if name not in BREAKOUT else 0
        mode = self.mode
        if mode == IN_BODY:
            self.body_start(name)
        elif mode in (IN_TABLE, IN_TBODY, IN_ROW):
            self.table_start(name)
        elif mode == IN_CELL or mode == IN_CAPTION:
            self.cell_start(name)
        elif mode == IN_COLGROUP:
            self.colgroup(name, True)
        elif mode == IN_SELECT or mode == IN_SELECT_TABLE:
            self.select_start(name)
        elif mode == IN_TEMPLATE:
            self.template_start(name)
        else:
            self.head_start(name)
        self.via = 0

    def end(self, name: str) -> None:
        if self.stack[-1].ns != HTML:
            self.foreign_end(name)
        else:  # (... or would end a foreign element of that name instead)
            self.via = 2 if name not in ("p", "br") and self.top("\0" + name) >= 0 else 0
            self.mode_end(name)
            self.via = 0

    def mode_end(self, name: str) -> None:
        mode = self.mode
        if mode == IN_BODY:
            self.body_end(name)
        elif mode in (IN_TABLE, IN_TBODY, IN_ROW):
            self.table_end(name)
        elif mode == IN_CELL or mode == IN_CAPTION:
            self.cell_end(name)
        elif mode == IN_COLGROUP:
            self.colgroup(name, False)
        elif mode == IN_SELECT or mode == IN_SELECT_TABLE:
            self.select_end(name)
        elif mode == IN_TEMPLATE:
            if name == "template":
                self.template_end()
        else:
            self.head_end(name)

    def text(self, i: int, j: int) -> None:
        """Text ``page[i:j]`` between two tokens."""
        cur = self.stack[-1]
        if cur.ns != HTML and cur.ip not in (1, 2):
            return
        mode = self.mode
        if mode == IN_BODY or mode == IN_CELL or mode == IN_CAPTION or mode == IN_TEMPLATE:
            self.reconstruct()
        elif mode in (IN_TABLE, IN_TBODY, IN_ROW):
            if cur.name not in TABLEISH:
                self.reconstruct()
            elif NONWS.search(self.s, i, j):
                self.fostered("text moved out of a table")
                self.foster = True
                try:
                    self.reconstruct()
                finally:
                    self.foster = False
        elif mode == IN_COLGROUP or mode in (INITIAL, IN_HEAD, AFTER_HEAD):
            m = NONWS.search(self.s, i, j)
            if m is None:
                return
            self.lt = self.tend = m.start()  # what closes here is closed by this character
            if mode != IN_COLGROUP:
                self.to_body()
                self.reconstruct()
            elif cur.name == "colgroup":
                self.pop(self.lt, self.lt)
                self.mode = IN_TABLE
                self.text(m.start(), j)

    def reset_mode(self) -> None:
        el = self.stack[self.bounds[MODE][-1]]
        name = el.name
        if name == "select":
            self.mode = IN_SELECT_TABLE if el.tbl else IN_SELECT
        elif name == "template":
            self.mode = self.tmodes[-1] if self.tmodes else IN_BODY
        elif name == "html":
            self.mode = INITIAL if self.head is None else AFTER_HEAD
        else:
            self.mode = _RESET[name]

    def clear_to(self, ctx: frozenset[str]) -> None:
        stack = self.stack
        while not (stack[-1].ns == HTML and stack[-1].name in ctx):
            self.pop(self.lt, self.lt)

    # --- in table, in table body, in row ----------------------------------------------------
    def table_start(self, name: str) -> None:
        mode = self.mode
        if mode == IN_ROW:
            if name in CELLS:
                self.clear_to(ROW_CTX)
                self.insert(name)
                self.mode = IN_CELL
                self.marker()
                return
            if name in TABLE_PARTS:
                if self.in_scope("tr", TABLE) < 0:
                    return
                self.clear_to(ROW_CTX)
                self.pop(self.lt, self.lt)
                self.mode = IN_TBODY
                self.table_start(name)
                return
        elif mode == IN_TBODY:
            if name == "tr" or name in CELLS:
                self.clear_to(TBODY_CTX)
                if name == "tr":
                    self.insert(name)
                    self.mode = IN_ROW
                else:
                    self.phantom("tr")
                    self.mode = IN_ROW
                    self.table_start(name)
                return
            if name in ("caption", "col", "colgroup") or name in SECTIONS:
                if self.class_in_scope(SECTION, TABLE) < 0:
                    return
                self.clear_to(TBODY_CTX)
                self.pop(self.lt, self.lt)
                self.mode = IN_TABLE
                self.table_start(name)
                return
        if name == "caption":
            self.clear_to(TABLE_CTX)
            self.marker()
            self.insert(name)
            self.mode = IN_CAPTION
        elif name == "colgroup" or name == "col":
            self.clear_to(TABLE_CTX)
            self.mode = IN_COLGROUP
            if name == "col":
                self.phantom("colgroup")
                self.colgroup(name, True)
            else:
                self.insert(name)
        elif name in SECTIONS or name in CELLS or name == "tr":
            self.clear_to(TABLE_CTX)
            self.mode = IN_TBODY
            if name in SECTIONS:
                self.insert(name)
            else:
                self.phantom("tbody")
                self.table_start(name)
        elif name == "table":
            d = self.in_scope("table", TABLE)
            if d >= 0:
                self.pop_to(d)
                self.reset_mode()
                self.start(name)
        elif name in ("style", "script", "template"):
            self.head_rules(name)
        elif name == "input" and (self.tok_attr("type") or "").lower() == "hidden":
            self.insert_void(name)
        elif name == "form":
            if not self.template_open() and self.form is None:
                self.push(self.make(name))
                self.form = self.stack[-1]
                self.pop_void()
        else:
            self.foster = True
            try:
                self.body_start(name)
            finally:
                self.foster = False

    def table_end(self, name: str) -> None:
        mode = self.mode
        lt, tend = self.lt, self.tend
        if mode == IN_ROW:
            if name == "tr" or name == "table" or name in SECTIONS:
                if (name in SECTIONS and self.in_scope(name, TABLE) < 0) or self.in_scope(
                    "tr", TABLE
                ) < 0:
                    return
                self.clear_to(ROW_CTX)
                self.pop(lt, tend if name == "tr" else lt)
                self.mode = IN_TBODY
                if name != "tr":
                    self.table_end(name)
                return
            if name in ("body", "caption", "col", "colgroup", "html") or name in CELLS:
                return
        elif mode == IN_TBODY:
            if name in SECTIONS or name == "table":
                if (name in SECTIONS and self.in_scope(name, TABLE) < 0) or self.class_in_scope(
                    SECTION, TABLE
                ) < 0:
                    return
                self.clear_to(TBODY_CTX)
                self.pop(lt, tend if name != "table" else lt)
                self.mode = IN_TABLE
                if name == "table":
                    self.table_end(name)
                return
            if name in ("body", "caption", "col", "colgroup", "html", "tr") or name in CELLS:
                return
        if name == "table":
            d = self.in_scope("table", TABLE)
            if d >= 0:
                self.pop_to(d, tend)
                self.reset_mode()
        elif name in TABLE_PARTS or name in ("body", "html"):
            return
        elif name == "template":
            self.template_end()
        else:
            self.foster = True
            try:
                self.body_end(name)
            finally:
                self.foster = False

    # --- in cell, in caption ----------------------------------------------------------------
    def cell_start(self, name: str) -> None:
        if name in TABLE_PARTS:
            if self.mode == IN_CELL:
                d = self.class_in_scope(CELL, TABLE)
                if d < 0:
                    return
            else:
                d = self.in_scope("caption", TABLE)
                if d < 0:
                    return
            self.pop_to(d)
            self.clear_to_marker()
            self.mode = IN_ROW if self.mode == IN_CELL else IN_TABLE
            self.start(name)
        else:
            self.body_start(name)

    def cell_end(self, name: str) -> None:
        if self.mode == IN_CAPTION:
            if name == "caption" or name == "table":
                d = self.in_scope("caption", TABLE)
                if d < 0:
                    return
                self.pop_to(d, self.tend if name == "caption" else -1)
                self.clear_to_marker()
                self.mode = IN_TABLE
                if name == "table":
                    self.end(name)
            elif name in TABLE_PARTS or name in ("body", "html"):
                return
            else:
                self.body_end(name)
            return
        if name in CELLS:
            d = self.in_scope(name, TABLE)
            if d >= 0:
                self.pop_to(d, self.tend)
                self.clear_to_marker()
                self.mode = IN_ROW
        elif name in ("body", "caption", "col", "colgroup", "html"):
            return
        elif name in ("table", "tr") or name in SECTIONS:
            if self.in_scope(name, TABLE) < 0:
                return
            self.pop_to(self.class_in_scope(CELL, TABLE))
            self.clear_to_marker()
            self.mode = IN_ROW
            self.end(name)
        else:
            self.body_end(name)

    def finish(self) -> None:
        """End of input: every open element ends here."""
        n = len(self.s)
        self.lt = self.tend = n
        while len(self.stack) > 1:
            self.pop(n, n)
            self.left_open = True  # what is popped next held what was just popped
        self.pop(n, n)
        self.left_open = False


__all__ = ["AFTER_HEAD", "Builder", "TABLE_MODES"]
