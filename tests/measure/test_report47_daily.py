"""Daily charts place each day by its date: a pause (days with nothing counted) is a gap that
breaks the lines, not a stretch drawn as if the days followed one another; and the axis names
the year where the days cross one (``12-30`` then ``01-02`` read as going back)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from omotenashi.measure import svgplot

START = dt.date(2025, 12, 1)


def chart(offsets: list[int], start: dt.date = START) -> str:
    days = [(start + dt.timedelta(days=n)).isoformat() for n in offsets]
    return svgplot.daily(days, [svgplot.Series("a", [5] * len(days), "#000")], title="t")


def xs(svg: str) -> list[float]:
    return [float(x) for x in re.findall(r'<circle cx="([\d.]+)"', svg)]


@pytest.mark.parametrize(
    ("offsets", "lines"),
    [
        ([0, 1, 2, 3], 1),  # consecutive days: one line
        ([0, 1, 2, 24, 25, 26], 2),  # a three-week pause: two
        ([0, 1, 5, 9, 10], 2),  # two pauses, the middle day alone: a dot between two lines
        ([0, 2, 4], 0),  # every other day: dots only
        ([0], 0),
    ],
)
def test_a_pause_breaks_the_lines(offsets: list[int], lines: int) -> None:
    assert chart(offsets).count("<polyline") == lines
    assert chart(offsets).count("<circle") == len(offsets)


@pytest.mark.parametrize("offsets", [[0, 1, 2, 24, 25, 26], [0, 10, 11, 12], [0, 3, 4, 40]])
def test_days_are_placed_by_date(offsets: list[int]) -> None:
    x = xs(chart(offsets))
    left, width = x[0], x[-1] - x[0]
    for offset, at in zip(offsets, x, strict=True):
        assert at == pytest.approx(left + width * offset / offsets[-1], abs=0.1)


@pytest.mark.parametrize(
    ("start", "offsets", "labels"),
    [
        (dt.date(2025, 12, 20), [0, 5, 10, 15, 20], {"2025-12-20", "2026-01-09"}),
        (dt.date(2025, 3, 1), [0, 5, 10, 15, 20], {"03-01", "03-21"}),
        (dt.date(2025, 1, 1), [0, 364], {"01-01", "12-31"}),
        (dt.date(2025, 1, 1), [0, 365], {"2025-01-01", "2026-01-01"}),
    ],
)
def test_the_axis_names_the_year_where_the_days_cross_one(
    start: dt.date, offsets: list[int], labels: set[str]
) -> None:
    named = re.findall(r'y="204" text-anchor="middle">([^<]+)<', chart(offsets, start))
    assert labels <= set(named)
    assert all(len(label) == len(next(iter(labels))) for label in named)
    assert len(named) == len(set(named)) <= 8  # no day named twice


@pytest.mark.parametrize(
    ("peak", "labels"),
    [
        (4, ["0", "1", "2", "3", "4"]),
        (9_000, ["0", "5,000", "10k"]),
        (120_000_000, ["0", "50M", "100M", "150M"]),
        (2.5e9, ["0", "1bn", "2bn", "3bn"]),
    ],
)
def test_the_count_axis_reads_as_counts(peak: float, labels: list[str]) -> None:
    """(report49) Huge daily counts were labelled 1e+08 in a margin made for six characters."""
    days = [(START + dt.timedelta(days=n)).isoformat() for n in range(3)]
    svg = svgplot.daily(days, [svgplot.Series("a", [1, peak, 2], "#000")], title="t")
    said = re.findall(r'text-anchor="end">([^<]*)</text>', svg)
    assert said == labels
    assert "e+" not in svg
