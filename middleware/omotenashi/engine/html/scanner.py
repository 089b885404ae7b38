"""One HTML scanner: where each slot and each selector match starts and ends, in linear time.

It follows the WHATWG tokenizer where it matters for finding elements and the tree-construction
rules that decide where an element ends (see ``tables.py``/``body.py``), without building a
tree or re-serialising anything. What it cannot decide cheaply and surely is reported in
:attr:`Scan.skipped` and left out of :attr:`Scan.slots` / :attr:`Scan.matches`, so a rule
aimed at it is skipped for that response and the page is served as it was.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field

from ..gcpause import paused_gc
from .body import BODY_START_SPECIAL, CLOSES_P
from .core import Rec
from .formatting import FORMATTING
from .head import IN_BODY
from .selectors import Matcher, Selector
from .tables import Builder
from .tokens import NONWS, TOKEN, Attr, doctype_quirks, quote_left_open, raw_text_end
from .tree import BUTTON, HTML, El, GiveUp


@dataclass(frozen=True, slots=True)
class Target:
    """One element a rule may rewrite: its bytes are ``page[start:end]``.

    ``page[open_end:close_start]`` is its content. ``close_start == end`` when its end tag is
    implied (or it is void). ``name`` is the slot name (html-unescaped), None if it only
    matched a selector. ``parent`` is the index in :attr:`Scan.targets` of the enclosing target.
    ``note_in`` and ``note_after``: how much of a why note may end its content and follow it,
    leaving the page's other elements as they were (``core.NOTE_NONE``/``_BARE``/``_FULL``).
    """

    name: str | None
    tag: str
    start: int
    open_end: int
    close_start: int
    end: int
    void: bool
    attrs: tuple[Attr, ...]
    opt_out: bool
    parent: int | None
    self_closing: bool = False
    unsure: str = ""  # why its extent is not sure ("" when it is)
    note_in: int = 0
    note_after: int = 0
    context: int = 0  # what the page has open around its content (context.py)
    # not seen as the page comes: it or an element around it has ``hidden`` (any value,
    # "until-found" too), or it is a <template> (a template's content is no target at all)
    hidden: bool = False


@dataclass(frozen=True, slots=True)
class Skip:
    """Something a rule may aim at that this response leaves alone, and why."""

    kind: str  # "slot" or "selector"
    name: str
    reason: str


@dataclass(frozen=True)
class Scan:
    targets: tuple[Target, ...] = ()
    slots: tuple[Target, ...] = ()
    matches: Mapping[str, tuple[Target, ...]] = field(default_factory=dict)
    skipped: tuple[Skip, ...] = ()
    tags: tuple[int, ...] = ()  # '<' of every tag and doctype token (for reusing the scan)
    body_end: int = -1  # '<' of the last </body> the parser honoured; -1: none
    end_context: int = 0  # what the page leaves open at body_end (context.py's bits)
    # what the engine works out of the scan alone, kept with it (scans are shared: html/cache.py)
    kept: dict[str, object] = field(default_factory=dict, compare=False, repr=False)


def exists(page: str, attribute: str) -> bool:
    """Whether ``attribute`` occurs anywhere in ``page`` (ASCII case-insensitively)."""
    if not attribute:
        return False
    if attribute in page:  # as written, the usual case: a substring search, no regex
        return True
    if page.isascii():  # lower() is then ASCII-only too (a case-insensitive regex is slower)
        return attribute.lower() in page.lower()
    # bytes.lower() changes ASCII letters only, and in UTF-8 every other character is bytes
    # above 0x7f: ASCII case-insensitively, ~4x sooner than a case-insensitive regex (~450 us
    # on a 68 KB page). The few letters outside ASCII that the regex (and the tokenizer's
    # lower()) match to an ASCII one ask the regex still.
    raw = page.encode("utf-8", "surrogatepass")
    if attribute.encode("utf-8", "surrogatepass").lower() in raw.lower():
        return True
    if attribute.isascii() and not any(odd in page for odd in _TO_ASCII):
        return False
    return re.search(re.escape(attribute), page, re.I) is not None


# letters that match an ASCII one case-insensitively: Kelvin sign (k), I with a dot (i),
# dotless i (I), long s (s)
_TO_ASCII = ("\u212a", "\u0130", "\u0131", "\u017f")


def scan_page(
    page: str,
    slot_attribute: str = "data-omo-slot",
    opt_out: str = "data-omo-off",
    selectors: Sequence[Selector] = (),
) -> Scan:
    """Scan ``page`` once (no cache; see :func:`omotenashi.engine.html.scan`)."""
    if not selectors and not exists(page, slot_attribute):
        return Scan()
    matcher = Matcher(selectors) if selectors else None
    b = Builder(page, slot_attribute, opt_out, matcher)
    b.init_modes()
    if matcher is not None:
        # only the selectors matching <html> are skipped (a rule never rewrites the whole page)
        on_root = matcher.match(b.stack[0], El("#document", HTML, 0), ())
        b.skip_selectors(on_root, "matches the <html> element")
    tags: list[int] = []
    gave_up: GiveUp | None = None
    # the scan makes no reference cycles; a collection pass per 700 elements would cost time
    # growing with the page's depth (one pause for every thread: engine/gcpause.py). Only a
    # scan on the main thread pauses: a big page's scan in a worker thread runs while the
    # event loop serves others, and pausing there would keep the collector off for them too
    with paused_gc() if threading.current_thread() is threading.main_thread() else nullcontext():
        try:
            _run(page, b, tags)
        except GiveUp as exc:
            gave_up = exc
        except (IndexError, KeyError, ValueError) as exc:  # a bug of ours: leave it alone
            gave_up = GiveUp(f"scanner error {exc!r}", b.lt)
    return _result(page, b, selectors, tags, gave_up, slot_attribute)


SLOW_END = FORMATTING | frozenset("form template applet object marquee body html br".split())
SIMPLE_FORMATTING = FORMATTING - {"a", "nobr"}
FAST_VOID = frozenset("area br embed img keygen wbr input".split())


def _run(page: str, b: Builder, tags: list[int]) -> None:
    n = len(page)
    search = TOKEN.search
    add = tags.append
    i = 1 if page.startswith("\ufeff") else 0  # a byte-order mark: browsers drop it
    doctype_ok = True
    in_text = False
    stack, af = b.stack, b.af
    matcher = b.matcher
    fast = matcher is None or matcher.tags is not None
    tags_named = matcher.tags if matcher is not None and matcher.tags is not None else frozenset()
    tags_named |= {"slot"}  # (a shadow root's <slot>: which of its host's children show)
    marks, offs = b.marks, b.offs
    n_marks, n_offs = len(marks), len(offs)
    mi = oi = 0
    last_q1, last_q2 = page.rfind('"'), page.rfind("'")  # (a quote never closed: fuzz53)
    while True:
        m = search(page, i)
        if m is None:
            break
        lt = m.start()
        if lt > i:
            if doctype_ok and NONWS.search(page, i, lt) is not None:
                doctype_ok = False  # text before the doctype (only blanks are ignored there)
            if (
                b.mode == IN_BODY
                and not b.after_body
                and (not af or af[-1].name == "#marker" or af[-1].depth >= 0)
            ):
                pass  # text in a settled body changes nothing that decides an extent
            else:
                b.lt = b.tend = lt
                if b.after_body and NONWS.search(page, i, lt):
                    b.after_body = False
                b.text(i, lt)
        i = m.end()
        name = m.group(1)
        if (lt < last_q1 < i or lt < last_q2 < i) and (name or m.group(2)) is not None:
            # a value whose quote closes nowhere after: a browser reads it to the end of the
            # input and drops the tag (the pattern read it unquoted, up to the ">")
            if quote_left_open(page, lt + 1 + len(name or "/" + m.group(2)), i - 1):
                i = n
                break
        if name is not None:
            add(lt)
            doctype_ok = False
            lname = name.lower()
            if (
                fast
                and b.mode == IN_BODY
                and stack[-1].ns == HTML
                and lname not in tags_named
                and stack[-1].slots is None  # (a shadow host's child may not be shown)
            ):
                while mi < n_marks and marks[mi] < lt:
                    mi += 1
                while oi < n_offs and offs[oi] < lt:
                    oi += 1
                if (mi == n_marks or marks[mi] >= i) and (oi == n_offs or offs[oi] >= i):
                    # no slot here: the common elements of a well-formed body, opened directly
                    settled = not af or af[-1].name == "#marker" or af[-1].depth >= 0
                    if lname not in BODY_START_SPECIAL:
                        if settled:
                            b.seq += 1
                            el = El(lname, HTML, b.seq)
                            if matcher is not None:
                                matcher.unmatched(el, stack[-1])
                            b.attach(el)
                            b.after_body = False
                            continue
                    elif lname in CLOSES_P:
                        if b.in_scope("p", BUTTON) < 0:
                            b.seq += 1
                            el = El(lname, HTML, b.seq)
                            if matcher is not None:
                                matcher.unmatched(el, stack[-1])
                            b.attach(el)
                            b.after_body = False
                            continue
                    elif lname in FAST_VOID:
                        if settled:  # nothing to open, nothing to close
                            if matcher is not None:
                                b.seq += 1
                                matcher.unmatched(El(lname, HTML, b.seq), stack[-1])
                            b.after_body = False
                            continue
                    elif (lname in SIMPLE_FORMATTING and settled) or (lname == "a" and not af):
                        b.lt = lt
                        b.seq += 1
                        el = El(lname, HTML, b.seq)
                        el.span = (lt + 1 + len(name), i)
                        if b.open_recs:
                            el.owner = b.open_recs[-1]
                        if matcher is not None:
                            matcher.unmatched(el, stack[-1])
                        b.attach(el)
                        b.push_formatting(el)
                        b.after_body = False
                        continue
            b.token(lt, i, lt + 1 + len(name))
            b.raw = ""
            foreign_after = b.after_body and stack[-1].ns != HTML
            if lname != "html":  # (after </body> an <html> tag leaves the parser there)
                b.after_body = False
            b.start(lname)
            if foreign_after and stack[-1].ns != HTML:  # opened in an svg or math after its
                b.after_body = True  # </body>: still "after body" (foreign content keeps the
                b.foreign_body_end()  # mode), so what follows it may land outside it
            if b.raw:
                if b.raw == "plaintext":  # the rest is text, in the body's rules (clones too)
                    if i < n:
                        b.lt = b.tend = i
                        b.text(i, n)
                    i = n
                    break
                j = raw_text_end(page, b.raw, i)
                if j > i:
                    b.raw_text()
                i = j
                in_text = True
            continue
        name = m.group(2)
        if name is not None:
            add(lt)
            doctype_ok = False
            name = name.lower()
            cur = stack[-1]
            if not in_text and cur.name == name and b.mode == IN_BODY and cur.ns == HTML:
                if name not in SLOW_END or (name in FORMATTING and af and af[-1] is cur):
                    b.lt, b.tend = lt, i  # closes the current element, as its own end tag
                    b.pop(lt, i)
                    if name in FORMATTING:
                        af.pop()
                    b.after_body = False
                    continue
            b.token(lt, i, lt + 2 + len(name))
            if name != "html":
                b.after_body = False
            if in_text:  # the end tag of a raw text element closes it, in any mode
                in_text = False
                b.pop(lt, i)
            else:
                b.end(name)
            continue
        if m.group(3) is not None:  # <![CDATA[
            if b.stack[-1].ns != HTML:
                k = page.find("]]>", i)
            else:
                k = page.find(">", i) - 2
                if b.after_body:
                    b.outside_body()
            i = n if k < 0 else k + 3
        elif m.group(4) is not None:  # doctype
            add(lt)
            if doctype_ok:
                b.quirks = doctype_quirks(m.group(0))
                if b.matcher is not None:
                    b.matcher.quirks = b.quirks
            doctype_ok = False
        elif m.group(5) is not None:  # a tag that never ends: the rest is dropped
            i = n
            break
        elif b.after_body and m.group(0) != "</>":
            b.outside_body()  # a comment after </body> goes to <html> or the document
    if i < n:
        b.lt = b.tend = n
        b.text(i, n)
    b.finish()


def _result(
    page: str,
    b: Builder,
    selectors: Sequence[Selector],
    tags: list[int],
    gave_up: GiveUp | None,
    slot_attribute: str,
) -> Scan:
    skipped: list[Skip] = []
    if gave_up is not None:
        reason = str(gave_up)
        b.skip_selectors(b.all_selectors(), gave_up.reason, gave_up.at)
        for rec in b.recs:
            if rec.close_start < 0:
                rec.unsure = rec.unsure or f"scan stopped: {reason}"
                rec.close_start = rec.end = len(page)
        for name in _later_slots(page, slot_attribute, gave_up.at):
            skipped.append(Skip("slot", name, f"after the scan stopped: {reason}"))
    for rec in b.recs:  # (hidden by an element the parser took it out from under: unsure)
        if rec.hidden and rec.seq >= b.hidden_doubt:
            rec.unsure = rec.unsure or "an element around it that has hidden was moved away"
    targets = tuple(_target(rec, b.hidden_after) for rec in b.recs)
    bad_names = {t.name: t.unsure for t in targets if t.name is not None and t.unsure}
    for name, why in bad_names.items():
        skipped.append(Skip("slot", name, why))
    slots = tuple(t for t in targets if t.name is not None and t.name not in bad_names)
    matches: dict[str, tuple[Target, ...]] = {}
    for k, sel in enumerate(selectors):
        bit = 1 << k
        found = [t for t, rec in zip(targets, b.recs, strict=True) if rec.sel & bit]
        why = b.sel_skip.get(k) or next((t.unsure for t in found if t.unsure), "")
        if why:
            skipped.append(Skip("selector", sel.text, why))
        else:
            matches[sel.text] = tuple(found)
    ended = b.body_context if gave_up is None else ~0
    return Scan(targets, slots, matches, tuple(skipped), tuple(tags), b.body_closed, ended)


def _target(rec: Rec, hidden_after: int) -> Target:
    return Target(
        name=rec.slot,
        tag=rec.tag,
        start=rec.start,
        open_end=rec.open_end,
        close_start=rec.close_start,
        end=rec.end,
        void=rec.void,
        attrs=rec.attrs,
        opt_out=rec.opt_out,
        parent=rec.parent if rec.parent >= 0 else None,
        self_closing=rec.self_closing,
        unsure=rec.unsure,
        note_in=rec.note_in,
        note_after=rec.note_after,
        context=rec.context,
        hidden=rec.hidden or rec.seq > hidden_after,
    )


_LATER = re.compile(
    r"[\t\n\f\r /]([^\t\n\f\r />=]+)[\t\n\f\r ]*=[\t\n\f\r ]*(\"[^\"]*\"|'[^']*'|[^\t\n\f\r >]*)"
)


def _later_slots(page: str, attribute: str, at: int) -> list[str]:
    names: list[str] = []
    for m in _LATER.finditer(page, at):
        if m.group(1).lower() == attribute:
            value = m.group(2).strip("\"'")
            if value not in names:
                names.append(value)
    return names
