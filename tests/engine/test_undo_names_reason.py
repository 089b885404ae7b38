"""undone47: the sentence an Undo adds for a block on what the visitor did that the privacy
decision still holds back names the one reason that holds (``Visit.privacy``), in the words
the preferences page uses (engine/privacywords.py: one table); a reason no page can reach
(a bot's pages are never rewritten) gets a sentence true of any private visitor."""

from __future__ import annotations

import pytest

from omotenashi.engine.flash import Flash, message
from omotenashi.engine.privacywords import HELD_BY
from omotenashi.engine.restraint import Prefs
from omotenashi.engine.ruleset import CompiledRule, RuleSet
from omotenashi.respect.notes import held_by_privacy, still_off_while
from omotenashi.rules.model import Rule, When

NOW = 1_000_000.0
RULE = Rule(id="seen", slot="hero", text="x", why="You were here.", when=When(viewed=["alps"]))
UNDONE = "Undone: “You were here” is switched back on."
USES = ": it uses what you did here."


def undo(prefs: Prefs, private: bool, reason: str) -> str:
    ruleset = RuleSet(rules=[CompiledRule(RULE, "f", 1, 0, [], None)])
    got = message(Flash("seen", NOW, undo=True), ruleset, prefs, False, NOW, False, private, reason)
    assert got is not None
    return got[1]


@pytest.mark.parametrize(
    ("reason", "prefs", "said"),
    [
        (
            "gpc",
            Prefs(),
            " It still stays off while your browser asks sites not to track you (Global Privacy "
            "Control or Do Not Track)" + USES,
        ),
        (
            "consent",
            Prefs(),
            " It still stays off while you have not given consent to personalisation" + USES,
        ),  # fmt: skip
        ("withdrawn", Prefs(), " It still stays off while you have withdrawn your consent" + USES),
        (
            "revoked",
            Prefs(),
            " It still stays off while this site has turned personalisation off for you" + USES,
        ),
        (  # a kind off holds it too: "also"
            "consent",
            Prefs(off_categories=frozenset({"general"})),
            " Your other choices still keep it off. It also stays off while you have not given "
            "consent to personalisation" + USES,
        ),
        ("nothing", Prefs(nothing=True), " Your other choices still keep it off."),
        ("bot", Prefs(), " It still stays off while we keep nothing about you" + USES),
        ("", Prefs(), " It still stays off while we keep nothing about you" + USES),
    ],
)
def test_an_undo_names_the_reason_that_holds(reason: str, prefs: Prefs, said: str) -> None:
    assert undo(prefs, True, reason) == UNDONE + said


def test_an_undo_says_nothing_of_privacy_for_a_visitor_it_does_not_hold() -> None:
    assert undo(Prefs(), False, "") == UNDONE


@pytest.mark.parametrize("reason", sorted(HELD_BY))
def test_the_undo_and_the_preferences_page_give_a_reason_in_the_same_words(reason: str) -> None:
    cause = HELD_BY[reason][0]
    assert f" while {cause}: " in undo(Prefs(), True, reason)
    assert held_by_privacy(reason, True, True).startswith(f"{cause}, and it uses")
    assert still_off_while(reason, True, True) == f"Ticked, it still stays off while {cause}."
