"""A row's statements agree with each other and with its numbers: a planned size is never below
the minimum a verdict needs (at high conversion rates the formula asks for fewer), and rates,
lifts and limits print with enough digits that different ones never print alike."""

from __future__ import annotations

import html
import re

import pytest

from omotenashi.measure import report as rep
from omotenashi.measure.htmlreport import render_html
from omotenashi.measure.report import RuleSpec
from omotenashi.measure.text import render_text


def two_days(holdout: float, *days: tuple[int, int, int, int]) -> rep.Report:
    cells = {
        f"2026-01-0{n}": {
            "x|t|hero": n_t,
            "c|t|hero|buy": x_t,
            "x|c|hero": n_c,
            "c|c|hero|buy": x_c,
        }
        for n, (n_t, x_t, n_c, x_c) in enumerate(days, 1)
    }
    return rep.build(rep.counts_from_days(cells), [RuleSpec("hero", holdout, ("buy",))])


@pytest.mark.parametrize(
    ("holdout", "days"),
    [
        # 89 % convert at a 10 % holdout: the formula plans 50 held-out visitors, 90 are in
        (10.0, ((450, 400, 45, 40), (450, 400, 45, 40))),
        (10.0, ((500, 430, 50, 43), (400, 344, 40, 34))),  # 86 %
        (30.0, ((140, 124, 45, 40), (140, 124, 45, 40))),  # 89 % at 30 %
        (20.0, ((200, 180, 50, 45), (160, 144, 40, 36))),  # 90 % at 20 %
    ],
)
def test_too_few_visitors_is_never_beside_the_planned_size_reached(
    holdout: float, days: tuple[tuple[int, int, int, int], ...]
) -> None:
    report = two_days(holdout, *days)
    row = report.rows[0]
    assert not row.enough
    assert "Too few visitors" in row.sentence
    assert "planned size was reached" not in row.sentence, row.sentence
    assert not row.planned and row.planned_on is None and row.label == "no evidence yet"
    assert row.needed is not None and row.needed_treated is not None
    assert min(row.needed, row.needed_treated) >= report.min_per_arm
    said = re.search(r"plan on about ([\d,]+)", row.sentence)
    assert said and int(said.group(1).replace(",", "")) >= report.min_per_arm
    assert "planned size was reached" not in html.unescape(render_html(report))
    assert "planned size was reached" not in render_text(report)


def figures_of(text: str) -> list[str]:
    """The figures of the table's hero row: holdout, rates, lift and limits, relative lift."""
    line = next(line for line in text.splitlines() if line.startswith("hero "))
    return re.findall(r"[-+]?\d+\.\d+|[-+]?\d+(?=%)", line)


@pytest.mark.parametrize(
    ("arms", "rate_t", "rate_c"),
    [
        ((10000, 2, 10000, 4), "0.02%", "0.04%"),  # printed "0.0%" and "0.0%"
        ((100000, 3, 100000, 1), "0.003%", "0.001%"),
        ((3000, 2999, 3000, 3000), "99.97%", "100.00%"),  # 99.97 % printed "100.0%"
        ((3000, 1001, 3000, 1002), "33.37%", "33.40%"),
        ((3000, 360, 3000, 300), "12.0%", "10.0%"),  # one decimal where it tells them apart
    ],
)
def test_rates_print_apart_and_never_as_zero(
    arms: tuple[int, int, int, int], rate_t: str, rate_c: str
) -> None:
    report = two_days(50.0, arms)
    text, page = render_text(report), html.unescape(render_html(report))
    line = next(line for line in text.splitlines() if line.startswith("hero "))
    assert f"  {rate_t}  " in line and f"  {rate_c}  " in line, line
    assert f"<td>{rate_t}</td>" in page and f"<td>{rate_c}</td>" in page
    row = report.rows[0]
    values = [row.diff, row.diff_ci.low, row.diff_ci.high]
    if row.rel is not None and row.rel_ci is not None:
        values += [row.rel, row.rel_ci.low, row.rel_ci.high]
    printed = figures_of(text)[3:]  # after the holdout and rates: lift, limits, relative ...
    for value, said in zip(values, printed, strict=False):
        assert (float(said) == 0) == (value == 0), (value, said, line)


@pytest.mark.parametrize(
    ("low", "high", "least"),
    [
        (0.0004, 5.0, 4),  # a rule that helps: its low limit printed "+0.0"
        (-3.0, -0.003, 3),
        (0.0, 2.5, 1),
        (1.2, 1.23, 2),  # the width's own digit (as before)
    ],
)
def test_interval_limits_never_print_as_zero_unless_they_are(
    low: float, high: float, least: int
) -> None:
    from omotenashi.measure.stats import decimals

    digits = decimals(low, high)
    assert digits == least
    assert all((float(f"{v:.{digits}f}") == 0) == (v == 0) for v in (low, high))
