"""Transparency in the page: one small "i" control per personalised block (the reason, derived
from what matched, and "don't show me this") and one page-level "Why this page looks this way"."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from omotenashi.engine.conditions import all_hold, explain
from omotenashi.engine.decide import Decision, new_decision
from omotenashi.engine.explain import words
from omotenashi.engine.facts import Facts


@dataclass(frozen=True)
class Disclosure:
    """Where the visitor's choices live, for the notes' links; off when ``enabled`` is False."""

    enabled: bool = False
    panel: bool = False
    prefix: str = "/_omotenashi"
    csrf: str = ""
    path: str = "/"
    dismiss: bool = True  # False when no choice can be kept (GPC/DNT, no consent): no button


_SLUG = re.compile(r"[A-Za-z0-9_-]+")
FORCED = "a preview link for testing asked for this block"
# What a block forced by a preview link says instead of its editor's reason, which is a claim
# about the visitor that need not be true of this one
PREVIEW_WHY = "Shown by a preview link, not because of you (it is meant for: “{why}”)"
EVERYONE = "this is shown to every visitor"


def with_reasons(decision: Decision, facts: Facts, *, checked: bool = False) -> Decision:
    """The decision with the sentences that are true of this visitor now and made it fire
    (``checked``: its conditions are known to hold, as decide found them)."""
    conditions = decision.rule.conditions
    if not checked and not all_hold(conditions, facts):  # only a QA preview shows a rule
        said = [FORCED]  # that does not hold
    elif decision.rule.rule.recommend is not None:  # its items differ per visitor: each says why
        said = explain(conditions, facts)
    else:
        said = explain(conditions, facts) or [EVERYONE]
    return new_decision(decision.rule, decision.target, tuple(said))


def headline(decision: Decision) -> str:
    """The block's reason as the visitor reads it: the editor's ``why``, unless a preview link
    forced the block on a visitor its conditions do not hold for."""
    why = decision.rule.rule.why
    if decision.reasons == (FORCED,):
        return PREVIEW_WHY.format(why=why.strip().rstrip("."))
    return why


def reasons(decision: Decision) -> list[str]:
    """The visitor's facts that made this rule fire, phrased for people."""
    return list(decision.reasons)


def labels(decisions: Sequence[Decision]) -> dict[str, str]:
    """A unique accessible name per block: the editor's reason, and when two blocks share it,
    which block each one is ("…, the “hero” block"), never a bare number."""
    return dict(_labels(tuple((d.id, headline(d), d.target) for d in decisions)))


@lru_cache(maxsize=1024)  # the same few pages' blocks again and again
def _labels(blocks: tuple[tuple[str, str, str], ...]) -> tuple[tuple[str, str], ...]:
    whys = [why.strip().rstrip(".") for _, why, _ in blocks]
    out: dict[str, str] = {}
    for index, ((rule_id, _, target), why) in enumerate(zip(blocks, whys, strict=True)):
        if whys.count(why) == 1:
            out[rule_id] = why
        elif _SLUG.fullmatch(target):
            out[rule_id] = f"{why}, the “{words(target)}” block"
        else:
            out[rule_id] = f"{why}, block {index + 1} on this page"
    return tuple(out.items())


def _because(reasons: Sequence[str], items: Sequence[str]) -> str:
    because = "".join(f"<li>{html.escape(sentence(r))}</li>" for r in reasons)
    out = f'<p class="omo-because">Because:</p><ul>{because}</ul>' if because else ""
    if items:  # a recommendation: every item says why it is there
        listed = "".join(f"<li>{html.escape(sentence(i))}</li>" for i in items)
        out += f'<p>Why each suggestion:</p><ul class="omo-why-items">{listed}</ul>'
    return out


def sentence(text: str) -> str:
    """A reason as a sentence: a capital first, a full stop last (the notes, the panel and the
    preferences page all print reasons this way)."""
    return text[:1].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")


def note(
    decision: Decision,
    d: Disclosure,
    items: Sequence[str] = (),
    label: str | None = None,
    back: str = "",
) -> str:
    """One small "i" control per block: a ``<details>`` popover with the reason and a way to
    switch the block off. No script: the summary keeps focus when it closes. ``back`` is an
    id the page has whether or not the block is personalised (the slot element's own ``id``):
    "don't show me this" returns there; without one, to the top of the page."""
    rule = decision.rule.rule
    before, between, after = _note_parts(
        decision.id,
        rule.id,
        headline(decision),
        decision.target,
        decision.reasons,
        tuple(items),
        label,
        d.prefix,
        d.dismiss,
    )
    if not d.dismiss:
        return before
    next_path = html.escape(f"{d.path}#{back}" if back else d.path, quote=True)
    return f"{before}{html.escape(d.csrf)}{between}{next_path}{after}"


@lru_cache(maxsize=4096)
def _note_parts(
    decision_id: str,
    rule_id: str,
    why: str,
    target: str,
    reasons: tuple[str, ...],
    items: tuple[str, ...],
    label: str | None,
    prefix: str,
    dismiss: bool,
) -> tuple[str, str, str]:
    """A note's markup around the two values that differ per visitor and page (the form's
    token and where it returns to): the same rule and reasons build it once."""
    name = html.escape(label or why.strip().rstrip("."), quote=True)
    anchor = f"omo-i-{html.escape(target.strip('.#[]'), quote=True)}"[:80]
    head = (
        f'<details class="omo-i" id="{anchor}" data-omo-why="{html.escape(decision_id)}">'
        f'<summary aria-label="Why you see this: {name}" title="Why you see this">i</summary>'
        f'<div class="omo-i-pop"><p><strong>{html.escape(why)}</strong></p>'
        f"{_because(reasons, items)}"
    )
    tail = f'<p><a href="{prefix}/preferences">Your choices</a></p></div></details>'
    if not dismiss:
        return head + tail, "", ""
    return (
        f'{head}<form method="post" action="{prefix}/preferences" class="omo-dismiss">'
        f'<input type="hidden" name="csrf" value="',
        f'"><input type="hidden" name="action" value="dismiss">'
        f'<input type="hidden" name="rule" value="{html.escape(rule_id)}">'
        f'<input type="hidden" name="next" value="',
        f'"><button type="submit" aria-label="Don\'t show me this: {name}">'
        f"Don't show me this</button></form>{tail}",
    )


def panel(
    applied: list[Decision], d: Disclosure, items: Mapping[str, Sequence[str]] | None = None
) -> str:
    """One page-level "Why this page looks this way", listing every personalised block."""
    items = items or {}
    return _panel(
        tuple((x.id, headline(x), x.reasons, tuple(items.get(x.id, ()))) for x in applied),
        d.prefix,
    )


@lru_cache(maxsize=1024)
def _panel(
    entries: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...], prefix: str
) -> str:
    listed = "".join(
        f'<li id="omo-why-{html.escape(id_)}"><strong>{html.escape(why)}</strong>'
        f"{_because(reasons, items)}</li>"
        for id_, why, reasons, items in entries
    )
    n = len(entries)
    return (
        f'<aside class="omo-why-page" aria-label="Personalisation on this page">'
        f'<details id="omo-why"><summary>Why this page looks this way</summary>'
        f"<p>{n} part{'s' * (n != 1)} of this page "
        f"{'are' if n != 1 else 'is'} chosen for you:</p><ul>{listed}</ul>"
        f'<p><a href="{prefix}/preferences">See and change your choices</a></p>'
        f"</details></aside>"
    )
