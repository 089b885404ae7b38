"""The command line: `omotenashi check|schema|preview|force|profile|demo|settings-table`."""

from __future__ import annotations

from omotenashi.cli.main import main

__all__ = ["main"]
