"""Transparency in the page: one small "i" control per personalised block (the reason, derived
from what matched, and "don't show me this") and one page-level "Why this page looks this way"."""

from __future__ import annotations

import html
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from omotenashi.engine.bidi import isolated, said
from omotenashi.engine.bidi import sentence as sentence
from omotenashi.engine.conditions import all_hold, explain
from omotenashi.engine.decide import Decision, new_decision
from omotenashi.engine.explain import either
from omotenashi.engine.facts import Facts
from omotenashi.engine.html.core import NOTE_NONE
from omotenashi.engine.notelabels import _labels
from omotenashi.engine.panelwords import FRESH, FRESH_SOME, HISTORY_OFF, parts
from omotenashi.rules.text import unstopped


@dataclass(frozen=True)
class Disclosure:
    """Where the visitor's choices live, for the notes' links; off when ``enabled`` is False.
    ``prefix`` and ``path`` as the browser reaches them (behind a path prefix, with it; on a
    page whose ``<base href>`` names another host, ``prefix`` with the page's origin, and ""
    when that is not known: no link and no form then, see :func:`reach`)."""

    enabled: bool = False
    panel: bool = False
    prefix: str = "/_omotenashi"
    csrf: str = ""
    path: str = "/"
    dismiss: bool = True  # False when no choice can be kept (no consent, no cookie): no button
    fresh: bool = False  # one of the page views shown without behavioural personalisation
    history_off: bool = False  # the visitor's browsing history is off: nothing uses it
    own_tab: bool = False  # a <base target> would open ours in another tab (html/base.py
    # base_target): each link and form carries target="_self" (:func:`own_tab`)
    in_form: bool = False  # in a page's form, the note's link names its block (a11y68)


_SLUG = re.compile(r"[A-Za-z0-9_-]+")
EN = ' lang="en" dir="ltr"'  # our words (English, left to right), in a page of any language
# or direction; an editor's stay the page's (site53, bidi58)
_ESCAPED = re.compile("[&<>\"']")  # what html.escape(..., quote=True) replaces
# Elements whose content may hold a <details> note; after other elements the note follows them.
FLOW = frozenset(
    "div section article aside main header footer nav li td th dd figure blockquote form "
    "details fieldset body".split()
)
FORCED = "a preview link for testing asked for this block"
# What a block forced by a preview link says instead of its editor's reason, which is a claim
# about the visitor that need not be true of this one
PREVIEW_WHY = "Shown by a preview link, not because of you (it is meant for: “{why}”)"
# What a block with no condition says: nothing about the visitor chose it (not "every visitor":
# a holdout keeps it from some, caps and a budget from others: words52)
EVERYONE = "nothing about you chose this: it may be shown to anyone"
# ... and one whose snippet or copy prints what is known of the visitor (streams60: the block
# showed their interests under "it may be shown to anyone" alone)
EVERYONE_YOURS = f"{EVERYONE}, but what it says here is made from what we know of you"
_ANYONE = ((EVERYONE,), (EVERYONE_YOURS,))
_MADE_OF_YOURS = "shown to anyone, made from what we know of you"  # (the panel's heading)
_NONE_MINE = "Nothing on this page is chosen for you. "
# The "i" of a recommendation none of whose items comes from the visitor's own signals; when
# the visitor's own filters took an item out of it (what they viewed, their cart, what they
# bought: recommending.Recommender.left_out), it says which instead
GENERAL_PICKS = "None of these is picked for you: they are our general suggestions."
GENERAL_LESS = "These are our general suggestions, without {what}."
LEFT_OUT = {
    "viewed": "what you have viewed",
    "cart": "what is in your cart",
    "purchased": "what you have bought",
}


def reach(foreign: bool, root: str, prefix: str, origin: str) -> str:
    """What the links and forms Omotenashi writes into a page start with: ``root + prefix``
    (root-relative: the page's own origin), unless a ``<base href>`` of the page may take that
    to another origin (``foreign``: a CDN, ``http://`` on an https page: html/base.py
    ``foreign_base``), where the visitor's
    token and choice would go: then with the page's ``origin`` before it, and "" (no link, no
    form) when that is not known. A page without a <base> is written as it always was."""
    if not foreign:
        return root + prefix
    return origin + root + prefix if origin else ""


def own_tab(d: Disclosure) -> str:
    """What goes in each link and form Omotenashi writes into a page: ``target="_self"`` on a
    page whose ``<base target>`` would open it in another tab or window ("" otherwise, so a
    page without one is written as it always was)."""
    return ' target="_self"' if d.own_tab else ""


def with_reasons(decision: Decision, facts: Facts, *, checked: bool = False) -> Decision:
    """The decision with the sentences that are true of this visitor now and made it fire
    (``checked``: its conditions are known to hold, as decide found them)."""
    conditions = decision.rule.conditions
    if not checked and not all_hold(conditions, facts):  # only a QA preview shows a rule
        said = [FORCED]  # that does not hold
    elif decision.rule.rule.recommend is not None:  # its items differ per visitor: each says why
        said = explain(conditions, facts)
    else:
        said = explain(conditions, facts) or [
            EVERYONE_YOURS if decision.rule.reads_visitor else EVERYONE
        ]
    return new_decision(decision.rule, decision.target, tuple(said))


def kept_reasons(decision: Decision, facts: Facts) -> tuple[str, ...]:
    """What the profile keeps of why a block was shown (the preferences page's "why"): the
    sentences of the conditions that chose it, not of a ``not:`` that held ("we have no record
    of you buying …" is said in its "i", not kept about the visitor); all of them when nothing
    else chose it."""
    conditions = decision.rule.conditions
    if decision.reasons == (FORCED,) or not any(c.guard for c in conditions):
        return decision.reasons
    return tuple(explain([c for c in conditions if not c.guard], facts)) or decision.reasons


def for_you(decision: Decision, personal: bool) -> bool:
    """Whether the block is chosen for this visitor: its conditions hold for them (a preview
    link's forcing counts), or it is a recommendation with an item from their own signals
    (``personal``); a block for every visitor, or suggestions anyone could get, is not."""
    if decision.reasons and decision.reasons not in _ANYONE:
        return True
    return decision.rule.rule.recommend is not None and personal


def headline(decision: Decision) -> str:
    """The block's reason as the visitor reads it: the editor's ``why``, unless a preview link
    forced the block on a visitor its conditions do not hold for."""
    why = decision.rule.rule.why
    return PREVIEW_WHY.format(why=unstopped(why)) if decision.reasons == (FORCED,) else why


def _why(why: str) -> str:
    """The headline as HTML: a rule's why that a preview link's sentence quotes, isolated."""
    return isolated(why) if why.startswith(PREVIEW_WHY[:40]) else html.escape(why)


def without(left: Sequence[str]) -> str:
    """ "what you have viewed and what is in your cart": the filters that took items out."""
    return either([LEFT_OUT[name] for name in left], "and")


def general_picks(left: Sequence[str] = ()) -> str:
    """What a recommendation's "i" says of suggestions none of which is picked for the
    visitor: which of their own filters took items out of them, if any did."""
    return GENERAL_LESS.format(what=without(left)) if left else GENERAL_PICKS


def reasons(decision: Decision) -> list[str]:
    """The visitor's facts that made this rule fire, phrased for people."""
    return list(decision.reasons)


def labels(decisions: Sequence[Decision]) -> dict[str, str]:
    """A unique accessible name per block: the editor's reason, and when two blocks share it,
    which block each one is ("…, the “hero” block"), never a bare number."""
    return dict(_labels(tuple([(d.id, headline(d), d.target) for d in decisions])))


def _because(reasons: Sequence[str], items: Sequence[str]) -> str:
    because = "".join(f"<li>{said(r)}</li>" for r in reasons)
    out = f'<p class="omo-because"{EN}>Because:</p><ul{EN}>{because}</ul>' if because else ""
    if items:  # a recommendation: every item says why it is there
        listed = "".join(f"<li>{said(i)}</li>" for i in items)
        out += f'<p{EN}>Why each suggestion:</p><ul class="omo-why-items"{EN}>{listed}</ul>'
    return out


def placement(
    tag: str, note_in: int, note_after: int, replaced: bool, item: bool = False
) -> tuple[bool, int]:
    """Where a block's "i" goes: (inside, level). Inside: at the end of the element's new
    content (``replaced``), when it may hold a ``<details>``; else right after the element.
    ``note_in``/``note_after`` (the scanner's): how much of the note each place takes and the
    page around it stays as it was, NOTE_FULL, NOTE_BARE (a form of the page is open there:
    the note without its own form, whose end would close the page's) or NOTE_NONE (inside a
    link, a button, a paragraph, a select, a heading, a table's rows ...). The place taking
    more wins, inside on a tie; NOTE_NONE for both: the block has no "i" (the page's panel and
    the preferences page still say why). ``item``: the element is an item of a list or a
    widget (html/roles.py ``listed_item``): nothing goes after it."""
    inside = note_in if replaced and tag in FLOW else NOTE_NONE
    if inside >= note_after or item:
        return True, inside
    return False, note_after


def note(
    decision: Decision,
    d: Disclosure,
    items: Sequence[str] = (),
    label: str | None = None,
    back: str = "",
    personal: bool = True,
    left: Sequence[str] = (),
) -> str:
    """One small "i" control per block: a ``<details>`` popover with the reason and a way to
    switch the block off. No script: the summary keeps focus when it closes. ``back`` is an
    id the page has whether or not the block is personalised (the slot element's own ``id``):
    "don't show me this" returns to the confirmation said right after it (flash.py
    ``to_notice``); without one, to the top of the page. ``personal``
    False: none of a recommendation's items comes from the visitor's own signals; ``left``:
    which of their own filters took items out of those general suggestions."""
    rule = decision.rule.rule
    before, between, after = _noteparts(
        decision.id,
        rule.id,
        headline(decision),
        decision.target if rule.slot is not None else "",  # (a selector's "i": no id)
        decision.reasons,
        tuple(items),
        label,
        d.prefix,
        d.dismiss and bool(d.prefix),
        decision.rule.rule.recommend is not None and not for_you(decision, personal),
        tuple(left),
        own_tab(d),
        decision.rule.entry_places,
        d.in_form,
    )
    if not (d.dismiss and d.prefix):
        return before
    path, csrf = f"{d.path}#{back}" if back else d.path, d.csrf
    # (html.escape's five passes only for what has a character to escape: tokens seldom do)
    path = html.escape(path, quote=True) if _ESCAPED.search(path) else path
    csrf = html.escape(csrf, quote=True) if _ESCAPED.search(csrf) else csrf
    return f"{before}{csrf}{between}{path}{after}"


@lru_cache(maxsize=4096)
def _noteparts(
    decision_id: str,
    rule_id: str,
    why: str,
    target: str,
    reasons: tuple[str, ...],
    items: tuple[str, ...],
    label: str | None,
    prefix: str,
    dismiss: bool,
    general: bool = False,
    left: tuple[str, ...] = (),
    tab: str = "",
    shared: bool = False,
    came: bool = False,
) -> tuple[str, str, str]:
    """A note's markup around the two values that differ per visitor and page (the form's
    token and where it returns to): the same rule and reasons build it once. ``shared``: blocks
    elsewhere give the same reason, and "Don't show me this" switches them off too (one entry)."""
    name = html.escape(label or unstopped(why), quote=True)
    # (visitor62: the button of one of two such blocks was named for it alone)
    off = (
        f"{html.escape(unstopped(why), quote=True)}, every such block of this kind"
        if shared
        else name
    )
    prefix = html.escape(prefix, quote=True)  # a path prefix the server was given, as written
    # a slot's "i" has an id of its name; a selector's none (it may match many: site53)
    anchor = f' id="omo-i-{target}"' if _SLUG.fullmatch(target) and len(target) <= 64 else ""
    head = (
        f'<details class="omo-i"{anchor} data-omo-why="{html.escape(decision_id)}">'
        f'<summary aria-label="i: why you see this: {name}" title="Why you see this"{EN}>'
        "i</summary>"
        f'<div class="omo-i-pop"><p><strong>{_why(why)}</strong></p>'
        f"{f'<p>{general_picks(left)}</p>' if general else ''}{_because(reasons, items)}"
    )
    block = f"?block={rule_id}#omo-came" if came else ""  # (its switch there: no form here)
    link = f'<p{EN}><a href="{prefix}/preferences{block}"{tab}>Your choices</a></p>' * bool(prefix)
    tail = f"{link}</div></details>"
    if not dismiss:
        return head + tail, "", ""
    return (
        f'{head}<form method="post" action="{prefix}/preferences" class="omo-dismiss"{tab}>'
        f'<input type="hidden" name="csrf" value="',
        f'"><input type="hidden" name="action" value="dismiss">'
        f'<input type="hidden" name="rule" value="{html.escape(rule_id)}">'
        f'<input type="hidden" name="next" value="',
        f'"><button type="submit"{EN} aria-label="Don\'t show me this: {off}">'
        f"Don't show me this</button></form>{tail}",
    )


def panel(
    applied: list[Decision],
    d: Disclosure,
    items: Mapping[str, Sequence[str]] | None = None,
    personal: Mapping[str, bool] | None = None,
    left: Mapping[str, Sequence[str]] | None = None,
    noteless: Collection[str] = (),
) -> str:
    """One page-level "Why this page looks this way": the blocks chosen for the visitor, then
    those that are not (``personal``: whether a recommendation's items come from the
    visitor's own signals, by rule id; ``left``: which of the visitor's own filters took
    items out of general suggestions), and on a fresh page view, that it is one; with the
    visitor's browsing history off, that it is. Its link names the blocks without their own
    "i" here (``noteless``), which the preferences page gives a switch each (eye68: under
    GPC, nothing shown recorded, only their kinds could be switched off)."""
    items = items or {}
    personal = personal or {}
    left = left or {}
    return _panel(
        tuple(
            (
                x.id,
                headline(x),
                x.reasons,
                tuple(items.get(x.id, ())),
                for_you(x, personal.get(x.id, True)),
                tuple(left.get(x.id, ())),
            )
            for x in applied
        ),
        d.prefix,
        d.fresh,
        d.history_off,
        own_tab(d),
        tuple(x.id for x in applied if x.id in noteless)[:MAX_NAMED] if d.dismiss else (),
    )


MAX_NAMED = 10  # blocks a link names, at most (respect/camefrom.py reads as many)
Entry = tuple[str, str, tuple[str, ...], tuple[str, ...], bool, tuple[str, ...]]  # id, why,
# reasons, items, mine, and the visitor's own filters that took items out (general)


def _listed(entries: Sequence[Entry]) -> str:
    """One line per thing said: blocks that say the same (their why, reasons and items) share
    a line, "(2 parts)", which keeps every block's anchor."""
    said: dict[tuple[str, tuple[str, ...], tuple[str, ...]], list[str]] = {}
    for id_, why, reasons, items, _, _ in entries:
        said.setdefault((why, reasons, items), []).append(id_)
    out = ""
    for (why, reasons, items), ids in said.items():
        more = "".join(f'<span id="omo-why-{html.escape(i)}"></span>' for i in ids[1:])
        parts = f" ({len(ids)} parts)" if len(ids) > 1 else ""
        out += (
            f'<li id="omo-why-{html.escape(ids[0])}">{more}<strong>{_why(why)}</strong>'
            f"{parts}{_because(reasons, items)}</li>"
        )
    return out


@lru_cache(maxsize=1024)
def _panel(
    entries: tuple[Entry, ...],
    prefix: str,
    fresh: bool,
    history_off: bool,
    tab: str = "",
    named: tuple[str, ...] = (),
) -> str:
    prefix = html.escape(prefix, quote=True)
    forced = [e for e in entries if e[1].startswith(PREVIEW_WHY[:40])]  # (qa66: "chosen
    mine = [e for e in entries if e[4] and e not in forced]  # for you", of a preview link's)
    general = [e for e in entries if not e[4] and not e[5] and e[2] != (EVERYONE_YOURS,)]
    yours = [e for e in entries if not e[4] and not e[5] and e[2] == (EVERYONE_YOURS,)]
    less: dict[tuple[str, ...], list[Entry]] = {}  # general, less the visitor's own items
    for e in entries:
        if not e[4] and e[5]:
            less.setdefault(e[5], []).append(e)
    # (a part made from what we know of them is no page "as everyone sees it": last60c)
    text = f"<p{EN}>{FRESH_SOME if mine or forced or less or yours else FRESH}</p>" if fresh else ""
    text += f"<p{EN}>{HISTORY_OFF}</p>" if history_off else ""
    if mine:
        lead = parts(len(mine), after=" of this page")
        text += f"<p{EN}>{lead} chosen for you:</p><ul>{_listed(mine)}</ul>"
    if forced:
        lead = parts(len(forced), before="other " * bool(mine), after=" of this page" * (not mine))
        text += f"<p{EN}>{lead} shown by a preview link:</p><ul>{_listed(forced)}</ul>"
    earlier = bool(mine or forced)  # (visitor60: one made of what we know of them: no "general")
    for group, heading in ((general, "general, not based on you"), (yours, _MADE_OF_YOURS)):
        if group:
            n, none = len(group), _NONE_MINE * (not less)
            lead = parts(n, before="other ") if earlier else f"{none}{parts(n)}"
            text += f"<p{EN}>{lead} {heading}:</p><ul>{_listed(group)}</ul>"
            earlier = True
    for left, some in less.items():
        lead = parts(len(some), before="other " if earlier else "")
        earlier = True
        text += (
            f"<p{EN}>{lead} our general suggestions, without {without(left)}:</p>"
            f"<ul>{_listed(some)}</ul>"
        )
    query = f"?{'&'.join(f'block={html.escape(b)}' for b in named)}#omo-came" if named else ""
    choices = (
        f'<p{EN}><a href="{prefix}/preferences{query}"{tab}>See and change your choices</a></p>'
    )
    choices = choices if prefix else ""  # (no address of ours reaches the site: html/base.py)
    return (
        '<aside class="omo-why-page" aria-labelledby="omo-why-name">'  # (its English: a11y68)
        f'<details id="omo-why"><summary id="omo-why-name"{EN}>Why this page looks this way'
        f"</summary>{text}{choices}</details></aside>"
    )
