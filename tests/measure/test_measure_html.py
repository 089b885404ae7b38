from __future__ import annotations

import math
import re
from html.parser import HTMLParser

import pytest

from omotenashi.measure import report as rep
from omotenashi.measure import svgplot
from omotenashi.measure.htmlreport import render_html
from omotenashi.measure.report import RuleSpec

DAYS = {
    "2025-12-01": {
        "x|t|hero": 3000,
        "x|c|hero": 3000,
        "c|t|hero|purchase": 360,
        "c|c|hero|purchase": 300,
        "x|t|<skew>": 6000,
        "x|c|<skew>": 4000,
    },
    "2025-12-02": {"x|t|hero": 100, "x|c|hero": 90},
}


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.urls += [v or "" for k, v in attrs if k in ("src", "href")]


def page() -> str:
    specs = [RuleSpec("hero", 50.0, ("purchase",)), RuleSpec("<skew>", 50.0, ("purchase",))]
    return render_html(rep.build(rep.counts_from_days(DAYS), specs))


def test_page_is_self_contained_without_scripts() -> None:
    parser = Tags()
    parser.feed(page())
    assert "script" not in parser.tags
    assert parser.urls == []
    assert "link" not in parser.tags
    assert parser.tags.count("svg") == 4  # two forests, two daily charts


def test_page_warns_about_the_skewed_rule_and_escapes_names() -> None:
    html = page()
    warning = re.search(r'<div class="warn" role="alert">.*?</div>', html, re.S)
    assert warning is not None
    assert "&lt;skew&gt;" in warning.group(0)
    assert "<skew>" not in html


def test_page_is_deterministic() -> None:
    assert page() == page()


@pytest.mark.parametrize(
    ("low", "high", "first", "last"),
    [
        (0, 1, 0, 1),
        (-3.2, 7.9, -5, 10),
        (0, 1234, 0, 1500),
        (-0.013, 0.0, -0.015, 0.0),
        (5, 5, 5, 6),
    ],
)
def test_nice_ticks_cover_the_range(low: float, high: float, first: float, last: float) -> None:
    ticks = svgplot.nice_ticks(low, high)
    assert ticks[0] == pytest.approx(first) and ticks[-1] == pytest.approx(last)
    assert ticks[0] <= low and ticks[-1] >= high


@pytest.mark.parametrize(
    ("est", "colour"),
    [
        (svgplot.Estimate("a", 2, 1, 3, tone="helps"), svgplot.GREEN),
        (svgplot.Estimate("b", -2, -3, -1, tone="hurts"), svgplot.RED),
        (svgplot.Estimate("c", 0.5, -1, 2), svgplot.GREY),
        (svgplot.Estimate("d", 2, 1, 3), svgplot.GREY),  # clear of zero, but no verdict given
        (svgplot.Estimate("e", -2, -3, -1), svgplot.GREY),
    ],
)
def test_forest_colours_by_the_verdict_given(est: svgplot.Estimate, colour: str) -> None:
    svg = svgplot.forest([est], title="t")
    assert f'stroke="{colour}" stroke-width="2"/>' in svg


def test_forest_marks_an_unbounded_interval_with_an_arrow() -> None:
    svg = svgplot.forest([svgplot.Estimate("a", 2, 1, math.inf)], title="t")
    assert "no upper bound" in svg


def test_daily_chart_has_a_point_per_day_and_series() -> None:
    series = [
        svgplot.Series("one", [1, 2, 3], svgplot.BLUE),
        svgplot.Series("two", [0, 0, 1], "#000"),
    ]
    svg = svgplot.daily(["2025-12-01", "2025-12-02", "2025-12-03"], series, title="t")
    assert svg.count("<circle") == 6 and svg.count("<polyline") == 2


def test_the_report_is_one_main_landmark() -> None:
    """a11y68: axe's landmark-one-main and region: the report had no <main>."""
    tags = Tags()
    tags.feed(page())
    assert tags.tags.count("main") == 1 and tags.tags.index("main") == tags.tags.index("body") + 1
