"""The stage as the preferences and data pages say it ends as a block's reason ends it: a
site's words ending in "!" or "?" get no full stop after (journey62: "…with us!.")."""

from __future__ import annotations

import pytest

from omotenashi.engine.bidi import sentence
from omotenashi.respect.yourdata import stage_sentence


@pytest.mark.parametrize(
    ("words", "said"),
    [
        ("you have booked a trip with us!", "You have booked a trip with us!"),
        ("are you planning a trip?", "Are you planning a trip?"),
        ("you have joined our club", "You have joined our club."),
    ],
)
def test_a_sites_stage_words_end_as_the_reasons_end_them(words: str, said: str) -> None:
    assert stage_sentence("purchase", {"purchase": words}) == said == sentence(words)


def test_a_stage_without_words_says_nothing() -> None:
    assert stage_sentence("nowhere", {}) == ""
