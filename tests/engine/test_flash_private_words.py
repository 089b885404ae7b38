"""hunt46 P3: the Undo confirmation's privacy sentence names GPC/DNT or consent whatever the reason
(flash.message gets a bool): false for 'nothing' (Personalise nothing, no GPC, consent given)
and 'revoked'."""

from __future__ import annotations

from omotenashi.engine.flash import Flash, message
from omotenashi.engine.restraint import Prefs
from omotenashi.engine.ruleset import CompiledRule, RuleSet
from omotenashi.rules.model import Rule, When

NOW = 1_000_000.0


def test_undo_under_personalise_nothing_does_not_blame_the_browser() -> None:
    rule = Rule(id="seen", slot="hero", text="x", why="You were here.", when=When(viewed=["alps"]))
    compiled = CompiledRule(rule, "f", 1, 0, [], None)
    assert compiled.behavioural, "needs a behavioural rule"
    ruleset, prefs = RuleSet(rules=[compiled]), Prefs(nothing=True)
    # Visit.private is True for reason 'nothing' too
    got = message(Flash("seen", NOW, undo=True), ruleset, prefs, False, NOW, private=True)
    assert got is not None
    assert "browser asks sites not to track" not in got[1], got[1]
