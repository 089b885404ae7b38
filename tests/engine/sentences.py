"""Helpers of the golden sentence tables (test_*_golden.py): the facts of a row, and what a
rule's ``when`` tells the visitor about them.

A row: the ``when`` of a rule, the facts that differ from a new visitor's on Saturday
21 November 2026 at 10:30 UTC, whether the conditions hold, what the visitor is told (why they
all hold, or why the first one that fails does not), and the conditions' summaries (``text``,
for editors' tools).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

from omotenashi.engine.conditions import all_hold, compile_when, deny, explain
from omotenashi.engine.facts import Device, Facts
from omotenashi.rules.model import When

SAT = datetime(2026, 11, 21, 10, 30, tzinfo=UTC)  # Saturday 10:30 UTC, 19:30 in Tokyo
PHONE = Device(kind="mobile", browser="Mobile Safari", os="iOS", is_bot=False)
BOT = Device(kind="bot", browser="Googlebot", os="Other", is_bot=True)
ROW = ("when", "changes", "held", "said", "texts")


def facts(changes: dict[str, Any]) -> Facts:
    return dataclasses.replace(Facts(now=SAT), **changes)


def told(when: dict[str, Any], changes: dict[str, Any]) -> tuple[bool, list[str], list[str]]:
    """Whether ``when`` holds, what the visitor is told, the summaries."""
    conditions = compile_when(When.model_validate(when), "UTC")
    f = facts(changes)
    held = all_hold(conditions, f)
    said = explain(conditions, f) if held else deny(conditions, f)
    return held, said, [c.text for c in conditions]


def negated(held: bool, said: list[str], texts: list[str]) -> tuple[bool, list[str], list[str]]:
    """What ``not: when`` tells: the opposite truth, the same sentences, one summary."""
    return not held, said, ["not: " + "; ".join(texts)]


Test = Callable[..., None]


def golden(rows: Sequence[Any]) -> tuple[Test, Test]:
    """The two tests every golden table gets (bind them to ``test_*`` names in the module):
    each row word for word, and each row again under ``not``."""

    @pytest.mark.parametrize(ROW, rows)
    def says_what_is_true(
        when: dict[str, Any], changes: dict[str, Any], held: bool, said: list[str], texts: list[str]
    ) -> None:
        assert told(when, changes) == (held, said, texts)

    @pytest.mark.parametrize(ROW, rows)
    def turned_around_by_not(
        when: dict[str, Any], changes: dict[str, Any], held: bool, said: list[str], texts: list[str]
    ) -> None:
        assert told({"not": when}, changes) == negated(held, said, texts)

    return says_what_is_true, turned_around_by_not
