"""The load script's reply read by its fields' first characters: a field whose name is empty or
starts before "a" (capitals, digits, the pieces' control characters) is never read as a family
of its own, a one-letter name is a family's empty name, and a shown rule's value of a count and
a lone space is a count without reasons."""

from __future__ import annotations

import pytest

from omotenashi.store.replies import profile_from_reply

F = 1_700_000_000.0


@pytest.mark.parametrize(
    ("fields", "shown", "why", "events"),
    [
        (["", "5"], {}, {}, {}),  # an empty name: skipped, never read by its first character
        (["e", "5"], {}, {}, {"": 5}),  # a family letter alone: its empty name
        (["\x1e", "1", "`x", "1", "Zs", "1"], {}, {}, {}),  # before "a": not a family
        (["sr", "2 "], {"r": 2}, {}, {}),  # a count and a space: no reasons
        (["sr", "2 \x1f\x01x"], {"r": 2}, {"r": (F + 5, ["you have looked at pages about x"])}, {}),
        (["sr", "2 7 \x1fy"], {"r": 2}, {"r": (F + 7, ["y"])}, {}),
        (["sr", "2 .0", "0", "z"], {"r": 2}, {"r": (F + 5, ["z"])}, {}),
    ],
)
def test_fields_are_read_by_their_first_character(
    fields: list[str],
    shown: dict[str, int],
    why: dict[str, tuple[float, list[str]]],
    events: dict[str, int],
) -> None:
    p = profile_from_reply([["F", "1700000000", "L", "5", *fields], [], None])
    assert (p.shown, p.shown_why, p.events) == (shown, why, events)
