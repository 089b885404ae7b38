"""Render the decisions and splice them into the page; what could not be done is left as it was."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .decide import Decision, decide
from .errors import SnippetError
from .facts import Facts
from .metrics import Metrics
from .render import Renderer
from .ruleset import CompiledRule, RuleSet
from .splice import Edit, Slot, apply, find_slots

log = logging.getLogger("omotenashi")


@dataclass
class Outcome:
    html: str
    applied: list[Decision] = field(default_factory=list)


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
    return Renderer.render(template, rule.with_, visitor), attrs


def personalise(
    page: str,
    ruleset: RuleSet,
    facts: Facts,
    visitor: Mapping[str, Any],
    metrics: Metrics,
    *,
    slot_attribute: str = "data-omo-slot",
    allowed: Callable[[CompiledRule], bool] = lambda rule: True,
) -> Outcome:
    slots = find_slots(page, slot_attribute)
    if not slots and not ruleset.selector_rules:
        return Outcome(page)
    by_name: dict[str, list[Slot]] = {}
    for slot in slots:
        if not slot.opt_out and slot.close_start >= 0:
            by_name.setdefault(slot.name, []).append(slot)
    decisions = decide(ruleset, facts, by_name, allowed)
    edits: list[Edit] = []
    applied: list[Decision] = []
    selector_work: list[tuple[Decision, str | None, dict[str, str]]] = []
    for decision in decisions:
        try:
            inner, attrs = _content(decision, visitor)
        except SnippetError as exc:
            metrics.inc("snippet_error")
            log.warning("omotenashi: rule %s: %s; slot keeps its default", decision.id, exc)
            continue
        applied.append(decision)
        if decision.rule.rule.selector:
            selector_work.append((decision, inner, attrs))
        else:
            edits.extend(Edit(slot, inner, attrs) for slot in by_name[decision.target])
    out = apply(page, edits) if edits else page
    if selector_work:
        out, done = _apply_selectors(out, selector_work)
        applied = [d for d in applied if not d.rule.rule.selector or d.id in done]
    return Outcome(out, applied)


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
