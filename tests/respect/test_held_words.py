"""undone47: what the preferences page says of a block or a kind held back names everything
that holds it back and only what would bring it back; a signed-in GPC visitor's cookie is
said to hold their sign-in, not that none is set."""

from __future__ import annotations

import pytest

from omotenashi.respect.notes import kind_comes_back, not_shown_now, private_note

GPC = "your browser asks sites not to track you (Global Privacy Control or Do Not Track)"
UNTICK = "you untick “Personalise nothing for me”"
H = "Browsing history"


@pytest.mark.parametrize(
    ("reason", "behavioural", "nothing", "kind", "history", "said"),
    [
        ("", True, False, "", "", ""),  # nothing holds it back
        (
            "",
            True,
            True,
            "",
            "",
            f"you chose to personalise nothing. Left ticked, it may show again when {UNTICK}.",
        ),
        (
            "",
            False,
            False,
            "Deals",
            H,  # (the history holds back only a block on what they did)
            "you switched off “Deals” below. Left ticked, it may show again when you switch "
            "that back on.",
        ),
        (  # its kind is the browsing history: one switch, said once
            "",
            True,
            False,
            H,
            H,
            f"you switched off “{H}” below. Left ticked, it may show again when you switch that "
            "back on.",
        ),
        (  # untick "nothing" and the history still holds it back
            "",
            True,
            True,
            "",
            H,
            "you chose to personalise nothing. Your browsing history is off too. Left ticked, it "
            f"may show again when {UNTICK} and you switch “{H}” back on.",
        ),
        (
            "gpc",
            True,
            True,
            "Deals",
            "",
            f"{GPC}, and it uses what you did here. You also chose to personalise nothing. You "
            "also switched off “Deals” below. Left ticked, it may show again when your browser "
            f"no longer asks that and {UNTICK} and you switch “Deals” back on.",
        ),
        (
            "consent",
            True,
            False,
            "",
            H,
            "you have not given consent to personalisation, and it uses what you did here. Your "
            f"browsing history is off too. Left ticked, it may show again once you give it and "
            f"you switch “{H}” back on.",
        ),
        (  # nothing they do here brings it back
            "revoked",
            True,
            True,
            "",
            "",
            "this site has turned personalisation off for you, and it uses what you did here. "
            "You also chose to personalise nothing.",
        ),
    ],
)
def test_a_block_held_back_says_all_that_holds_it_and_only_what_brings_it_back(
    reason: str, behavioural: bool, nothing: bool, kind: str, history: str, said: str
) -> None:
    got = not_shown_now(reason, behavioural, True, nothing=nothing, kind=kind, history=history)
    assert got == said


UNTICKED = f"Left ticked, these come back when {UNTICK}."
SOME = f"Left ticked, those that need nothing we keep come back when {UNTICK}; the others"


@pytest.mark.parametrize(
    ("reason", "kinds", "contextual", "adapts", "history", "said"),
    [
        ("", 2, 0, True, "", UNTICKED),
        ("gpc", 0, 0, True, "", UNTICKED),  # (a kind with no block now)
        ("gpc", 2, 2, True, "", UNTICKED),  # each needs nothing kept
        (
            "gpc",
            2,
            0,
            True,
            "",
            "Left ticked, these come back when your browser no longer asks sites not to track "
            f"you and {UNTICK}.",
        ),
        (
            "withdrawn",
            3,
            1,
            True,
            "",
            f"{SOME} come back if you give your consent again and {UNTICK}.",
        ),
        (  # pages pass untouched: none comes back while it holds
            "gpc",
            2,
            1,
            False,
            "",
            "Left ticked, these come back when your browser no longer asks sites not to track "
            f"you and {UNTICK}.",
        ),
        ("", 2, 1, True, H, f"{SOME} come back when {UNTICK} and you switch “{H}” back on."),
        (
            "revoked",
            2,
            1,
            True,
            "",
            f"{SOME} stay off while this site has turned personalisation off for you.",
        ),
        (
            "revoked",
            2,
            0,
            True,
            "",
            "Left ticked, these stay off while this site has turned personalisation off for you.",
        ),
    ],
)
def test_a_kind_under_personalise_nothing_says_what_brings_its_blocks_back(
    reason: str, kinds: int, contextual: int, adapts: bool, history: str, said: str
) -> None:
    assert kind_comes_back(reason, kinds, contextual, adapts, history) == said


@pytest.mark.parametrize(
    ("cookie", "signed_in", "opening"),
    [
        (
            False,
            False,
            "We keep nothing about you from this browser, set no personalisation cookie (",
        ),
        (
            True,
            False,
            "We keep nothing about you (our cookie on this device holds only a random id, with "
            "nothing stored under it; the site's",
        ),
        (
            True,
            True,
            "We keep nothing about you (our cookie on this device holds only your sign-in, the "
            "link to your account, with nothing stored under it; the site's",
        ),
    ],
)
def test_what_a_gpc_visitor_is_told_of_our_cookie_is_what_it_holds(
    cookie: bool, signed_in: bool, opening: str
) -> None:
    note = private_note("gpc", False, cookie=cookie, signed_in=signed_in)
    assert opening in note
