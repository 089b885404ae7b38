"""Render the decisions and splice them into the page; what could not be done is left as it was.

Pure: the page text, the facts, the rules and the restraint in; the new page text, the decisions
applied and the problems met (for the adapter to log and count) out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from omotenashi.engine.decide import Decision, decide
from omotenashi.engine.disclosure import Disclosure, note, panel
from omotenashi.engine.facts import Facts
from omotenashi.engine.html.splice import Edit, Slot, apply, find_slots
from omotenashi.engine.render import render
from omotenashi.engine.restraint import Restraint
from omotenashi.engine.ruleset import RuleSet
from omotenashi.errors import SnippetError

# Elements whose content may hold a <details> note; after other elements the note follows them.
FLOW = frozenset(
    "div section article aside main header footer nav li td th dd figure blockquote form "
    "details fieldset body".split()
)
NO_DISCLOSURE = Disclosure()
_BODY_END = re.compile(r"</body\s*>", re.I)


@dataclass
class Outcome:
    html: str
    applied: list[Decision] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # e.g. a snippet that failed to render


def _content(decision: Decision, visitor: Mapping[str, Any]) -> tuple[str | None, dict[str, str]]:
    rule = decision.rule.rule
    attrs = {"data-omo-rule": rule.id}
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
) -> Outcome:
    slots = find_slots(page, slot_attribute)
    if not slots and not ruleset.selector_rules:
        return Outcome(page)
    by_name: dict[str, list[Slot]] = {}
    for slot in slots:
        if not slot.opt_out and slot.close_start >= 0:
            by_name.setdefault(slot.name, []).append(slot)
    if restraint is not None:
        decisions = restraint.within_budget(decide(ruleset, facts, by_name, restraint.allowed))
    else:
        decisions = decide(ruleset, facts, by_name, forced=forced)
    edits: list[Edit] = []
    applied: list[Decision] = []
    problems: list[str] = []
    selector_work: list[tuple[Decision, str | None, dict[str, str]]] = []
    for decision in decisions:
        try:
            inner, attrs = _content(decision, visitor)
        except SnippetError as exc:
            problems.append(f"rule {decision.id}: {exc}; the slot keeps its default")
            continue
        applied.append(decision)
        if decision.rule.rule.selector:
            selector_work.append((decision, inner, attrs))
            continue
        why = (
            note(decision, disclosure)
            if (disclosure.enabled and decision.rule.rule.disclose and not decision.rule.rule.hide)
            else ""
        )
        for slot in by_name[decision.target]:
            if why and inner is not None and slot.tag in FLOW:
                edits.append(Edit(slot, inner + why, attrs))
            else:
                edits.append(Edit(slot, inner, attrs, after=why))
    out = apply(page, edits) if edits else page
    if selector_work:
        out, done = _apply_selectors(out, selector_work)
        applied = [d for d in applied if not d.rule.rule.selector or d.id in done]
    if disclosure.panel and applied:
        ends = list(_BODY_END.finditer(out))
        at = ends[-1].start() if ends else len(out)
        out = out[:at] + panel(applied, disclosure) + out[at:]
    return Outcome(out, applied, problems)


def _apply_selectors(
    page: str, work: list[tuple[Decision, str | None, dict[str, str]]]
) -> tuple[str, set[str]]:
    """Rules that target CSS selectors need the full HTML5 parser (and re-serialise the page)."""
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(page)
    done: set[str] = set()
    for decision, inner, attrs in work:
        nodes = tree.css(decision.target)
        for node in nodes:
            if inner is not None:
                node.inner_html = inner
            for name, value in attrs.items():
                node.attrs[name] = value
        if nodes:
            done.add(decision.id)
    return tree.html or page, done
