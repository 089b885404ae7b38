"""Every counter the README's metrics table names is scraped from the start, at 0: an alert on
``increase(...) > 0`` needs the series to exist before the first increase."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from omotenashi.metrics import Metrics

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()
TABLE = README.split("| Metric | Type | What |", 1)[1].split("\n\n", 1)[0]
COUNTERS = sorted(
    {
        name
        for row in TABLE.splitlines()
        if "| counter |" in row
        for name in re.findall(r"`(omotenashi_[a-z_]+_total)`", row.split("| counter |")[0])
    }
)
LABELLED = {"omotenashi_rules_shown_total"}  # one series per rule: none before a rule is shown


def test_the_table_names_counters() -> None:
    assert len(COUNTERS) >= 12 and "omotenashi_record_dropped_total" in COUNTERS


@pytest.mark.parametrize("name", [n for n in COUNTERS if n not in LABELLED])
def test_each_counter_in_the_readme_is_scraped_before_it_counts(name: str) -> None:
    scraped = Metrics().exposition().decode()
    assert re.search(rf"^{name}(\{{[^}}]*\}})? 0\.0$", scraped, re.M), name
