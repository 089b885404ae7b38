"""Errors of the measurement package: bad counts and bad report arguments."""

from __future__ import annotations

from ..errors import OmotenashiError


class MeasureError(OmotenashiError):
    """Counts or report arguments that cannot make a report; names the bad value."""

    def __init__(self, what: str, value: object, problem: str) -> None:
        self.what = what
        self.value = value
        self.problem = problem
        super().__init__(f"{what}: {problem} (got {value!r})")
