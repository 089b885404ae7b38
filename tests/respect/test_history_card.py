"""The browsing history's card, switched off, says only what is true of the visitor (final47):
"What was kept before stays" only where something is kept, and what a sign-in does only to one
who is not signed in; under a privacy decision, what that decision holds."""

from __future__ import annotations

import pytest

from omotenashi.respect.historywords import history_card

STAYS = "What was kept before stays, unused"
SIGN_IN = "signing in while this is off erases it"


@pytest.mark.parametrize(
    ("reason", "kept", "signed_in", "stays", "sign_in"),
    [
        ("", True, False, True, True),
        ("", True, True, True, False),  # (was told what signing in would do)
        ("", False, False, False, False),  # (was told that what was kept stays)
        ("", False, True, False, False),
        ("gpc", True, False, True, False),
        ("gpc", False, False, False, False),
    ],
)
def test_the_history_card_says_what_is_true_of_the_visitor(
    reason: str, kept: bool, signed_in: bool, stays: bool, sign_in: bool
) -> None:
    card = history_card(reason, True, "90 days", kept, signed_in)
    assert card.startswith("Off: from now on, what you browse here is not kept")
    assert (STAYS in card) is stays
    assert (SIGN_IN in card) is sign_in
    assert card.endswith(".") and ".." not in card
