"""Typed comparisons: numbers are recognised without exceptions, with float()'s own grammar."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omotenashi.engine.compare import equal, number_of


def _float_or_none(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


NUMBERISH = st.from_regex(r"\A\s?[+-]?[0-9_.eE]{0,6}(inf|nan|infinity)?\s?\Z", fullmatch=True)


@given(st.one_of(st.text(max_size=12), NUMBERISH))
def test_text_is_a_number_exactly_when_float_reads_it(text: str) -> None:
    expected, got = _float_or_none(text), number_of(text)
    assert (expected is None or math.isnan(expected)) == (got is None)  # NaN: text (review40)
    if expected is not None and got is not None:
        assert got == expected


@pytest.mark.parametrize(
    ("value", "want", "expected"),
    [
        (3, "3", True),
        ("3.0", 3, True),
        ("three", 3, False),
        (True, "true", True),
        ("TRUE", True, True),
        ("Kyoto", "kyoto", True),
        (None, "", False),
        ("1_000", 1000, True),
        ("Straße", "STRASSE", True),
    ],
)
def test_equality_is_as_editors_mean_it(value: object, want: object, expected: bool) -> None:
    assert equal(value, want) is expected
