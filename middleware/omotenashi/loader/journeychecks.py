"""``omotenashi check`` (and the live load's log): a journey file that validates but does not do
what its editor meant, checked as strictly as rule files.

Errors: names that can never match (the rules' own checks, ``namechecks``: event names ``track``
and the beacon refuse, wherever the journey names an event; topic and condition paths without
the leading '/'; lists no file defines ...), stage words with template fields (shown as
written), and a transition that needs a stage at or past its own target
(visitors only move forward, so it never fires). Warnings: an event name close to one
Omotenashi records itself; a transition that holds for every visitor on their first pages and
skips stages; transitions that such a one leaves with nothing to do; a move to purchase before
any purchase while the built-in words say "you have bought from us"; a transition on
``purchase`` to an earlier stage than one on ``add_to_cart``; stage words with tags or
entities (``whychecks``' words, as for ``why:``), a line break, or that rank the visitor among
others ("our most loyal visitors").
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator

from omotenashi.engine.limits import MAX_TOPIC
from omotenashi.errors import RuleError
from omotenashi.loader.findings import LoadWarning
from omotenashi.loader.namechecks import event_problem, path_problem, when_findings
from omotenashi.loader.near import CLOSE, Near, series
from omotenashi.loader.whens import walk_whens
from omotenashi.loader.whychecks import _markup
from omotenashi.rules.journey import TRUSTED_EVENTS, JourneyFile, Transition
from omotenashi.rules.model import STAGES, Compare, When
from omotenashi.rules.yamlsource import Loc, format_loc, line_of

RECORDED = frozenset({*TRUSTED_EVENTS, "view_item"})  # events with a built-in meaning
_TEMPLATE = re.compile(r"\{\{|\{%|\{#")
_RANKING = re.compile(
    r"\bour (most|best|top|biggest|greatest|favou?rite|valued|elite)\b( \w+)?|"
    r"\b(most|best) (loyal|valued|frequent|regular)\b",
    re.I,
)
EARLY_PAGE = 2  # a transition that holds for everyone by this page moves every visitor


class _Found:
    def __init__(self, file: str, lines: dict[Loc, int]) -> None:
        self.file, self.lines = file, lines
        self.out: list[LoadWarning] = []

    def add(self, loc: Loc, level: str, problem: str, hint: str) -> None:
        if isinstance(loc[-1], int) and loc not in self.lines:
            loc = loc[:-1]  # one value written bare, not as a list: no index to name
        line = line_of(self.lines, loc)
        error = RuleError(self.file, line, format_loc(loc), problem, hint)
        self.out.append(LoadWarning(error, level))


def journey_findings(
    spec: JourneyFile, raw: object, file: str, lines: dict[Loc, int], lists: list[str]
) -> list[LoadWarning]:
    """What ``check`` says about a journey file that validated: ``raw`` is the file as read
    (the stage words as written), ``lists`` the names of the editors' lists."""
    found = _Found(file, lines)
    whens: list[tuple[When, Loc]] = [
        (t.when, ("transitions", i, "when")) for i, t in enumerate(spec.transitions)
    ]
    whens += [(d.when, ("decay", i, "when")) for i, d in enumerate(spec.decay)]
    whens += [(w, ("segments", name)) for name, w in spec.segments.items()]
    found.out += [
        LoadWarning(RuleError(f.file, f.line, "", f.message), f.level)
        for f in when_findings(file, lines, whens, lists)
    ]
    _event_names(found, spec, whens)
    for i, topic in enumerate(spec.topics):
        for j, glob in enumerate(topic.path):
            if (said := path_problem(glob)) is not None:
                found.add(("topics", i, "path", j), "error", *said)
        for j, given in enumerate(topic.topics):  # (a page view drops it: eye54)
            if len(given) > MAX_TOPIC:
                found.add(
                    ("topics", i, "topics", j),
                    "error",
                    f"the topic {given[:60]!r} is {len(given)} characters: a page's topics "
                    f"longer than {MAX_TOPIC} are not kept, so no page view counts it",
                    "write a shorter topic",
                )
    stages = raw.get("stages") if isinstance(raw, dict) else None
    for stage, text in stages.items() if isinstance(stages, dict) else ():
        if isinstance(text, str) and stage in spec.stages:
            _stage_words(found, str(stage), text)
    named = raw.get("segment_words") if isinstance(raw, dict) else None
    for segment, text in named.items() if isinstance(named, dict) else ():
        if isinstance(text, str):  # (a group's name, quoted in reasons: plain words too)
            _plain(found, ("segment_words", segment), f"the words for segment {segment!r}", text)
    _stage_order(found, spec)
    _purchase_claims(found, spec)
    return found.out


def _event_names(found: _Found, spec: JourneyFile, whens: list[tuple[When, Loc]]) -> None:
    """Every event the journey names: refused names in transitions and the beacon are errors
    (in conditions ``when_findings`` says so); a name close to one Omotenashi records, the
    beacon allows or the journey names elsewhere is a warning."""
    named: list[tuple[Loc, str]] = [
        (("transitions", i, "on", j), e)
        for i, t in enumerate(spec.transitions)
        for j, e in enumerate(t.on or ())
    ]
    named += [(("beacon", "events", j), e) for j, e in enumerate(spec.beacon.events)]
    for when, loc in whens:
        for sub, at in walk_whens(when, loc):
            named += [((*at, "event", e), e) for e in sub.event or ()]
    allowed = set(spec.beacon.events)
    near = Near([*RECORDED, *allowed, *(e for _, e in named if event_problem(e) is None)])
    for loc, event in named:
        if (said := event_problem(event)) is not None:
            if loc[-2] != "event":  # conditions: when_findings says it
                found.add(loc, "error", *said)
            continue
        if event in RECORDED or (event in allowed and loc[0] != "beacon"):
            continue
        keep = (lambda name: name in RECORDED) if loc[0] == "beacon" else None
        close = near.close(event, CLOSE, keep)
        if close is None or series(close, event):
            continue
        origin = (
            "an event Omotenashi records itself"
            if close in RECORDED
            else "an event the beacon allows"
            if close in allowed
            else "an event the journey names elsewhere"
        )
        found.add(
            loc,
            "warning",
            f"{event!r} is close to {close!r}, {origin}: names must match exactly",
            f"did you mean {close!r}?",
        )


def _stage_words(found: _Found, stage: str, text: str) -> None:
    """The words a visitor reads for their stage: plain text, one line, no ranking."""
    loc = ("stages", stage)
    shown = _plain(found, loc, f"the words for {stage!r}", text)
    if "\n" in shown or "\r" in shown:
        found.add(
            loc,
            "warning",
            f"the words for {stage!r} have a line break: they are shown on one line "
            f"({' '.join(shown.split())!r})",
            "write them as one line that follows 'because'",
        )
    if (ranking := _RANKING.search(shown)) is not None:
        found.add(
            loc,
            "warning",
            f"the words for {stage!r} rank the visitor among others ({ranking.group(0)!r}): "
            f"they are said to everyone the transitions put at {stage!r}, however they got there",
            "say what being there means, e.g. 'you have joined our member club or booked with us "
            "more than once'",
        )


def _plain(found: _Found, loc: Loc, what: str, text: str) -> str:
    """Words shown to visitors as written: markup is a warning, template syntax an error."""
    shown = text.strip()
    for problem, hint in _markup(shown, what.replace("the words", "the text")):  # as why: is
        found.add(loc, "warning", problem, hint)
    if _TEMPLATE.search(shown):
        found.add(
            loc,
            "error",
            f"{what} contain template syntax ({shown!r}): they are shown as written, never "
            "filled in",
            "write plain words",
        )
    return shown


def _rank(stage: str) -> int:
    return STAGES.index(stage)


def _everyone_from(when: When) -> int | None:
    """The page from which ``when`` holds for every visitor (views count from the next page
    on, visits is at least 1), or None when some visitors never meet it."""
    fields = when.model_fields_set - {"all", "any"}
    page = 1
    for sub in when.all or ():
        sub_page = _everyone_from(sub)
        if sub_page is None:
            return None
        page = max(page, sub_page)
    if when.any is not None:  # (journey62: one that holds for everyone makes it hold)
        pages = [p for p in map(_everyone_from, when.any) if p is not None]
        if not pages:
            return None
        page = max(page, min(pages))
    for name in fields:
        value = getattr(when, name)
        low = _lower_bound_only(value) if isinstance(value, Compare) else None
        if name == "views" and low is not None:
            page = max(page, low + 1)
        elif name == "visits" and low is not None and low <= 1:
            continue
        elif name in _FROM_ZERO and low == 0:  # (journey62: at_least: 0 of a count)
            continue
        elif not (name in ("event", "interest") and _all_from_zero(value)):
            return None
    return page


_FROM_ZERO = ("purchases", "cart_items")  # counts every visitor has, from 0 (absent_days: not
# on a first visit, which is no return: last62c)


def _all_from_zero(value: object) -> bool:
    """Whether every comparison of an ``event:`` or ``interest:`` mapping accepts 0."""
    return isinstance(value, dict) and all(
        isinstance(c, Compare) and _lower_bound_only(c) == 0 for c in value.values()
    )


def _lower_bound_only(cmp: Compare) -> int | None:
    """The least whole count the comparison accepts when it sets only a lower bound."""
    if cmp.model_fields_set - {"at_least", "gt"}:
        return None
    low = math.ceil(cmp.at_least) if cmp.at_least is not None else 0
    return max(low, math.floor(cmp.gt) + 1) if cmp.gt is not None else low


def _page(n: int) -> str:
    return "first page" if n == 1 else f"page {n}" if n > 2 else "second page"


def _stage_order(found: _Found, spec: JourneyFile) -> None:
    transitions = spec.transitions
    for i, t in enumerate(transitions):
        _needs_later_stage(found, spec, i, t)
    early: list[tuple[int, int]] = []  # (index, page) of those that hold for everyone early
    for i, t in enumerate(transitions):
        page = _everyone_from(t.when) if t.on is None else None
        if page is None or page > EARLY_PAGE:
            continue
        early.append((i, page))
        skipped = STAGES[1 : _rank(t.to)]
        if len(skipped) > 0:
            found.add(
                ("transitions", i, "when"),
                "warning",
                f"every visitor becomes {t.to!r} on their {_page(page)}: this when: holds for "
                f"everyone, skipping {_listing(skipped)}",
                "move visitors there on an event (on: ...) or on a condition only some meet, "
                "e.g. purchases: {at_least: 2}",
            )
    if not early:
        return
    # the furthest of them, soonest: every other move up to its stage is left with nothing to do
    i, page = max(early, key=lambda e: (_rank(transitions[e[0]].to), -e[1], -e[0]))
    to = transitions[i].to
    does = (
        "never changes a visitor's stage"
        if page == 1
        else "can change a visitor's stage only on their first page"
    )
    for j, other in enumerate(transitions):
        if j != i and _rank(other.to) <= _rank(to):
            found.add(
                ("transitions", j),
                "warning",
                f"this move to {other.to!r} {does}: transitions[{i}] "
                f"(line {line_of(found.lines, ('transitions', i))}) puts every visitor at "
                f"{to!r} on their {_page(page)}",
                "give that transition a condition only some visitors meet, or remove this one",
            )


def _needs_later_stage(found: _Found, spec: JourneyFile, i: int, t: Transition) -> None:
    """A transition that needs the visitor at its own stage or later never fires (visitors
    only move forward), unless a decay rule moves them back below it on the same request."""
    for loc, stages in _stage_conditions(t.when, ("transitions", i, "when")):
        if any(_rank(s) < _rank(t.to) for s in stages):
            continue
        if any(_rank(d.to) < _rank(t.to) and set(d.from_) & set(stages) for d in spec.decay):
            continue  # a decay rule's request: the stage seen is the one before it
        found.add(
            (*loc, "stage"),
            "error",
            f"this transition moves visitors to {t.to!r} only when they are at "
            f"{_listing(stages, 'or')} already, but visitors only move forward: it can never fire",
            f"name a stage before {t.to!r}, or use a decay rule to move visitors back",
        )


def _stage_conditions(when: When, loc: Loc) -> Iterator[tuple[Loc, list[str]]]:
    if when.stage is not None:
        yield loc, [str(s) for s in when.stage]
    for k, sub in enumerate(when.all or ()):
        yield from _stage_conditions(sub, (*loc, "all", k))


def _purchase_claims(found: _Found, spec: JourneyFile) -> None:
    """A move to purchase before buying, under the built-in words "you have bought from us";
    a move on purchase to an earlier stage than adding to the cart already gives."""
    on_cart = [
        (_rank(t.to), -i)
        for i, t in enumerate(spec.transitions)
        if t.on is not None and "add_to_cart" in t.on and not t.when.model_fields_set
    ]
    cart_rank, k = max(on_cart, default=(-1, 0))  # the furthest move on add_to_cart, first
    k = -k
    for i, t in enumerate(spec.transitions):
        bought = (t.on is not None and set(t.on) <= {"purchase"}) or _needs_purchase(t.when)
        if t.to == "purchase" and not bought and "purchase" not in spec.stages:
            trigger = f"on {_listing(list(t.on), 'or')}" if t.on else "when its when: holds"
            found.add(
                ("transitions", i, "to"),
                "warning",
                f"this puts visitors at 'purchase' {trigger}, before any purchase, and the "
                "built-in words for that stage tell them 'you have bought from us'",
                "move them to 'consideration', or say in stages: purchase: what reaching it "
                "means on your site",
            )
        if t.on is None or "purchase" not in t.on:
            continue
        if cart_rank > _rank(t.to):
            found.add(
                ("transitions", i, "to"),
                "warning",
                f"this moves visitors to {t.to!r} on 'purchase', but adding to the cart "
                f"already puts them at {STAGES[cart_rank]!r} (transitions[{k}], line "
                f"{line_of(found.lines, ('transitions', k))}): it only moves those who buy "
                "without adding to the cart first",
                "are the two stages the wrong way round?",
            )


def _needs_purchase(when: When) -> bool:
    for c in (when.purchases, (when.event or {}).get("purchase")):
        if c is not None and ((c.at_least or 0) >= 1 or (c.gt is not None and c.gt >= 0)):
            return True
    return any(_needs_purchase(sub) for sub in when.all or ())


def _listing(names: list[str] | tuple[str, ...], last: str = "and") -> str:
    quoted = [repr(n) for n in names]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} {last} {quoted[-1]}"
