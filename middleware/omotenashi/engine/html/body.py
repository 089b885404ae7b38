"""Tree construction "in body" and "in head" (WHATWG 13.2.6.4), as far as extents depend on it.

Only what decides where elements start and end is modelled: implied end tags, ``p`` closing,
``li``/``dd``/``dt``, headings, ``button``, ``form``, formatting elements and the adoption
agency, foreign content (``svg``/``math`` and their integration points), raw text elements
(scripting enabled, as in browsers: ``noscript`` is raw text), ``template``.
"""

from __future__ import annotations

from .context import at_body_end
from .formatting import FORMATTING
from .head import (
    HEADISH,
    IMPLIED,
    IN_CAPTION,
    IN_CELL,
    IN_ROW,
    IN_SELECT,
    IN_SELECT_TABLE,
    IN_TABLE,
    IN_TBODY,
    INITIAL,
    RAW,
    Head,
)
from .tree import BUTTON, DDT, HEADING, HTML, HTML_NS, LI_WALK, LIST, MATH, SPECIAL, SVG, El, GiveUp
from .tree import SPECIAL_PAST as PAST_SEARCH
from .tree import TEMPLATE as TEMPLATE_CLASS

CLOSES_P = frozenset(
    "address article aside blockquote center details dialog dir div dl fieldset figcaption "
    "figure footer header hgroup main menu nav ol p search section summary ul".split()
)
BLOCK_END = frozenset(
    "address article aside blockquote button center details dialog dir div dl fieldset "
    "figcaption figure footer header hgroup listing main menu nav ol pre search section summary "
    "ul".split()
)
HEADINGS = frozenset("h1 h2 h3 h4 h5 h6".split())
VOID_RECONSTRUCT = frozenset("area br embed img keygen wbr input".split())
IGNORED_IN_BODY = frozenset("caption col colgroup frame head tbody td tfoot th thead tr".split())
BREAKOUT = frozenset(
    "b big blockquote body br center code dd div dl dt em embed h1 h2 h3 h4 h5 h6 head hr i img "
    "li listing menu meta nobr ol p pre ruby s small span strong strike sub sup table tt u ul "
    "var".split()
)
BODY_START_SPECIAL = (
    CLOSES_P
    | FORMATTING
    | HEADISH
    | VOID_RECONSTRUCT
    | HEADINGS
    | IGNORED_IN_BODY
    | RAW
    | frozenset(
        "image li dd dt pre listing hr xmp plaintext form table button applet marquee object "
        "param source track textarea iframe noembed noscript select option optgroup rb rtc rp rt "
        "svg math html body frameset".split()
    )
)
BODY_END_SPECIAL = (
    BLOCK_END
    | FORMATTING
    | HEADINGS
    | frozenset("dd dt p li form applet marquee object template br body html".split())
)
TABLE_MODES = (IN_TABLE, IN_CAPTION, IN_TBODY, IN_ROW, IN_CELL)


class Body(Head):
    def init_modes(self) -> None:
        self.init_formatting()
        self.mode = INITIAL
        self.tmodes = []
        self.head = None
        self.form: El | None = None
        self.quirks = True
        self.after_body = False
        self.body_closed = -1  # '<' of the last </body> the parser honoured (body in scope)
        self.body_context = 0  # what the page leaves open there (context.py's bits)
        self.raw = ""  # set when a start tag switches the tokenizer to raw text / plaintext
        self.hidden_after = 1 << 62  # targets made after the element numbered so are hidden
        root = self.make("html", sourced=False)
        self.push(root)

    # --- the dispatcher (tables.py) ---------------------------------------------------------
    def start(self, name: str) -> None:
        raise NotImplementedError

    def end(self, name: str) -> None:
        raise NotImplementedError

    def mode_end(self, name: str) -> None:
        raise NotImplementedError

    # --- helpers ----------------------------------------------------------------------------
    def insert(self, name: str) -> El:
        el = self.make(name)
        self.push(el)
        if name in RAW:
            self.raw = name
        return el

    def insert_void(self, name: str) -> None:
        self.push(self.make(name))
        self.pop_void()

    def phantom(self, name: str) -> El:
        el = self.make(name, sourced=False)
        self.push(el)
        return el

    def close_p(self) -> None:
        d = self.in_scope("p", BUTTON)
        if d >= 0:
            self.pop_to(d)

    def implied(self, names: frozenset[str] = IMPLIED, keep: str = "") -> None:
        stack = self.stack
        while True:
            cur = stack[-1]
            if cur.ns != HTML or cur.name not in names or cur.name == keep:
                return
            self.pop(self.lt, self.lt)

    def template_open(self) -> bool:
        return self.bounds[TEMPLATE_CLASS][-1] >= 0

    # --- in body ----------------------------------------------------------------------------
    def body_start(self, name: str) -> None:
        if name not in BODY_START_SPECIAL:  # span, label, abbr ...: the common case first
            self.reconstruct()
            self.insert(name)
        elif name in CLOSES_P:
            self.close_p()
            self.insert(name)
        elif name in FORMATTING:
            self.formatting_start(name)
        elif name in HEADISH:
            self.head_rules(name)
        elif name in VOID_RECONSTRUCT or name == "image":
            self.reconstruct()
            self.insert_void("img" if name == "image" else name)
        elif name in HEADINGS:
            self.close_p()
            cur = self.stack[-1]
            if cur.ns == HTML and cur.name in HEADINGS:
                self.pop(self.lt, self.lt)
            self.insert(name)
        elif name == "li" or name == "dd" or name == "dt":
            d = self.in_scope("li", LI_WALK) if name == "li" else self.class_in_scope(DDT, LI_WALK)
            if d < 0 and self.open_past_search(name):
                raise GiveUp(f"<{name}> in a <search> in an open one: browsers differ", self.lt)
            if d >= 0:
                self.pop_to(d)
            self.close_p()
            self.insert(name)
        elif name in ("pre", "listing", "hr", "xmp", "plaintext"):
            self.close_p()
            if name == "hr":
                self.insert_void(name)
                return
            if name == "xmp":
                self.reconstruct()
            self.insert(name)
            if name == "plaintext":
                self.raw = "plaintext"
        elif name == "form":
            if self.form is not None and not self.template_open():
                return
            self.close_p()
            el = self.insert(name)
            if not self.template_open():
                self.form = el
        elif name == "table":
            if not self.quirks:
                self.close_p()
            self.insert(name)
            self.mode = IN_TABLE
        elif name == "button":
            d = self.in_scope("button")
            if d >= 0:
                self.pop_to(d)
            self.reconstruct()
            self.insert(name)
        elif name in ("applet", "marquee", "object"):
            self.reconstruct()
            self.insert(name)
            self.marker()
        elif name in ("param", "source", "track"):
            self.insert_void(name)
        elif name in ("textarea", "iframe", "noembed", "noscript"):
            self.insert(name)
        elif name == "select":
            self.reconstruct()
            el = self.insert(name)
            el.tbl = self.mode in TABLE_MODES
            self.mode = IN_SELECT_TABLE if el.tbl else IN_SELECT
        elif name in ("option", "optgroup"):
            cur = self.stack[-1]
            if cur.ns == HTML and cur.name == "option":
                self.pop(self.lt, self.lt)
            self.reconstruct()
            self.insert(name)
        elif name in ("rb", "rtc", "rp", "rt"):
            if self.in_scope("ruby") >= 0:
                self.implied(keep="" if name in ("rb", "rtc") else "rtc")
            self.insert(name)
        elif name in ("svg", "math"):
            self.reconstruct()
            self.foreign(name, SVG if name == "svg" else MATH)
        elif name in ("html", "body"):
            self.merge_attrs(name)
        elif name in IGNORED_IN_BODY:
            return
        elif name == "frameset":  # whether the page becomes a frameset page, its body gone,
            for rec in self.recs:  # may turn on what a rule puts before it (html60): no target
                rec.unsure = rec.unsure or f"a <frameset> in the body at offset {self.lt}"
            self.skip_selectors(self.all_selectors(), "a <frameset> in the body")
            raise GiveUp("frameset in body", self.lt)
        else:
            self.reconstruct()
            self.insert(name)

    def merge_attrs(self, name: str) -> None:
        """An ``<html>``/``<body>`` tag for an element that exists: it adds its attributes."""
        found = self.tok_attrs()
        if not found:
            return
        self.spend(len(self.open_recs))
        for r in self.open_recs:  # they land outside every open target
            self.recs[r].unsure = f"<{name}> attributes inside at offset {self.lt}"
        d = 0 if name == "html" else self.top("body")
        if d == (1 if name == "body" else 0) and not self.template_open():  # (else: ignored)
            if any(a.name == "hidden" for a in found):  # all of it hidden, before and after
                self.hidden_after = min(self.hidden_after, self.stack[d].seq)
        if self.matcher is None or d < 0:
            return
        el = self.stack[d]
        have = tuple(el.sig or ())
        names = {a.name for a in have}
        merged = have + tuple(a for a in found if a.name not in names)
        if len(merged) == len(have):
            return
        el.sig = merged
        before = (el.exact, el.avail)
        parent = self.stack[d - 1] if d else El("#document", HTML, 0)
        now = self.matcher.rematch(el, parent, merged)
        if self.seq > el.seq and (el.exact, el.avail) != before:
            now = self.all_selectors()  # elements inside were matched without these attributes
        self.skip_selectors(now, f"<{name}> attributes")

    def formatting_start(self, name: str) -> None:
        if name == "a":
            fe = self._af_last("a")
            if fe is not None:
                self.adoption("a", self.lt)
                if fe in self.af:
                    self.af.remove(fe)
                if fe.depth >= 0:
                    self.remove_at(fe.depth)
        self.reconstruct()
        if name == "nobr" and self.in_scope("nobr") >= 0:
            if not self.adoption("nobr", self.lt):  # not in the list past its last marker:
                d = self.top("nobr")  # as any other end tag (AAA's step 4.3), closed here
                if d >= 0 and d >= self.bounds[SPECIAL][-1]:
                    self.pop_to(d)
            self.reconstruct()
        el = self.make(name)
        el.span = (self.name_end, self.tend)
        self.push(el)
        self.push_formatting(el)

    def foreign(self, name: str, ns: int) -> None:
        el = self.make(name, ns)
        if ns == MATH and name in ("mi", "mo", "mn", "ms", "mtext"):
            el.ip = 1
        elif ns == MATH and name == "annotation-xml":
            enc = (self.tok_attr("encoding") or "").lower()
            el.ip = 2 if enc in ("text/html", "application/xhtml+xml") else 3
        elif ns == SVG and name in ("foreignobject", "desc", "title"):
            el.ip = 2
        self.push(el)
        if self.tok_self_closing():
            self.pop_void()

    def foreign_start(self, name: str) -> None:
        if name in BREAKOUT or (
            name == "font" and any(a.name in ("color", "face", "size") for a in self.tok_attrs())
        ):
            stack = self.stack
            self.breakout = self.lt  # (what closes here has foreign content open at its end)
            while stack[-1].ns != HTML and stack[-1].ip not in (1, 2):
                self.pop(self.lt, self.lt)
            self.start(name)
            self.breakout = -1
            return
        self.foreign(name, self.stack[-1].ns)

    def foreign_end(self, name: str) -> None:
        if name == "p" or name == "br":
            stack = self.stack
            self.breakout = self.lt
            while stack[-1].ns != HTML and stack[-1].ip not in (1, 2):
                self.pop(self.lt, self.lt)
            self.mode_end(name)
            self.breakout = -1
            return
        d = self.top("\0" + name)
        if d >= 0 and d > self.bounds[HTML_NS][-1]:
            self.pop_to(d, self.tend)
        else:
            self.mode_end(name)

    def body_end(self, name: str) -> None:
        tend = self.tend
        if name not in BODY_END_SPECIAL:
            self.any_other_end(name)
        elif name in BLOCK_END or name == "dd" or name == "dt":
            d = self.in_scope(name)
            if d >= 0:
                self.pop_to(d, tend)
        elif name in FORMATTING:
            if not self.adoption(name, tend):
                self.any_other_end(name)
        elif name == "p":
            d = self.in_scope("p", BUTTON)
            if d < 0:
                self.phantom("p")
                d = len(self.stack) - 1
            self.pop_to(d, tend)
        elif name == "li":
            d = self.in_scope("li", LIST)
            if d >= 0:
                self.pop_to(d, tend)
        elif name in HEADINGS:
            d = self.class_in_scope(HEADING)
            if d >= 0:
                self.pop_to(d, tend)
        elif name == "form":
            self.form_end()
        elif name in ("applet", "marquee", "object"):
            d = self.in_scope(name)
            if d >= 0:
                self.pop_to(d, tend)
                self.clear_to_marker()
        elif name == "template":
            self.template_end()
        elif name == "br":  # a <br> without the end tag's attributes, which browsers drop
            self.reconstruct()
            self.push(self.make("br", sourced=False))
            self.pop_void()
        elif name in ("body", "html"):
            self.after_body = self.in_scope("body") >= 0
            if name == "body" and self.after_body and self.stack[-1].ns == HTML:
                self.body_closed = self.lt  # (in an <svg> or <math>, what follows stays there)
                self.body_context = at_body_end(self, self.af, self.form, self.quirks)
            elif self.after_body and self.stack[-1].ns != HTML:
                self.foreign_body_end()
        else:
            self.any_other_end(name)

    def foreign_body_end(self) -> None:
        """``</body>`` inside an ``<svg>`` or ``<math>``: the parser is "after body" until an
        HTML token, and the foreign end tags that close the open targets keep it so, so where
        what follows them lands depends on this tag inside them: rewriting them would move it."""
        self.spend(len(self.open_recs))
        for r in self.open_recs:
            self.recs[r].unsure = self.recs[r].unsure or f"</body> inside svg or math at {self.lt}"

    def outside_body(self) -> None:
        """A comment after ``</body>`` lands outside every open element."""
        self.spend(len(self.open_recs))
        for r in self.open_recs:
            self.recs[r].unsure = self.recs[r].unsure or f"comment after </body> at {self.lt}"

    def form_end(self) -> None:
        if self.template_open():
            d = self.in_scope("form")
            if d >= 0:
                self.pop_to(d, self.tend)
            return
        node, self.form = self.form, None
        if node is not None:
            self.form_let_go(node)
        if node is None or node.depth < 0 or node.depth < self.bounds[0][-1]:
            return
        self.implied()
        if self.stack[-1] is node:
            self.pop(self.lt, self.tend)
        else:
            self.remove_at(node.depth)

    def any_other_end(self, name: str) -> None:
        d, special, past = self.top(name), self.bounds[SPECIAL][-1], self.bounds[PAST_SEARCH][-1]
        if 0 <= past <= d < special:  # a <search> stops the spec's walk, not Chromium's (html62)
            raise GiveUp(f"</{name}> across a <search>: browsers differ", self.lt)
        if d >= 0 and d >= special:
            self.pop_to(d, self.tend)
