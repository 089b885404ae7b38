"""The command line: `omotenashi demo|check|schema|settings-table|preview|force|profile|proxy|
report` (`omotenashi --help` shows each one's usage)."""

from __future__ import annotations

from omotenashi.cli.main import main

__all__ = ["main"]
