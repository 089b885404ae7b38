"""One thing ``omotenashi check`` tells an editor: where, how serious, and what to do."""

from __future__ import annotations

from dataclasses import dataclass

from omotenashi.errors import RuleError, one_line, shown_path


@dataclass(frozen=True)
class Finding:
    file: str
    line: int
    level: str  # "error" | "warning"
    message: str

    def __str__(self) -> str:
        return f"{shown_path(self.file)}:{self.line}: {self.level}: {one_line(self.message)}"


@dataclass(frozen=True)
class LoadWarning:
    """A problem the live load logs but does not refuse the rules for (the rest loads), which
    ``omotenashi check`` reports at ``level``: the problem says what happens meanwhile."""

    error: RuleError
    level: str  # "error" | "warning", in ``omotenashi check``
