"""A holdout written with more than six significant digits is the same phase at every look.

The phase tag names the holdout in force (``h|t33.333333|promo``, counting.phase); the
report compares it with the rule's holdout now, so the name must give that number back exactly:
``33.3333`` for ``33.333333`` read as a changed holdout, and every visitor was left out.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

import pytest

from omotenashi import Omotenashi, Settings
from omotenashi.measure.counting import Arm, parse_field, phase_field

from .test_measure_middleware import shop
from .test_measure_phases import row_of, rules, visit

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]


@pytest.mark.parametrize("holdout", ["33.333333%", "12.3456789%", "0.0000001%", "10%"])
async def test_an_unchanged_holdout_of_many_digits_keeps_every_visitor(
    make_settings: Make, holdout: str
) -> None:
    redis = {"key_prefix": f"m{uuid.uuid4().hex[:12]}"}
    mw = Omotenashi(shop(), settings=make_settings(rules(holdout), redis=redis))
    made = await visit(mw, 30)
    row = await row_of(mw, dt.datetime.now(dt.UTC).date().isoformat())
    assert (row.n_t, row.n_c) == (made["t"], made["c"])
    assert "holdout was changed" not in row.sentence


@pytest.mark.parametrize(
    ("holdout", "field"),
    [
        (10.0, "h|t10|promo"),  # round numbers keep their short name
        (12.5, "h|t12.5|promo"),
        (33.333333, "h|t33.333333|promo"),
        (100 / 3, "h|t33.333333333333336|promo"),
    ],
)
def test_an_exposure_counter_gives_its_holdout_back_exactly(holdout: float, field: str) -> None:
    assert phase_field("promo", Arm.TREATMENT, holdout) == field
    cell = parse_field(field)
    assert cell is not None and cell.holdout == holdout
