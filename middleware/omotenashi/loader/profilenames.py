"""``omotenashi check``: names of the site's that make a field name of a profile too long.

A profile is one Redis hash (store/scripts.py), kept in the compact encoding (a listpack, about
a quarter of the memory) only while every field name and value is at most 64 bytes. Values are
kept in pieces (store/pieces.py); field names are not, and some carry the site's own names:
``s<rule>`` and ``k<rule>`` (a longer rule id is refused at load: rules/model.py
``MAX_RULE_ID``), ``k~intent:<intent>:<period>`` for each period a capped rule of the intent
counts in (engine/restraint.py ``intent_cap``, engine/ruleset.py ``intent_periods``), and a
measured rule's record, ``mr|<rule>`` and ``mg|<rule>|<goal>`` for every site goal the visitor
reaches, whatever the rule's ``goals:`` (measure/counting.py ``tally``; the store adds ``m``).
Those names still work, so these are warnings: one per intent, at the first rule naming it,
and one per measured rule, at its id.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from omotenashi.engine.restraint import intent_cap
from omotenashi.rules.goals import Goal
from omotenashi.rules.model import Rule
from omotenashi.rules.yamlsource import Loc

Add = Callable[[Loc, str, str, str], None]  # (field, level, problem, hint)
COMPACT = 64  # bytes of a field name Redis keeps a hash compact with (store/pieces.py PIECE)
LARGER = (
    "; Redis keeps a profile compact only while every field name is at most 64 bytes, so every "
    "visitor {who} is stored in its larger encoding, about four times the memory"
)


class ProfileNames:
    """The checks of one rule set: ``periods``, per intent, the periods its capped rules count
    in; ``goals``, the site's goals."""

    def __init__(self, periods: Mapping[str, Iterable[str]], goals: Iterable[Goal]) -> None:
        self.periods = {i: sorted(pers, key=lambda p: (len(p), p)) for i, pers in periods.items()}
        self.goal = max((g.id for g in goals), key=len, default=None)  # the longest field's
        self.said: set[str] = set()  # intents looked at

    def check(self, add: Add, rule: Rule, loc: Loc) -> None:
        """A warning through ``add`` when ``rule`` (at ``loc`` in its file) makes a profile
        field name longer than :data:`COMPACT`."""
        intent = rule.intent
        if intent is not None and intent not in self.said and self.periods.get(intent):
            self.said.add(intent)
            per = self.periods[intent][-1]  # the longest of the periods
            name = "k" + intent_cap(intent, per)
            if len(name) > COMPACT:
                add(
                    (*loc, "intent"),
                    "warning",
                    f"the intent {intent!r} makes the profile field 'k~intent:<intent>:{per}' "
                    f"(its blocks counted per {per}, as a capped rule of it counts) {len(name)} "
                    "bytes long" + LARGER.format(who="shown a block with this intent"),
                    f"use an intent of at most {COMPACT - len(name) + len(intent)} characters",
                )
        if rule.holdout > 0:
            self._measured(add, rule, loc)

    def _measured(self, add: Add, rule: Rule, loc: Loc) -> None:
        """A measured rule's record: ``mr|<rule>`` for each visitor exposed to it, and
        ``mg|<rule>|<goal>`` for each who then reaches a goal (the longest goal's, here)."""
        exposed = len(f"mr|{rule.id}")
        longest = exposed if self.goal is None else len(f"mg|{rule.id}|{self.goal}")
        if longest <= COMPACT:
            return
        said = f"rule {rule.id!r} is measured (holdout:), which makes the profile field "
        if exposed > COMPACT:
            said += f"'mr|<rule id>' {exposed} bytes long"
            who = "exposed to it (shown it or held out)"
        else:
            said += (
                f"'mg|<rule id>|<goal>' {longest} bytes long for the goal {self.goal!r} (every "
                "site goal is recorded, whatever goals: says)"
            )
            who = "who reaches that goal after being exposed to it"
        shorter = ", or shorter goal ids" if exposed <= COMPACT else ""
        most = COMPACT - longest + len(rule.id)
        add(
            (*loc, "id"),
            "warning",
            said + LARGER.format(who=who),
            f"use a rule id of at most {most} characters{shorter}",
        )
