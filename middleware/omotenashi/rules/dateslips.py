"""A date written as people write dates elsewhere (``31/12/2026``, ``12/31/2026``,
``2026/12/31``), told as rules write them: year-month-day (editor63: the error said "invalid
character in year" and offered only a full timestamp)."""

from __future__ import annotations

import re
from datetime import date

_SLASHED = re.compile(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})")
_YEAR_FIRST = re.compile(r"(\d{4})[/.](\d{1,2})[/.](\d{1,2})")


def as_written(given: str) -> str:
    """``31/12/2026`` as ``2026-12-31`` (day or month first, as far as the numbers tell;
    ``01/02/2026`` either way: both said; ``2026/12/31`` too), else empty (editor63)."""
    if found := _YEAR_FIRST.fullmatch(given.strip()):
        year, m, d = (int(x) for x in found.groups())
        return f"{year}-{m:02d}-{d:02d}" if _real(year, m, d) else ""
    found = _SLASHED.fullmatch(given.strip())
    if found is None:
        return ""
    a, b, year = (int(x) for x in found.groups())
    ways = [f"{year}-{m:02d}-{d:02d}" for d, m in ((a, b), (b, a)) if _real(year, m, d)]
    ways = list(dict.fromkeys(ways))
    return " or ".join(ways) + (" (year-month-day)" if len(ways) > 1 else "") if ways else ""


def _real(year: int, month: int, day: int) -> bool:
    """Whether that day exists (31/02/2026 is no date: last63)."""
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True
