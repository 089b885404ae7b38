"""A snippet error longer than what ``without_visitor`` reads: a visitor's value the cut
falls inside is no more logged, in part, than a whole one (engine/render.py)."""

from __future__ import annotations

from typing import Any

import pytest

from omotenashi.engine.render import without_visitor

ITEMS = [f"tour-{i:03d}-" + "kyoto" * 8 for i in range(45)]  # 45 x 49 characters
LONG = "Z" * 2100


@pytest.mark.parametrize(
    ("visitor", "reason", "theirs"),
    [
        (  # the values before the cut hidden, the one it falls inside would show from 'tour-'
            {"cart": ITEMS, "name": "Aiko Tanaka"},
            "cannot render " + " ".join(repr(s) for s in ITEMS) + " for 'Aiko Tanaka'",
            "tour-",
        ),
        ({"note": LONG}, f"bad value {LONG!r}", "ZZZZ"),  # one value longer than the cut
        ({"note": LONG}, f"bad value {LONG}", "ZZZZ"),  # (unquoted)
    ],
)
def test_a_value_cut_at_the_end_of_a_long_error_is_not_logged(
    visitor: dict[str, Any], reason: str, theirs: str
) -> None:
    logged = without_visitor(reason, visitor)
    assert len(reason) > 2000
    assert theirs not in logged
