"""The list of active formatting elements, its reconstruction, and the adoption agency algorithm.

Work here is bounded: the list is short on real pages, and every clone or rearrangement is
paid from the scan's budget (a constant times the page size), so misnested markup costs at
most a constant factor. Any target the algorithm moves, clones or re-parents becomes unsure.
"""

from __future__ import annotations

from .core import TABLEISH, Core
from .tokens import Attr, attrs
from .tree import HIDDEN, HTML, REARRANGE_LIMIT, SPECIAL, El, GiveUp

FORMATTING = frozenset("a b big code em font i nobr s small strike strong tt u".split())


class Formatting(Core):
    def init_formatting(self) -> None:
        self.af: list[El] = []

    def attrs_of(self, el: El) -> tuple[Attr, ...]:
        """A formatting element's attributes, read from the page the first time they matter."""
        if el.sig is None:
            el.sig = attrs(self.s, *el.span) if el.span and el.span[0] < el.span[1] - 1 else ()
        found: tuple[Attr, ...] = el.sig
        return found

    def marker(self) -> None:
        self.seq += 1
        self.af.append(El("#marker", HTML, self.seq))

    def clear_to_marker(self) -> None:
        af = self.af
        while af:
            if af.pop().name == "#marker":
                return

    def push_formatting(self, el: El) -> None:
        """Add ``el`` to the list, keeping at most three identical ones (Noah's Ark)."""
        af = self.af
        sig: frozenset[tuple[str, str]] | None = None
        same: list[int] = []
        j = len(af) - 1
        while j >= 0:
            e = af[j]
            if e.name == "#marker":
                break
            if e.name == el.name and e.ns == el.ns:
                if sig is None:
                    sig = frozenset((a.name, a.value) for a in self.attrs_of(el))
                if frozenset((a.name, a.value) for a in self.attrs_of(e)) == sig:
                    same.append(j)
            j -= 1
        self.spend(len(af) - 1 - j)
        if len(same) >= 3:
            del af[same[-1]]
        af.append(el)
        if len(af) > 512:
            raise GiveUp("too many open formatting elements", self.lt)

    def reconstruct(self) -> None:
        af = self.af
        if not af:
            return
        last = af[-1]
        if last.name == "#marker" or last.depth >= 0:
            return
        i = len(af) - 1
        while i > 0:
            prev = af[i - 1]
            if prev.name == "#marker" or prev.depth >= 0:
                break
            i -= 1
        for j in range(i, len(af)):
            self.spend(2)
            af[j] = self.clone(af[j])
            self.push(af[j])

    def raw_text(self) -> None:
        """Text in a raw text element: some parsers re-open formatting elements here."""
        af = self.af
        if af and af[-1].name != "#marker" and af[-1].depth < 0:
            self._leaked(af[-1].owner)

    def _leaked(self, owner: int) -> None:
        """A formatting element opened inside a closed target re-opens after it."""
        while owner >= 0 and self.recs[owner].close_start >= 0:
            self.spend(1)
            rec = self.recs[owner]
            rec.unsure = rec.unsure or f"formatting element inside re-opened at offset {self.lt}"
            owner = rec.parent

    def clone(self, e: El) -> El:
        """A new element like ``e`` (a reconstructed or adopted formatting element)."""
        self.unsure(e, "element cloned by the parser")
        c = self.make(e.name, e.ns, sourced=False, sig=self.attrs_of(e))
        c.owner = e.owner
        self._leaked(e.owner)
        # content now lands in a copy of a formatting element opened outside these targets
        self.unsure_after(e.seq, "formatting element re-opened inside")
        return c

    def _af_last(self, name: str) -> El | None:
        af = self.af
        for j in range(len(af) - 1, -1, -1):
            e = af[j]
            if e.name == "#marker":
                return None
            if e.name == name:
                self.spend(len(af) - j)
                return e
        return None

    def adoption(self, subject: str, end: int) -> bool:
        """The adoption agency algorithm for the end tag ``subject``; False: any-other-end-tag."""
        cur = self.stack[-1]
        af = self.af
        if af and af[-1] is cur and cur.name == subject:  # the usual, well-nested case
            self.pop(self.lt, end)
            af.pop()
            return True
        if cur.ns == HTML and cur.name == subject and cur not in af:
            self.pop(self.lt, end)
            return True
        for _ in range(8):
            fe = self._af_last(subject)
            if fe is None:
                return False
            if fe.depth < 0:  # closed, still listed: it takes this end tag, which without
                self.af.remove(fe)  # it (in a target's content) would end another such element
                if self._af_last(subject) is not None or self.top(subject) >= 0:
                    self._leaked(fe.owner)
                return True
            if fe.depth < self.bounds[0][-1]:
                return True  # not in scope: ignored
            fb = self.above(SPECIAL, fe.depth)
            if fb >= 0 and self.stack[fb].ns == HTML and self.stack[fb].name == "search":
                raise GiveUp("misnested formatting around a <search>: browsers differ", self.lt)
            if fb < 0:
                self.pop_to(fe.depth, end)
                self.af.remove(fe)
                return True
            self._rearrange(fe, fb)
        return True

    def _rearrange(self, fe: El, fb_depth: int) -> None:
        stack = self.stack
        if len(stack) - fe.depth > REARRANGE_LIMIT:
            raise GiveUp("misnested formatting element too deep", self.lt)
        self.spend(4 * (len(stack) - fe.depth))
        reason = "misnested formatting element"
        fb = stack[fb_depth]
        # nothing inside fb yet, and no table above fe (then fb would be fostered out of it:
        # its parent is not the one the stack shows)
        above = stack[fe.depth - 1]
        fostered = above.ns == HTML and above.name in TABLEISH
        simple = fb_depth == len(stack) - 1 and self.seq == fb.seq and not fostered
        self.skip_selectors(self.structural() if simple else self.all_selectors(), reason)
        base = fe.depth
        seg = [self.detach() for _ in range(len(stack) - base)]
        seg.reverse()
        for el in seg:
            self.unsure(el, reason)
        fb_i = fb_depth - base
        af = self.af
        after: El | None = None
        kept: list[El] = []
        counter = 0
        for k in range(fb_i - 1, 0, -1):
            node = seg[k]
            if HIDDEN in node.kinds:  # what fb holds leaves it: hidden verdicts since, unsure
                self.hidden_doubt = min(self.hidden_doubt, fb.seq)
            counter += 1
            in_af = node in af
            if counter > 3 and in_af:
                af.remove(node)
                in_af = False
            if not in_af:
                self._closed_out(node)
                continue
            clone = self.clone(node)
            af[af.index(node)] = clone
            if after is None and not kept:
                after = clone
            kept.append(clone)
            self._closed_out(node)
        kept.reverse()
        new_fe = self.clone(fe)
        self._closed_out(fe)
        if after is None:
            af[af.index(fe)] = new_fe
        else:
            af.remove(fe)
            af.insert(af.index(after) + 1, new_fe)
        if fostered:  # what goes in at fe's place is moved out before the table, into its parent
            self.placed_apart(
                kept[0] if kept else seg[fb_i], self.held_hidden(self.top("table") - 1)
            )
        for el in kept:
            self.attach(el)
        self.attach(seg[fb_i])
        self.attach(new_fe)
        for el in seg[fb_i + 1 :]:
            self.attach(el)
        if simple and self.matcher is not None:  # match the moved and cloned elements again
            for depth in range(base, len(stack)):
                el = stack[depth]
                now = self.matcher.rematch(el, stack[depth - 1], el.sig or ())
                self.skip_selectors(now if el.flag else now ^ el.result, reason)

    def _closed_out(self, el: El) -> None:
        if el.rec >= 0 and self.recs[el.rec].close_start < 0:
            self._close(el, self.lt, self.lt)
