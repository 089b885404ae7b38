"""What a page's blocks show of the catalogue: the items an editors' block links to or names
(``data-omo-item="<id>"``), so that a recommendation on the same page leaves them out
(``exclude: on_page``, the default) rather than suggesting what the page already shows."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from operator import is_not, itemgetter
from typing import TYPE_CHECKING

from omotenashi.engine.html import Edit, Target
from omotenashi.engine.html.splice import applied_of, new_edit, visible_of
from omotenashi.engine.html.tokens import RAWTEXT, RCDATA, TOKEN, raw_text_end
from omotenashi.engine.html.tokens import attrs as tag_attrs
from omotenashi.recommend.catalog import Catalog

if TYPE_CHECKING:
    from omotenashi.engine.decide import Decision
    from omotenashi.engine.recommending import Recommender

_FIRST = itemgetter(0)
_REMEMBERED = 4096  # content up to this long: read once (the same blocks, page after page)


def _read(inner: str) -> tuple[tuple[bool, str], ...]:
    """(whether it is an item's id, the value) of each ``href`` and ``data-omo-item`` of the
    start tags in ``inner``, read by the page scanner's own tokens (comments, quoted values
    with a ">" in them, entities: as a browser reads them)."""
    out = []
    at, end = 0, len(inner)
    while (at := inner.find("<", at)) >= 0:
        tag = TOKEN.match(inner, at)
        if tag is None:  # a "<" that opens nothing
            at += 1
            continue
        if tag.group(5) is not None:  # a tag that never ends: the rest is dropped
            break
        at = tag.end()
        if (name := tag.group(1)) is None:  # an end tag, a comment ...
            continue
        for attr in tag_attrs(inner, tag.end(1), at):
            if attr.name in _NAMING:
                out.append((attr.name != "href", attr.value.strip()))
        if (name := name.lower()) in _RAW:  # a script's, a style's text holds no tags
            at = raw_text_end(inner, name, at) if at < end else end
    return tuple(out)


_NAMING = frozenset({"href", "data-omo-item"})
_RAW = RAWTEXT | RCDATA | {"script", "plaintext"}
_read_small = lru_cache(maxsize=512)(_read)


def items_shown(
    catalog: Catalog, inner: str | None, attrs: Mapping[str, str], here: str = "", page: str = ""
) -> list[str]:
    """The ids of the catalogue's items a block shows: those whose page its content or its
    ``href`` links to (on the site of the host ``here``, a relative link read against the path
    ``page``: recommend/links.py), and those its content names by ``data-omo-item``."""
    named = () if not inner else _read_small(inner) if len(inner) <= _REMEMBERED else _read(inner)
    for k, v in attrs.items():  # (a loop: no generator per block)
        if k.lower() == "href":
            named += ((False, v.strip()),)
    out: list[str] = []
    for is_id, value in named:
        if is_id:
            if value in catalog.position:
                out.append(value)
        else:
            out += catalog.by_address.named(value, here, page)
    return out


class OnPage:
    """What the page's blocks show, for its recommendations that leave it out: the editors'
    blocks are decided first (:attr:`order`), then the recommendations in page order. As the
    first recommendation comes, which blocks reach the page is worked out (one inside content
    another block replaces, or inside an element one hides, does not: the splice's own rules,
    each recommendation not made yet standing in for its elements), and what the editors'
    blocks among them show is noted; a recommendation that reaches the page notes its picks
    for the ones after it, and one that makes no edit after all (no picks, a failed snippet)
    stands in for nothing: what it covered is worked out again."""

    __slots__ = (
        "order", "_by_name", "_current", "_editors", "_lost", "_made", "_moved", "_place",
        "_reaching", "_recommender", "_recs",
    )  # fmt: skip

    def __init__(
        self,
        recommender: Recommender,
        decisions: list[Decision],
        by_name: Mapping[str, list[Target]],
    ) -> None:
        recommender.new_page()
        self._recommender, self._by_name = recommender, by_name
        self._place = {d.id: k for k, d in enumerate(decisions)}
        editors: list[Decision] = []
        recs: list[Decision] = []
        for d in decisions:
            (editors if d.rule.rule.recommend is None else recs).append(d)
        self._recs = tuple(recs)  # (in the order of the decisions)
        if len(recs) > 1:
            recs.sort(key=self._first_start)  # (selector rules come after slots in decisions)
        self.order = editors + recs
        # (the decisions' own order, each id once: in_page_order has nothing to move)
        self._moved = len(self._place) != len(decisions) or any(map(is_not, self.order, decisions))
        self._editors: list[tuple[Decision, str | None, Mapping[str, str], list[Edit]]] = []
        self._made: dict[str, list[Edit]] = {}  # recommendations made: their edits
        self._lost: set[str] = set()  # recommendations that made no edit
        self._reaching: set[str] | None = None  # blocks with an element that stays
        self._current: Decision | None = None

    def _first_start(self, decision: Decision) -> int:
        targets = self._by_name.get(decision.target)
        return targets[0].start if targets else -1

    def before(self, decision: Decision) -> None:
        """Each block before it is made: the recommendation before it, if it made no edit,
        stands in for nothing; the first recommendation works out what reaches the page."""
        last, self._current = self._current, decision
        if last is not None and last.rule.rule.recommend is not None and last.id not in self._made:
            self._lost.add(last.id)
            self._settle()
        if decision.rule.rule.recommend is not None and self._reaching is None:
            self._settle()

    def note(
        self, decision: Decision, inner: str | None, attrs: Mapping[str, str], made: list[Edit]
    ) -> None:
        """A block whose ``made`` edits go to the page (an editors' one: noted until the
        recommendations come; a recommendation: its picks are shown, if it reaches the page)."""
        rule = decision.rule.rule
        if rule.recommend is None:
            self._editors.append((decision, inner, attrs, made))
            return
        self._made[decision.id] = made
        if self._reaching is not None and decision.id in self._reaching:
            self._recommender.showing(rule, None, {})

    def _settle(self) -> None:
        """Which blocks keep an element once every block is made, and what those show."""
        place, made_of, lost = self._place, self._made, self._lost
        edits = [(place[d.id], e, d.id) for d, _, _, made in self._editors for e in made]
        for d in self._recs:
            if d.id in lost:
                continue
            made = made_of.get(d.id)
            if made is None:  # (not made yet: its elements stand in for it)
                made = [new_edit(t, "", {}) for t in self._by_name.get(d.target, ()) if not t.void]
            edits += [(place[d.id], e, d.id) for e in made]
        edits.sort(key=_FIRST)  # (stable: each block's own edits in their order)
        every = [e for _, e, _ in edits]
        kept = {id(every[k]) for k in visible_of(every, applied_of(every), in_page_order=True)}
        self._reaching = reaching = {i for _, e, i in edits if id(e) in kept}
        showing = self._recommender.showing
        for d, inner, attrs, made in self._editors:  # (noting again adds nothing)
            if not kept.isdisjoint(map(id, made)):
                showing(d.rule.rule, inner, attrs)
        for d in self._recs:
            if d.id in made_of and d.id in reaching:
                showing(d.rule.rule, None, {})

    def in_page_order(
        self, edits: list[Edit], owners: list[Decision], applied: list[Decision]
    ) -> None:
        """``edits``, their ``owners`` and the blocks ``applied`` (in place) in the order of
        the decisions, as they are without this: two blocks aimed at one element, the first
        decided wins it; the panel lists them in that order."""
        if not self._moved:  # made in that order already (a sort would keep it)
            return
        place = self._place
        pairs = sorted(zip(edits, owners, strict=True), key=lambda p: place[p[1].id])
        edits[:] = [e for e, _ in pairs]
        owners[:] = [o for _, o in pairs]
        applied.sort(key=lambda d: place[d.id])
