"""How many decimals a report's figures print with: enough that they tell what they are.

One decimal of a percent hides what a rare goal's rates are: 0.02 % and 0.04 % both print
"0.0%", a rule doubling conversion reads as doing nothing, and a non-zero rate reads as none.
Figures printed side by side (the two groups' rates; a lift and its interval's limits) share
their decimals, the fewest that print each non-zero one as non-zero and different ones
differently.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

MOST = 15  # a double holds about 15 significant digits: beyond, two floats are not told apart


def shown(
    values: Iterable[float | None], least: int = 1, most: int = MOST, apart: Iterable[float] = (0,)
) -> int:
    """The fewest decimals from ``least`` (at most ``most``) at which different finite values
    of ``values`` print differently, and apart from each of ``apart`` (by default zero: a
    non-zero value never prints as one)."""
    finite = {v for v in values if v is not None and math.isfinite(v)} | set(apart)
    for digits in range(least, most):
        if len({float(f"{v:.{digits}f}") for v in finite}) == len(finite):
            return digits
    return most


def percent(value: float | None, digits: int, none: str = "-") -> str:
    """A rate (a share, 0 to 1) as a percent with ``digits`` decimals; ``none`` for no rate."""
    return none if value is None else f"{value * 100:.{digits}f}%"


def rates(rate_t: float | None, rate_c: float | None, none: str = "-") -> tuple[str, str]:
    """The two groups' rates, printed alike: apart when they differ, neither "0.0%" nor
    "100.0%" unless it is."""
    digits = shown((v * 100 for v in (rate_t, rate_c) if v is not None), apart=(0, 100))
    return percent(rate_t, digits, none), percent(rate_c, digits, none)
