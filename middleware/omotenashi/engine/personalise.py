"""Render the decisions and splice them into the page; what could not be done is left as it was.

Each personalised block can carry a small "why am I seeing this" note, and the page a panel
that lists every decision, in plain language, with a way to switch each one off.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from omotenashi.engine.decide import Decision, decide
from omotenashi.errors import SnippetError
from omotenashi.engine.facts import Facts
from omotenashi.metrics import Metrics
from omotenashi.loader.snippets import Renderer
from omotenashi.engine.restraint import Restraint
from omotenashi.engine.ruleset import RuleSet
from omotenashi.engine.html.splice import Edit, Slot, apply, find_slots

log = logging.getLogger("omotenashi")

# Elements whose content may hold a <details> note; after other elements the note follows them.
FLOW = frozenset(
    "div section article aside main header footer nav li td th dd figure blockquote form "
    "details fieldset body".split()
)
_BODY_END = re.compile(r"</body\s*>", re.I)


@dataclass
class Outcome:
    html: str
    applied: list[Decision] = field(default_factory=list)


@dataclass(frozen=True)
class Disclosure:
    """Where the visitor's choices live, for the notes' links; off when ``enabled`` is False."""

    enabled: bool = False
    panel: bool = False
    prefix: str = "/_omotenashi"
    csrf: str = ""
    path: str = "/"


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


def reasons(decision: Decision) -> list[str]:
    """The visitor's facts that made this rule fire, phrased for people."""
    seen: list[str] = []
    for condition in decision.rule.conditions:
        if condition.text not in seen:
            seen.append(condition.text)
    return seen


def _explanation(decision: Decision, d: Disclosure) -> str:
    rule = decision.rule.rule
    because = "".join(f"<li>{html.escape(r)}</li>" for r in reasons(decision))
    because_html = f"<p>This is based on:</p><ul>{because}</ul>" if because else ""
    return (
        f"<p>{html.escape(rule.why)}</p>{because_html}"
        f'<form method="post" action="{d.prefix}/preferences" class="omo-dismiss">'
        f'<input type="hidden" name="csrf" value="{html.escape(d.csrf)}">'
        f'<input type="hidden" name="action" value="dismiss">'
        f'<input type="hidden" name="rule" value="{html.escape(rule.id)}">'
        f'<input type="hidden" name="next" value="{html.escape(d.path)}">'
        f'<button type="submit">Don\'t show me this again</button></form>'
        f'<p><a href="{d.prefix}/preferences">See and change what we know about you</a></p>'
    )


def _note(decision: Decision, d: Disclosure) -> str:
    return (
        f'<details class="omo-why" data-omo-why="{html.escape(decision.id)}">'
        f"<summary>Why am I seeing this?</summary>{_explanation(decision, d)}</details>"
    )


def _panel(applied: list[Decision], d: Disclosure) -> str:
    items = "".join(
        f'<li id="omo-why-{html.escape(x.id)}">{_explanation(x, d)}</li>' for x in applied
    )
    return (
        f'<details id="omo-why" class="omo-why-page"><summary>Why this page is personalised '
        f"for you ({len(applied)})</summary><ul>{items}</ul></details>"
    )


def personalise(
    page: str,
    ruleset: RuleSet,
    facts: Facts,
    visitor: Mapping[str, Any],
    metrics: Metrics,
    *,
    slot_attribute: str = "data-omo-slot",
    restraint: Restraint | None = None,
    disclosure: Disclosure = Disclosure(),
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
            continue
        note = (
            _note(decision, disclosure)
            if (disclosure.enabled and decision.rule.rule.disclose and not decision.rule.rule.hide)
            else ""
        )
        for slot in by_name[decision.target]:
            if note and inner is not None and slot.tag in FLOW:
                edits.append(Edit(slot, inner + note, attrs))
            else:
                edits.append(Edit(slot, inner, attrs, after=note))
    out = apply(page, edits) if edits else page
    if selector_work:
        out, done = _apply_selectors(out, selector_work)
        applied = [d for d in applied if not d.rule.rule.selector or d.id in done]
    if disclosure.panel and applied:
        panel = _panel(applied, disclosure)
        ends = list(_BODY_END.finditer(out))
        at = ends[-1].start() if ends else len(out)
        out = out[:at] + panel + out[at:]
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
