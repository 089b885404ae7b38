"""Restraint's rules past the per-intent budget are the ones they were before issue 15 made the
count cheaper (only decisions with an intent ranked, and only when one is over its budget):
held to the old count, a copy below, for any decisions, priorities, forced rules and budget."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from omotenashi.engine.decide import Decision, new_decision
from omotenashi.engine.profile import Profile
from omotenashi.engine.restraint import Prefs, Restraint
from omotenashi.engine.ruleset import CompiledRule
from omotenashi.rules.model import Rule
from omotenashi.settings import RespectSettings


def _before(restraint: Restraint, decisions: list[Decision]) -> set[str]:
    """Restraint._intent_losers as it was: every decision ranked, each intent counted."""
    seen: dict[str, int] = {}
    losers: set[str] = set()
    for _, decision in restraint._ranked(decisions):
        intent = decision.rule.rule.intent
        if intent is not None:
            seen[intent] = seen.get(intent, 0) + 1
            if seen[intent] > restraint.cfg.intent_budget and decision.id not in restraint.forced:
                losers.add(decision.id)
    return losers


BLOCKS = st.lists(
    st.tuples(st.sampled_from([None, "a", "b", "c"]), st.integers(0, 3), st.booleans()),
    max_size=9,
)


@given(BLOCKS, st.integers(1, 4))
def test_the_same_rules_lose_to_their_intent(
    blocks: list[tuple[str | None, int, bool]], budget: int
) -> None:
    decisions = []
    for n, (intent, priority, _) in enumerate(blocks):
        rule = Rule(
            id=f"r{n}", slot=f"s{n}", text="x", why="Why.", intent=intent, priority=priority
        )
        decisions.append(new_decision(CompiledRule(rule, "f", 1, n, [], None), f"s{n}"))
    forced = frozenset(f"r{n}" for n, (_, _, pinned) in enumerate(blocks) if pinned)
    restraint = Restraint(
        RespectSettings(intent_budget=budget), Prefs(), Profile(), 0.0, True, forced=forced
    )
    assert restraint._intent_losers(decisions) == _before(restraint, decisions)


def test_a_block_over_its_budget_loses() -> None:  # (the comparison above can tell)
    rules = [Rule(id=f"r{n}", slot=f"s{n}", text="x", why="Why.", intent="a") for n in range(3)]
    decisions = [
        new_decision(CompiledRule(r, "f", 1, n, [], None), "s") for n, r in enumerate(rules)
    ]
    restraint = Restraint(RespectSettings(intent_budget=1), Prefs(), Profile(), 0.0, True)
    assert restraint._intent_losers(decisions) == {"r1", "r2"}
