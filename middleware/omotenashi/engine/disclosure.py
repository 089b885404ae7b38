"""Transparency in the page: a small "why am I seeing this" note per personalised block and a
page panel listing every decision, in plain language, with a way to switch each one off."""

from __future__ import annotations

import html
from dataclasses import dataclass

from omotenashi.engine.decide import Decision


@dataclass(frozen=True)
class Disclosure:
    """Where the visitor's choices live, for the notes' links; off when ``enabled`` is False."""

    enabled: bool = False
    panel: bool = False
    prefix: str = "/_omotenashi"
    csrf: str = ""
    path: str = "/"


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


def note(decision: Decision, d: Disclosure) -> str:
    return (
        f'<details class="omo-why" data-omo-why="{html.escape(decision.id)}">'
        f"<summary>Why am I seeing this?</summary>{_explanation(decision, d)}</details>"
    )


def panel(applied: list[Decision], d: Disclosure) -> str:
    items = "".join(
        f'<li id="omo-why-{html.escape(x.id)}">{_explanation(x, d)}</li>' for x in applied
    )
    return (
        f'<details id="omo-why" class="omo-why-page"><summary>Why this page is personalised '
        f"for you ({len(applied)})</summary><ul>{items}</ul></details>"
    )
