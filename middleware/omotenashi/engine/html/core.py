"""Creating and closing elements, and the records of the targets among them. A target is an
element that carries the slot attribute or matches a selector. Its record notes
where it starts and ends and, when something makes its extent unsure (foster parenting, the
adoption agency moving it, a formatting element cloned in or out of it), why: never rewritten."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from .context import around, marker_left
from .hides import HIDING, UNUSABLE, hidden_by, unusable
from .tokens import Attr, attrs, positions, self_closing
from .tree import BUTTON, DEEP, FOSTERED, HTML, MODE, NOTELESS, TEMPLATE, El, GiveUp, Tree, shadows

TABLEISH = frozenset(("table", "tbody", "tfoot", "thead", "tr"))
# How much of a why note (engine/disclosure.py) may go at a place: none, one without its
# "don't show me this" form (a form of the page is open there), or the whole note
NOTE_NONE, NOTE_BARE, NOTE_FULL = 0, 1, 2
# The parser reads a note in a table's rows by the table's rules: its form, inputs and text
# would move or close at once (the nearest of these open decides the insertion mode)
_TABLE_MODE = TABLEISH | {"colgroup"}
_CELLS = frozenset(("td", "th", "caption"))
# Elements a note must not end up in: where it would be text, or would move out of a table
_NO_NOTE_IN = TABLEISH | frozenset(  # (a template's content is inert: a note there is unseen)
    "p colgroup script style textarea title xmp iframe noembed noframes noscript plaintext "
    "template".split())  # fmt: skip


class Rec:
    """A target while the scan runs."""

    __slots__ = (
        "tag", "start", "open_end", "close_start", "end", "void", "attrs", "slot", "sel",
        "opt_out", "parent", "unsure", "self_closing", "seq", "note_in", "note_after", "settled",
        "context", "hidden",
    )  # fmt: skip

    def __init__(self, tag: str, start: int, open_end: int, found: tuple[Attr, ...]) -> None:
        self.tag = tag
        self.start = start
        self.open_end = open_end
        self.close_start = -1
        self.end = -1
        self.void = False
        self.attrs = found
        self.slot: str | None = None
        self.sel = 0  # bit mask of the selectors it matches
        self.opt_out = False
        self.parent = -1
        self.unsure = ""
        self.self_closing = False
        self.seq = 0
        self.note_in = NOTE_NONE  # how much of a why note may end its content (NOTE_*)
        self.note_after = NOTE_NONE  # how much may follow it
        self.settled = True  # no formatting element was waiting to re-open where it starts
        self.context = 0  # what the page has open around its content (context.py)
        self.hidden = False  # it or an element open around it has ``hidden``, or a <template>


class Matcher(Protocol):
    needs_attrs: bool
    count: int
    quirks: bool
    structural: int  # bit mask of the selectors that count siblings
    tags: frozenset[str] | None  # the element types every compound names (None: any)

    def rematch(self, el: El, parent: El, found: Sequence[Attr]) -> int: ...

    def unmatched(self, el: El, parent: El) -> None: ...

    def match(self, el: El, parent: El, found: Sequence[Attr]) -> int: ...


class Core(Tree):
    """Element creation and closing, target records, the budget that keeps the scan linear."""

    def __init__(self, page: str, slot: str, opt_out: str, matcher: Matcher | None) -> None:
        super().__init__()
        self.s = page
        self.slot_attr = slot
        self.opt_attr = opt_out
        self.matcher = matcher
        self.recs: list[Rec] = []
        self.open_recs: list[int] = []
        self.seq = 0
        self.budget = len(page) // 2 + 4096  # repair work (clones, rearrangements) allowed
        self.sel_skip: dict[int, str] = {}  # selector index -> why it is skipped
        self.messy = -1  # depth of a <select> holding markup parsers disagree on
        self.af: list[El] = []  # the list of active formatting elements (formatting.py)
        self.form: El | None = None  # the parser's form element pointer (body.py)
        self.quirks = False  # a quirks-mode page (body.py: from its doctype)
        self.left_open = False  # what is being closed held elements closed just before it
        self.breakout = -1  # where a tag breaking out of <svg>/<math> is read (body.py)
        self.foster = False  # processing a token of table mode with foster parenting
        self.via = 0  # a token HTML rules take from inside a foreign element (tables.py)
        self.lt = 0  # the current token: '<', end, end of its name
        self.tend = 0
        self.name_end = 0
        self._attrs: tuple[Attr, ...] | None = None
        # where attributes are read: the slot's and any ``hidden`` (marks), the opt-out's
        self.marks, self.offs = positions(page, slot, opt_out)
        self.hidden_doubt = 1 << 62  # from this element on, hidden ones are unsure (formatting)
        self._mi = 0
        self._oi = 0

    def token(self, lt: int, tend: int, name_end: int) -> None:
        self.lt, self.tend, self.name_end = lt, tend, name_end
        self._attrs = None

    def tok_attrs(self) -> tuple[Attr, ...]:
        if self._attrs is None:
            self._attrs = (
                attrs(self.s, self.name_end, self.tend) if self.name_end < self.tend - 1 else ()
            )
        return self._attrs

    def tok_attr(self, name: str) -> str | None:
        for a in self.tok_attrs():
            if a.name == name:
                return a.value
        return None

    def tok_self_closing(self) -> bool:
        return self_closing(self.s, self.name_end - 1, self.tend)

    def _marked(self, marks: list[int], i: int) -> tuple[bool, int]:
        n = len(marks)
        while i < n and marks[i] < self.lt:
            i += 1
        return (i < n and marks[i] < self.tend), i

    def spend(self, cost: int) -> None:
        self.budget -= cost
        if self.budget < 0:
            raise GiveUp("too much repair work for misnested markup", self.lt)

    def skip_selectors(self, mask: int, reason: str, at: int | None = None) -> None:
        said, i = f"{reason} at offset {self.lt if at is None else at}", 0
        while mask:
            if mask & 1 and i not in self.sel_skip:
                self.sel_skip[i] = said
            mask >>= 1
            i += 1

    def all_selectors(self) -> int:
        return (1 << self.matcher.count) - 1 if self.matcher is not None else 0

    def unsure(self, el: El, reason: str) -> None:
        if el.rec >= 0 and not self.recs[el.rec].unsure:
            self.recs[el.rec].unsure = f"{reason} at offset {self.lt}"

    # --- creating elements ------------------------------------------------------------------
    def make(
        self, name: str, ns: int = HTML, sourced: bool = True, sig: tuple[Attr, ...] = ()
    ) -> El:
        """A new element for the current token (``sourced``) or an implied/cloned one."""
        self.seq += 1
        el = El(name, ns, self.seq)
        if sig:
            el.sig = sig
        stack = self.stack
        parent = stack[-1] if stack else None
        # the innermost target open now: if the parser re-opens this element after that target
        # closed (a formatting element left in the list, even from a template), it is unsure
        el.owner = self.open_recs[-1] if self.open_recs else -1
        if parent is None or len(self.bounds[TEMPLATE]) > 1:
            if name == "slot" and ns == HTML and parent is not None and sourced:
                host = self.stack[self.bounds[TEMPLATE][-1]].host  # (a shadow root's slot)
                if host is not None and host.slots is not None:
                    host.slots.add(self.tok_attr("name") or "")
            return el  # the root, or inside a template's content (not in the document)
        if self.foster and parent.ns == HTML and parent.name in TABLEISH:
            self.fostered("element moved out of a table", self.structural())
            parent = stack[self.top("table") - 1]  # its parent in the document: the table's
        if name == "template" and parent is stack[-1] and shadows(parent, el, self.tok_attrs()):
            return el  # a declarative shadow root: no element of the document (html64)
        found: Sequence[Attr] = ()
        mask = 0
        matcher = self.matcher
        if sourced:
            slot = off = False
            if self._mi < len(self.marks) and self.marks[self._mi] < self.tend:
                slot, self._mi = self._marked(self.marks, self._mi)
            if self._oi < len(self.offs) and self.offs[self._oi] < self.tend:
                off, self._oi = self._marked(self.offs, self._oi)
            if slot or off or (matcher is not None and matcher.needs_attrs):
                found = self.tok_attrs()
        else:
            el.flag = True
            found = sig
        if matcher is not None:
            mask = matcher.match(el, parent, found)
            el.result = mask
            if found and el.sig is None:
                el.sig = tuple(found)  # to match it again if the parser moves it
        if not sourced:
            if mask:
                self.skip_selectors(mask, f"an implied or cloned <{name}> matches")
            hides = ns == HTML and hidden_by(found)  # (a clone's, its own)
            if ns == HTML and any(a.name in UNUSABLE and unusable(a) for a in found):
                el.kinds += (NOTELESS,)  # (a re-opened <b inert>, as its first: last63d)
            if hides or parent is not stack[-1]:
                self.hiding(el, hides, parent.depth)
            return el
        rec = None
        hides = False
        # a shadow host's child that no <slot> of its shadow root takes is never shown
        unslotted = (
            parent.slots is not None
            and parent is stack[-1]
            and (self.tok_attr("slot") or "") not in parent.slots
        )
        if found:
            slot_value = off_value = None
            for a in found:
                if a.name == self.slot_attr:
                    slot_value = a.value
                elif a.name == self.opt_attr:
                    off_value = a.value
                elif a.name in HIDING:  # (``hidden``: any value, "until-found" too)
                    hides = True  # (read once below: hidden_by reads every attribute)
                elif a.name in UNUSABLE and ns == HTML and unusable(a):  # (no "i" in: html62)
                    el.kinds += (NOTELESS,)
            hides = (hides and ns == HTML and hidden_by(found)) or unslotted
            if slot_value is not None or mask:
                rec = self._record(el, name, mask, parent.depth, hides)
                rec.slot = slot_value
            if off_value is not None:
                if rec is not None:
                    rec.opt_out = True
                elif self.open_recs:
                    self.recs[self.open_recs[-1]].opt_out = True
        else:
            hides = unslotted
            if mask:
                rec = self._record(el, name, mask, parent.depth, hides)
        if hides or parent is not stack[-1]:
            self.hiding(el, hides, parent.depth)
        return el

    def _record(self, el: El, name: str, mask: int, at: int, hides: bool) -> Rec:
        rec = Rec(name, self.lt, self.tend, self.tok_attrs())
        rec.self_closing = self.tok_self_closing()
        rec.sel = mask
        rec.seq = el.seq
        rec.parent = self.open_recs[-1] if self.open_recs else -1
        # not seen by a visitor: inside (or itself) an element with ``hidden``, or a <template>
        rec.hidden = hides or el.key == "template" or self.held_hidden(at)
        rec.settled = (not self.af or self.settled(self.af, el, False)) and (
            name in _CELLS or self.stack[self.bounds[MODE][-1]].name not in _TABLE_MODE
        )
        if self.foster and self.stack[-1].name in TABLEISH:
            rec.unsure = f"element moved out of a table at offset {self.lt}"
        elif at >= DEEP:  # browsers stop nesting there: a deeper element is not in it (html60)
            rec.unsure = f"nested {at + 1} elements deep at offset {self.lt}"
        messy = self.messy
        if messy >= 0:
            if messy < len(self.stack) and self.stack[messy].name == "select":
                rec.unsure = f"markup inside <select> at offset {self.lt}"
            else:
                self.messy = -1
        el.rec = len(self.recs)
        self.recs.append(rec)
        return rec

    def push(self, el: El) -> None:
        self.attach(el)
        if el.rec >= 0:
            self.open_recs.append(el.rec)
            self.recs[el.rec].context = around(self, self.af, self.form, self.quirks)

    def structural(self) -> int:
        """The selectors that count siblings (:nth-child ...): sibling order is what moved."""
        return self.matcher.structural if self.matcher is not None else 0

    def fostered(self, reason: str, selectors: int = 0) -> None:
        """Content of a table moves before it: the table (and its open rows) lose sure extents."""
        self.skip_selectors(selectors, reason)
        stack = self.stack
        for depth in range(len(stack) - 1, -1, -1):
            el = stack[depth]
            self.unsure(el, reason)
            if el.name == "table" or len(stack) - depth > 4:
                break

    # --- closing elements -------------------------------------------------------------------
    def pop(self, close_start: int, end: int) -> El:
        el = self.detach()
        if el.rec >= 0:
            self._close(el, close_start, end)
        return el

    def _close(self, el: El, close_start: int, end: int) -> None:
        rec = self.recs[el.rec]
        rec.close_start, rec.end = close_start, end
        if self.via and el.ns != HTML and (self.via == 2 or el.ip not in (1, 2)):
            rec.unsure = rec.unsure or f"<{el.name}> ended from inside it at offset {self.lt}"
        form = self.form
        if form is not None and form.seq > el.seq and not rec.unsure:
            # the parser keeps pointing at a form opened inside: later forms are ignored and
            # later controls belong to it; without that content, they would not be
            rec.unsure = f"a <form> inside is left open at offset {self.lt}"
        elif not rec.unsure and (why := marker_left(self.af, el, self.s, self.lt)):  # <object>
            rec.unsure = f"{why} (an <object> or a cell left open in it) at offset {self.lt}"
        self._note_levels(el, rec)
        if self.open_recs and self.open_recs[-1] == el.rec:
            self.open_recs.pop()
        elif el.rec in self.open_recs:
            self.open_recs.remove(el.rec)
        if rec.opt_out and rec.parent >= 0:
            self.recs[rec.parent].opt_out = True

    def form_let_go(self, form: El) -> None:
        """A ``</form>`` clears the parser's form pointer: the targets open around it that
        started after ``form`` lose it with their content, and the page after stays in a form."""
        self.unsure_after(form.seq, "</form> of a form opened before it")

    def unsure_after(self, seq: int, why: str) -> None:
        """The targets open now that started after the element numbered ``seq`` are unsure
        (``why``, at this offset): replacing their content changes the page after them."""
        recs, open_recs = self.recs, self.open_recs
        for k in range(len(open_recs) - 1, -1, -1):
            self.spend(1)
            rec = recs[open_recs[k]]
            if rec.seq <= seq:
                break
            rec.unsure = rec.unsure or f"{why} at offset {self.lt}"

    def _note_levels(self, el: El, rec: Rec) -> None:
        """Where a why note's markup parses as it does alone, leaving the page's elements as
        they were: at the end of the target's content (``note_in``) and right after it
        (``note_after``). Read as the target closes: the stack holds the elements around it."""
        bounds, depths, name = self.bounds, self.depths, el.name
        if bounds[NOTELESS][-1] >= 0 or rec.close_start == self.breakout:
            return  # tree.NOTELESS_NAMES; content ending in an <svg>/<math> left open (html70)
        p = depths.get("p")
        if p and p[-1] >= bounds[BUTTON][-1]:
            return  # a <details> closes the <p>
        if not depths.get("body") and name != "body":
            return  # in the head: a <details> would start the body
        if not rec.settled or (
            self.af and not self.settled(self.af, el, rec.close_start < rec.end)
        ):
            return  # the note's text would re-open a formatting element inside it
        level = NOTE_BARE if self.form is not None or depths.get("form") else NOTE_FULL
        if el.ns != HTML or NOTELESS in el.kinds or name in _NO_NOTE_IN:
            own = NOTE_NONE
        else:
            own = NOTE_BARE if name == "form" else NOTE_FULL
        rec.note_in = NOTE_NONE if rec.void else min(level, own)
        if name in ("body", "html") or self.stack[bounds[MODE][-1]].name in _TABLE_MODE:
            return  # (only HTML elements are MODE ones) in a table's rows: read by its rules
        if rec.close_start == rec.end and not rec.void:
            if self.left_open:
                return  # an implied end: a note after it lands in what its content left open
            if name != "p":  # (a <details> closes a <p> as what ends it would)
                level = min(level, own)  # an implied end: the note lands inside the element
        if name != "summary" or self.stack[-1].key != "details":  # (after a <details>' summary
            rec.note_after = level  # is its content, unseen while it is closed: ui61)

    def pop_to(self, depth: int, end: int = -1) -> None:
        """Pop until the element at ``depth`` is popped; it ends at ``end`` (its own end tag)."""
        if depth <= 0:
            return  # never the root (a bug upstream; the root stays open)
        lt = self.lt
        stack = self.stack
        if len(stack) == depth + 1:
            self.pop(lt, end if end >= 0 else lt)
            return
        while len(stack) > depth + 1:
            self.pop(lt, lt)
            self.left_open = True  # what is popped next held what was just popped
        self.pop(lt, end if end >= 0 else lt)
        self.left_open = False

    def pop_void(self) -> None:
        el = self.detach()
        if el.rec >= 0:
            self.recs[el.rec].void = True
            self._close(el, self.tend, self.tend)

    def remove_at(self, depth: int) -> None:
        """Take the element at ``depth`` out of the middle of the stack (``</form>``)."""
        stack = self.stack
        if len(stack) - depth > 64:
            raise GiveUp("element removed from deep in the stack", self.lt)
        self.spend(len(stack) - depth)
        out = self.hidden_in(depth)  # (what was inside it still is, in the document)
        above = [self.detach() for _ in range(len(stack) - depth - 1)]
        if above and FOSTERED not in above[-1].kinds:  # an <a> off the stack below a <table>
            self.placed_apart(above[-1], out)  # still holds what the table moves out
        gone = self.detach()
        self.unsure(gone, "element closed out of order")
        if gone.rec >= 0:
            self._close(gone, self.lt, self.lt)
        self.skip_selectors(self.all_selectors(), "element closed out of order")
        for el in reversed(above):
            self.attach(el)
