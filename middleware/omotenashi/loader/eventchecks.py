"""``omotenashi check``: an event a rule names that nothing here knows of, at the field.

A rule's ``event: {name: ...}`` and ``cap: {until: name}`` count events by name. Omotenashi
records some itself (``purchase``, ``add_to_cart``, ``remove_from_cart``, ``page_view``,
``view_item``); the journey names others (the beacon's allowed events, the events a
transition moves on, its segments' conditions), and so do the site's goals. Another name close
to a known one is a warning, with the known name it is likely a misspelling of: ``until:
purchse`` never stops the block after a purchase. A name close to none is the site's own event
(the app may record any with ``track(request, name)``): nothing is said.
"""

from __future__ import annotations

from collections.abc import Iterable

from omotenashi.engine.journey import Journey
from omotenashi.loader.fieldchecks import Add
from omotenashi.loader.journeychecks import RECORDED
from omotenashi.loader.namechecks import event_problem
from omotenashi.loader.near import CLOSE, Near, series
from omotenashi.loader.whens import walk_whens
from omotenashi.rules.goals import Goal
from omotenashi.rules.model import Rule, When
from omotenashi.rules.yamlsource import Loc


def journey_events(journey: Journey | None) -> set[str]:
    """The events the journey names: the beacon's, the transitions', its conditions'."""
    if journey is None:
        return set()
    spec = journey.spec
    named = set(spec.beacon.events)
    named.update(e for t in spec.transitions for e in t.on or ())
    whens: list[When] = [t.when for t in spec.transitions] + [d.when for d in spec.decay]
    whens += list(spec.segments.values())
    for when in whens:
        named.update(e for sub, _ in walk_whens(when, ()) for e in sub.event or ())
    return named


class EventNames:
    """The events a rule set may count, indexed once; :meth:`check` says the others."""

    def __init__(self, journey: Journey | None, goals: Iterable[Goal]) -> None:
        self.known = {*RECORDED, *journey_events(journey)}
        self.known.update(g.event for g in goals if g.event)
        self._near = Near(self.known)
        self._meant: dict[str, str | None] = {}  # each unknown name looked at once

    def check(self, add: Add, rule: Rule, loc: Loc) -> None:
        """A warning through ``add`` at each event ``rule`` names that nothing here knows."""
        if rule.cap is not None and rule.cap.until is not None:
            until = rule.cap.until
            self._one(add, (*loc, "cap", "until"), until, "the cap stops the rule for good")
        for sub, at in walk_whens(rule.when, (*loc, "when")):
            for event in sub.event or {}:
                self._one(add, (*at, "event", event), event, "the condition holds")

    def _one(self, add: Add, loc: Loc, event: str, effect: str) -> None:
        if event in self.known or event_problem(event) is not None:  # (refused: an error)
            return
        if event not in self._meant:
            close = self._near.close(event, CLOSE)
            self._meant[event] = None if close is None or series(close, event) else close
        meant = self._meant[event]
        if meant is None:  # close to no known name: the app's own event, recorded with track()
            return
        problem = (
            f"the event {event!r} is not one Omotenashi records, nor one a goal or the journey "
            f"names: {effect} only if your app records it with track(request, {event!r}), "
            "which an app may do for events of its own (so a warning, not an error)"
        )
        add(loc, "warning", problem, f"did you mean {meant!r}?")
