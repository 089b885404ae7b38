"""fixb47: a kind's card under Personalise nothing names, for each of its blocks, only what
holds it back: the browsing history off holds back those that use what the visitor did, never
those that need nothing kept, even where the privacy decision holds every block back (no page
adapts to a private visitor: OMOTENASHI_RESPECT_PRIVATE_CONTEXTUAL=false)."""

from __future__ import annotations

import pytest

from omotenashi.respect.notes import kind_comes_back

UNTICK = "you untick “Personalise nothing for me”"
H = "Browsing history"
GPC = "when your browser no longer asks sites not to track you"
CONSENT = "once you give consent to personalisation"
AGAIN = "if you give your consent again"
SOME = "Left ticked, those that need nothing we keep come back"
SWITCH = f"and you switch “{H}” back on"


@pytest.mark.parametrize(
    ("reason", "contextual", "adapts", "history", "said"),
    [
        # every block needs nothing kept: the history holds none of them back
        ("gpc", 2, False, H, f"Left ticked, these come back {GPC} and {UNTICK}."),
        ("consent", 2, False, H, f"Left ticked, these come back {CONSENT} and {UNTICK}."),
        ("withdrawn", 2, False, H, f"Left ticked, these come back {AGAIN} and {UNTICK}."),
        ("gpc", 2, True, H, f"Left ticked, these come back when {UNTICK}."),
        ("", 2, True, H, f"Left ticked, these come back when {UNTICK}."),
        # some: those that need nothing kept wait for the privacy decision only, not the history
        (
            "gpc",
            1,
            False,
            H,
            f"{SOME} {GPC} and {UNTICK}; the others come back {GPC} and {UNTICK} {SWITCH}.",
        ),
        (
            "consent",
            1,
            False,
            H,
            f"{SOME} {CONSENT} and {UNTICK}; the others come back {CONSENT} and {UNTICK} {SWITCH}.",
        ),
        (
            "withdrawn",
            1,
            False,
            H,
            f"{SOME} {AGAIN} and {UNTICK}; the others come back {AGAIN} and {UNTICK} {SWITCH}.",
        ),
        # unchanged: without the history off, one condition for all
        ("gpc", 1, False, "", f"Left ticked, these come back {GPC} and {UNTICK}."),
        ("gpc", 0, False, H, f"Left ticked, these come back {GPC} and {UNTICK} {SWITCH}."),
        (
            "revoked",
            2,
            False,
            H,
            "Left ticked, these stay off while this site has turned personalisation off for you.",
        ),
    ],
)
def test_a_kind_card_names_only_what_holds_each_block_back(
    reason: str, contextual: int, adapts: bool, history: str, said: str
) -> None:
    assert kind_comes_back(reason, 2, contextual, adapts, history) == said
