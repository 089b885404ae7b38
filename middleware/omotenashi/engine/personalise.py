"""Render the decisions and splice them into the page; what could not be done is left as it was.

Pure: the page text, the facts, the rules and the restraint in; the new page text, the decisions
applied and the problems met (for the adapter to log and count) out.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from functools import lru_cache, partial
from typing import Any

from omotenashi.engine.decide import Decision, decide, eligible, new_decision
from omotenashi.engine.disclosure import (
    FORCED,
    Disclosure,
    labels,
    note,
    panel,
    placement,
    with_reasons,
)
from omotenashi.engine.facts import Facts
from omotenashi.engine.fits import fits, holds_none, holds_none_said, targets_of
from omotenashi.engine.html import (
    Edit,
    Scan,
    Selector,
    Target,
    parse_selector,
    scan,
)
from omotenashi.engine.html.context import UNSAFE_END, page_end_at, surroundings
from omotenashi.engine.html.core import NOTE_BARE, NOTE_NONE
from omotenashi.engine.html.fragment import HAS_TABLE_PART, PICKY, Broken, broken
from omotenashi.engine.html.roles import holds_items, listed_item, named_ids
from omotenashi.engine.html.splice import new_edit, splice_edits
from omotenashi.engine.onpage import OnPage
from omotenashi.engine.owning import missed, owner_pairs, owners_of
from omotenashi.engine.recommending import Recommender
from omotenashi.engine.render import render, render_items, without_visitor
from omotenashi.engine.restraint import Restraint
from omotenashi.engine.ruleset import SELECTED, CompiledRule, RuleSet
from omotenashi.engine.seen import Asked, Placed, decided_again, seen_of
from omotenashi.errors import SelectorError, SnippetError
from omotenashi.recommend.signals import Pick
from omotenashi.rules.recommend import Exclusion

NO_DISCLOSURE = Disclosure()
# characters: content up to this long is checked once per place (what is kept for it: 512
# contents in each cache, each of up to 4 K characters: 4 MB at worst for ASCII, 16 MB for
# text of four-byte characters)
_REMEMBERED = 4096


@lru_cache(maxsize=512)
def _table_part_in(inner: str) -> bool:
    return HAS_TABLE_PART.search(inner) is not None


@lru_cache(maxsize=512)
def _broken_at(inner: str, tag: str, context: int) -> Broken | None:
    return broken(inner, tag, context)


@dataclass
class Outcome:
    html: str
    applied: list[Decision] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # e.g. a snippet that failed to render
    # Seconds spent deciding and rendering+splicing (instrumentation only: nothing depends on it)
    timings: dict[str, float] = field(default_factory=dict)
    # Targets left alone because their extent could not be decided surely (debug log, metric)
    skipped: list[str] = field(default_factory=list)


def _content(
    decision: Decision, visitor: Mapping[str, Any], recommender: Recommender | None = None
) -> tuple[str | None, dict[str, str]] | None:
    """The slot's new content and attributes; None: nothing to show (it keeps its default)."""
    rule = decision.rule.rule
    attrs = {"data-omo-rule": rule.id}
    if rule.recommend is not None and decision.rule.template is not None:
        picks = recommender.items(rule) if recommender is not None else []
        if not picks:
            return None
        key = tuple([(p.item, p.reason, p.source) for p in picks])
        values = partial(_values, rule.with_, picks)  # (a rendered list kept: none needed)
        return render_items(decision.rule.template, values, visitor, rule, key), attrs
    if rule.hide:
        attrs["hidden"] = "hidden"
        return None, attrs
    if rule.attrs is not None:
        return None, {**rule.attrs, **attrs}
    if decision.rule.static is not None:
        return decision.rule.static, attrs
    template = decision.rule.template
    assert template is not None
    return render(template, rule.with_, visitor), attrs


def _values(given: Mapping[str, Any], picks: list[Pick]) -> dict[str, Any]:
    """A recommendation snippet's values: the rule's ``with:`` and the items picked."""
    return {**given, "items": [p.as_dict() for p in picks]}


def personalise(
    page: str,
    ruleset: RuleSet,
    facts: Facts,
    visitor: Mapping[str, Any],
    *,
    slot_attribute: str = "data-omo-slot",
    restraint: Restraint | None = None,
    disclosure: Disclosure = NO_DISCLOSURE,
    forced: frozenset[str] = frozenset(),
    recommender: Recommender | None = None,
) -> Outcome:
    selectors, problems = selectors_of(ruleset)
    found = scan(page, slot_attribute=slot_attribute, selectors=selectors)
    if not found.slots and not found.matches:
        return Outcome(page, skipped=_skipped(found))
    by_name, void, tables, voided, present = targets_of(found)
    t0 = time.perf_counter()

    def choose(gone: frozenset[str]) -> list[Decision]:  # (gone: targets left as they are)
        names = [n for n in by_name if n not in gone] if gone else by_name
        here = present - {n[1:] for n in gone if n[:1] == SELECTED} if gone else present

        def run(ok: Callable[[CompiledRule], bool]) -> list[Decision]:
            return decide(ruleset, facts, names, fits(void, tables, ok), forced, here)

        if restraint is None:
            made = run(lambda rule: True)
        else:
            held = restraint.held  # (a rule held out in a round before stays held: its control)
            made = restraint.choose(run)
            restraint.held = list(dict.fromkeys(held + restraint.held)) if gone else restraint.held
        if not forced:  # (no preview link: each decision's conditions hold, as decide found)
            return [with_reasons(d, facts, checked=True) for d in made]
        return [_reasoned(d, facts, forced, restraint) for d in made]

    decisions = choose(frozenset())
    decided = time.perf_counter()
    place = partial(_place, page, found, by_name, voided, visitor, disclosure, recommender)
    placed = place(decisions)
    if restraint is not None and placed.unseen and restraint.crowded:  # (seldom: seen.py)
        placed = decided_again(choose, place, placed, restraint)
    out, applied = placed.html, placed.shown
    # the page's own end: searched for near the end only (trailing blank space included); a
    # block without its "i" is explained there even where the panel is off
    want = disclosure.panel or any(d.id in placed.noteless for d in applied)
    at = _panel_at(page, len(out), found, placed.edits) if want and applied else None
    if at is not None:
        items: dict[str, list[str]] = {}
        mine: dict[str, bool] = {}
        left: dict[str, tuple[Exclusion, ...]] = {}
        if recommender is not None:
            for shown_here in applied:
                rule_id = shown_here.id
                asked = placed.told.get(rule_id) or _asked(recommender, rule_id)
                items[rule_id], mine[rule_id], left[rule_id] = asked
        out = out[:at] + panel(applied, disclosure, items, mine, left, placed.noteless) + out[at:]
    timings = {"decide": decided - t0, "render": time.perf_counter() - decided}
    problems += placed.problems
    return Outcome(out, applied, problems, timings, _skipped(found) + placed.left_out)


def _place(
    page: str,
    found: Scan,
    by_name: dict[str, list[Target]],
    voided: AbstractSet[str],
    visitor: Mapping[str, Any],
    disclosure: Disclosure,
    recommender: Recommender | None,
    decisions: list[Decision],
) -> Placed:
    """The page with the ``decisions`` rendered and spliced in; the blocks a visitor sees
    (``voided``: the targets some element of which :func:`holds_none`, the others skip it).
    Where a rule that would take an element from others put nothing there (its block empty
    or failed: last65), placed again without it: a loop, each pass leaving out every rule
    that put nothing anywhere (dos66: one a pass, recursing, was quadratic in the rules
    stacked on one element, and 1,200 of them overflowed the stack)."""
    lost: frozenset[tuple[int, str]] = frozenset()
    named: frozenset[str] | None = None  # ids aria-labelledby/-describedby name (once a page)
    while True:
        names = labels(decisions)
        edits: list[Edit] = []
        owners: list[Decision] = []  # the decision behind each edit
        applied: list[Decision] = []
        noteless: set[str] = set()  # blocks none of whose elements may hold their "i" here
        bare: Disclosure | None = None  # the note without its own form, made when first needed
        left_out: list[str] = []  # targets a rule could not change (said as the scanner's skips)
        told: dict[str, Asked] = {}  # what the recommender said of a block, by rule id
        problems: list[str] = []
        empty: set[str] = set()  # rules that put nothing anywhere (their block empty or failed)
        # a recommendation that leaves out what the page's other blocks show comes after them
        on_page = _on_page(recommender, decisions, by_name)
        owner = owners_of(decisions, by_name, lost)  # (elements several rules aim at: mostly none)
        for decision in on_page.order if on_page is not None else decisions:
            if on_page is not None:
                on_page.before(decision)
            try:
                content = _content(decision, visitor, recommender)
            except SnippetError as exc:  # logged: said without the visitor's own values
                logged = SnippetError(exc.snippet, without_visitor(exc.reason, visitor))
                problems.append(f"rule {decision.id}: {logged}; the slot keeps its default")
                content = None
            if content is None:
                empty.add(decision.id)
                continue
            inner, attrs = content
            targets = by_name.get(decision.target, [])
            if owner:  # an element a rule of a higher priority takes is not this one's
                targets = [t for t in targets if owner.get(t.start, decision.id) == decision.id]
            if inner is not None:  # text or a snippet: nothing can go into an <img>, <input> ...
                if decision.target in voided and (voids := [t for t in targets if holds_none(t)]):
                    left_out.append(holds_none_said(decision.id, voids[0].tag))
                    targets = [t for t in targets if not holds_none(t)]
                # what the page has open around a slot may end there or move out (a table part
                # keeps only table parts, a <div> ends a <p> around the slot ...): rare, most
                # slots have nothing such around them
                # (content with a table part: in any slot, a browser may move it out or drop it)
                small = len(inner) <= _REMEMBERED  # (the same content, checked once per place)
                anywhere = _table_part_in(inner) if small else bool(HAS_TABLE_PART.search(inner))
                picky = [t for t in targets if anywhere or t.context or t.tag in PICKY]
                if picky:  # (most blocks: none)
                    said: dict[tuple[str, int], Broken | None] = {}  # once per kind of place
                    check = _broken_at if small else broken
                    for t in picky:
                        if (t.tag, t.context) not in said:
                            said[t.tag, t.context] = check(inner, t.tag, t.context)
                    moved = [(t, b) for t in picky if (b := said[t.tag, t.context]) is not None]
                    if moved:
                        (first, why_not), *_ = moved
                        where = surroundings(first.tag, first.context)
                        left_out.append(
                            f"rule {decision.id!r}: its target is a <{first.tag}>{where}, and its "
                            f"content {why_not.reason}"
                        )
                        targets = [t for t in targets if all(t is not m for m, _ in moved)]
            if not targets:
                continue
            applied.append(decision)
            rule = decision.rule.rule
            made = len(edits)
            disclose = disclosure.enabled and rule.disclose and not rule.hide
            replaced = inner is not None
            for slot in targets:  # one "i" per block, on the first element where it may go
                why, inside = "", False  # (and is seen: not one the page hides, html/scanner.py)
                if disclose and not slot.hidden:
                    # (nothing among items: review68; after an implied end, the note is in it)
                    item = slot.close_start != slot.end and listed_item(slot.tag, slot.attrs)
                    note_in = slot.note_in  # (none in one whose text names another: a11y68)
                    note_in = NOTE_NONE if note_in and holds_items(slot.attrs) else note_in
                    if note_in and replaced and (own := _element_id(slot)):
                        named = named_ids(page) if named is None else named
                        note_in = NOTE_NONE if own in named else note_in
                    inside, level = placement(slot.tag, note_in, slot.note_after, replaced, item)
                    d = disclosure
                    if level == NOTE_BARE:  # a page's own form is open there: the note without
                        bare = d = bare or replace(  # its own form (the link names it)
                            disclosure, dismiss=False, in_form=disclosure.dismiss
                        )
                    if level != NOTE_NONE:
                        if recommender is not None:  # (asked once: the panel says the same)
                            told[decision.id] = asked = _asked(recommender, decision.id)
                        else:
                            asked = _NOT_ASKED
                        why = note(
                            decision,
                            d,
                            asked[0],
                            names[decision.id],
                            back=_first_id(targets),
                            personal=asked[1],
                            left=asked[2],
                        )
                    disclose = not why
                if why and inside and inner is not None:
                    edits.append(new_edit(slot, inner + why, attrs))
                else:
                    edits.append(new_edit(slot, inner, attrs, after=why))
                owners.append(decision)
            if disclose:
                noteless.add(decision.id)
            if on_page is not None:
                on_page.note(decision, inner, attrs, edits[made:])
        if on_page is not None:  # (in the order of the decisions again)
            on_page.in_page_order(edits, owners, applied)
        if owner and (gave_up := missed(owner, edits, owners) - lost):  # (rare: as seen.py's)
            lost |= gave_up | frozenset(owner_pairs(decisions, by_name, empty))
            continue
        out, done = splice_edits(page, edits) if edits else (page, [])  # (done: in page order)
        seen, unseen, hidden = seen_of(decisions, applied, edits, owners, done, by_name)
        return Placed(out, seen, edits, noteless, told, problems, left_out + hidden, unseen)


_NOT_ASKED: Asked = ([], True, ())  # no recommender (never changed: the note copies the list)
_NOTHING_PICKED: Asked = ([], False, ())  # what the recommender says of a rule it picked none for


def _on_page(
    recommender: Recommender | None, decisions: list[Decision], by_name: dict[str, list[Target]]
) -> OnPage | None:
    """What the page's blocks show, when one of its recommendations leaves that out."""
    if recommender is None or not recommender.leaves_out_on_page(d.rule.rule for d in decisions):
        return None
    return OnPage(recommender, decisions, by_name)


def _asked(recommender: Recommender, rule_id: str) -> Asked:
    if rule_id not in recommender.picks:  # (not a recommendation: the answers are known)
        return _NOTHING_PICKED
    return (
        recommender.reasons(rule_id),
        recommender.personal(rule_id),
        recommender.left_out(rule_id),
    )


def _reasoned(
    decision: Decision, facts: Facts, forced: frozenset[str], restraint: Restraint | None
) -> Decision:
    """The decision with its reasons; a forced rule the visitor's own choices would refuse (it
    or its kind switched off, about their behaviour while their history is off), or that is
    off for everyone (``enabled: false``, outside its schedule: qa64, "it may be shown to
    anyone" was said), is shown by the preview link, not because of them."""
    if decision.id in forced and (
        not eligible(decision.rule, facts.now)
        or (restraint is not None and restraint.switched_off(decision.rule))
    ):
        return new_decision(decision.rule, decision.target, (FORCED,))
    return with_reasons(decision, facts, checked=decision.id not in forced)


def _element_id(target: Target) -> str:
    """The value of the element's first ``id`` attribute ("" without one)."""
    for attr in target.attrs:  # (a loop: no generator per block)
        if attr.name == "id":
            return attr.value
    return ""


def _first_id(targets: list[Target]) -> str:
    """:func:`_element_id` of the first of ``targets`` the page does not hide (a loop: no
    generator per block)."""
    for target in targets:
        if not target.hidden:
            return _element_id(target)
    raise StopIteration  # (as next() found none: a block given its "i" always has one)


def _panel_at(page: str, size: int, found: Scan, edits: list[Edit]) -> int | None:
    """Where the page panel goes in the page as edited (``size`` long): before the page's own
    ``</body>`` (context.py ``page_end_at``: in the last 4096 characters, then only ``</html>``,
    white space and comments), when that is the end tag the
    parser honoured (not text in a ``<textarea>``, a script or a comment the page never closes,
    nor an end tag ignored inside a ``<template>`` or a ``<select>``), nothing the page leaves
    open there would take the panel in (a link, a button: ``UNSAFE_END``) and every edit lies
    before it."""
    at = found.body_end
    if (
        not page_end_at(page, at)
        or found.end_context & UNSAFE_END
        or any(edit.target.end > at for edit in edits)
    ):
        return None
    return at + size - len(page)


def selectors_of(ruleset: RuleSet) -> tuple[list[Selector], list[str]]:
    """The rule set's selectors, parsed once per rule set (dos70: past parse_selector's cache of
    1,024, every page parsed each again); ones the loader should have refused are left out with
    a problem (a new list of them each time: the caller adds to it)."""
    if (kept := ruleset.parsed_selectors) is None:
        out: list[Selector] = []
        problems: list[str] = []
        texts = (r.rule.selector for r in ruleset.selector_rules if r.rule.selector)
        for text in dict.fromkeys(texts):
            try:
                out.append(parse_selector(text))
            except SelectorError as exc:
                problems.append(f"{exc}; its rules are skipped")
        kept = ruleset.parsed_selectors = (out, problems)
    return kept[0], list(kept[1])


def _skipped(found: Scan) -> list[str]:
    return [f"{s.kind} {s.name!r}: {s.reason}" for s in found.skipped]
