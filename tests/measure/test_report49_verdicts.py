"""fixreport49: a verdict never says more, or less, than its numbers and its test allow.

Past the planned size, "no effect found" only when the interval rules out the lift the plan was
built to detect; else "inconclusive". A test that ended or is off never says "yet", "wait" or
"plan on" (waiting adds no visitor to it), and a row that can have no verdict says so."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from omotenashi.loader.ruleset import load_ruleset
from omotenashi.loader.snippets import Renderer
from omotenashi.measure import report as rep
from omotenashi.measure.collect import Read, assemble
from omotenashi.measure.htmlreport import render_html
from omotenashi.measure.report import RuleSpec
from omotenashi.measure.text import render_text

DAY = "2025-12-01"


def arms(n_t: int, x_t: int, n_c: int, x_c: int, rule: str = "hero") -> dict[str, int]:
    return {f"x|t|{rule}": n_t, f"x|c|{rule}": n_c, f"c|t|{rule}|buy": x_t, f"c|c|{rule}|buy": x_c}


def one(cells: dict[str, int], holdout: float = 50.0) -> rep.Report:
    counts = rep.counts_from_days({DAY: cells})
    return rep.build(counts, [RuleSpec("hero", holdout, ("buy",))])


def verdicts(report: rep.Report) -> list[str]:
    """The verdict of every row as the JSON, the text table and the HTML table give it."""
    data = json.loads(json.dumps(report.as_json()))
    text = render_text(report)
    page = render_html(report)
    out = []
    for row, said in zip(report.rows, data["rows"], strict=True):
        line = next(x for x in text.splitlines() if x.startswith(f"{row.named} "))
        cell = re.search(rf"<tr><th scope=\"row\">{row.rule}</th>.*?>([^<>]*)</td></tr>", page)
        assert cell, page
        assert line.rstrip().endswith(said["verdict"]) and cell.group(1) == said["verdict"]
        out.append(said["verdict"])
    return out


def test_past_the_plan_an_interval_that_includes_the_planned_lift_is_inconclusive() -> None:
    # +6.0% [-0.6%, +13.1%]: the +10% the plan was built to detect is not ruled out
    report = one(arms(16000, 1696, 16000, 1600))
    row = report.rows[0]
    assert row.planned and not row.srm and row.enough
    assert verdicts(report) == ["inconclusive"]
    assert row.sentence.startswith(
        "The planned size was reached but the result is inconclusive: the effect is between "
        "-0.1 and +1.3 percentage points (95% interval), which includes both zero and the "
        "10% relative lift planned for (+1.0 points)."
    ), row.sentence
    assert "no effect" not in row.sentence and "would most likely" not in row.sentence


def test_past_the_plan_a_drop_as_large_as_the_planned_lift_is_inconclusive_too() -> None:
    """(The planned lift is of both groups' rate together, as the plan's: 9.7%, so 0.97 points.)"""
    row = one(arms(16000, 1504, 16000, 1600)).rows[0]
    assert row.label == "inconclusive"
    assert row.sentence.startswith(
        "The planned size was reached but the result is inconclusive: the effect is between "
        "-1.25 and +0.05 percentage points (95% interval), which includes both zero and a drop "
        "as large as the 10% relative lift planned for (-0.97 points)."
    ), row.sentence


def test_past_the_plan_an_interval_that_rules_out_the_planned_lift_is_no_effect_found() -> None:
    report = one(arms(60000, 6000, 60000, 6000))
    row = report.rows[0]
    assert verdicts(report) == ["no effect found"]
    assert row.sentence.startswith(
        "The planned size was reached and no effect was found: the effect is between -0.3 "
        "and +0.3 percentage points (95% interval), smaller than the 10% relative lift planned "
        "for (±1.0 points). A 10% relative lift would most likely (4 times in 5) have shown."
    ), row.sentence


@pytest.mark.parametrize("holdout", [100.0, None])
def test_a_row_that_can_have_no_verdict_says_no_verdict(holdout: float | None) -> None:
    cells = {"x|c|hero": 400, "c|c|hero|buy": 40, "x|t|hero": 300, "c|t|hero|buy": 30}
    specs = [] if holdout is None else [RuleSpec("hero", holdout, ("buy",))]
    report = rep.build(rep.counts_from_days({DAY: cells}), specs, ["buy"])
    assert verdicts(report) == ["no verdict"]
    assert "there is no verdict" in report.rows[0].sentence or "nothing to compare" in (
        report.rows[0].sentence
    )


RULES = """
goals:
  - {id: buy, event: buy}
rules:
"""


def rule(rule_id: str, extra: str = "") -> str:
    return f'  - {{id: {rule_id}, slot: hero, text: Hi, holdout: "50%", why: "All."{extra}}}\n'


SMALL, BIG = (40, 4, 40, 4), (5000, 510, 5000, 500)  # too few; no evidence before the plan


def closed_report(tmp_path: Path) -> rep.Report:
    """Rules switched off, whose schedule ended, and gone from the files (each too small to
    judge, and past the minimum but before the plan), beside the same counts still running."""
    (tmp_path / "site.yaml").write_text(
        RULES
        + "".join(
            rule(f"{name}-{size}", extra)
            for name, extra in (
                ("on", ""),
                ("off", ", enabled: false"),
                ("ended", ", schedule: {end: 2020-01-31}"),
            )
            for size in ("small", "big")
        )
    )
    ruleset = load_ruleset(tmp_path, Renderer(tmp_path / "snippets"))
    cells: dict[str, int] = {}
    for name in ("on", "off", "ended", "gone"):
        for size, numbers in (("small", SMALL), ("big", BIG)):
            cells |= arms(*numbers, rule=f"{name}-{size}")
            n_t, _, n_c, _ = numbers
            cells |= {f"h|t50|{name}-{size}": n_t, f"h|c50|{name}-{size}": n_c}
    got = Read({DAY: cells}, [DAY], DAY, DAY, DAY, "")
    return assemble(got, ruleset, since=None, until=None, retention_days=400, min_per_arm=100)


def test_a_test_that_ended_or_is_off_never_says_yet_wait_or_plan_on(tmp_path: Path) -> None:
    report = closed_report(tmp_path)
    rows = {row.rule: row for row in report.rows}
    assert set(rows) == {
        f"{n}-{s}" for n in ("on", "off", "ended", "gone") for s in ("small", "big")
    }
    # still running: waiting adds visitors, and the report says so
    assert "wait for at least 100" in rows["on-small"].sentence
    assert rows["on-big"].sentence.startswith("No evidence yet: the effect is between")
    assert "plan on about" in rows["on-big"].sentence
    assert rows["on-big"].label == "no evidence yet"
    for name in ("off", "ended", "gone"):
        small, big = rows[f"{name}-small"], rows[f"{name}-big"]
        assert small.holdout == big.holdout == 50.0
        assert small.sentence.startswith("Too few visitors were counted to judge it. ")
        assert big.sentence.startswith("No evidence: the effect is between -1.0 and +1.4 ")
        for row in (small, big):
            for word in ("yet", "wait", "plan on", "so far"):
                assert word not in row.sentence.lower(), (row.rule, row.sentence)
            assert row.label == "no evidence"
    said = {row["rule"]: row["verdict"] for row in report.as_json()["rows"]}
    assert said["off-big"] == said["gone-small"] == "no evidence"
    text = render_text(report)
    assert re.search(r"^ended-big .* no evidence$", text, re.M), text


def test_an_early_verdict_of_a_closed_test_says_it_ended_short_of_its_plan(
    tmp_path: Path,
) -> None:
    """(eye49) "deciding now" is no choice for a test that is over: it ended early."""
    (tmp_path / "site.yaml").write_text(RULES + rule("off", ", enabled: false"))
    ruleset = load_ruleset(tmp_path, Renderer(tmp_path / "snippets"))
    got = Read({DAY: arms(5000, 600, 5000, 500, "off")}, [DAY], DAY, DAY, DAY, "")
    report = assemble(got, ruleset, since=None, until=None, retention_days=400, min_per_arm=100)
    row = report.rows[0]
    assert row.label == "helps (early)" and "An early look" not in row.sentence
    assert "Counted short of its plan: 5,000 of" in row.sentence
    assert "a verdict this early is more often false" in row.sentence


def test_counts_print_with_thousands_separators_and_json_keeps_integers() -> None:
    report = one(arms(123456789, 12345678, 123456789, 12345677))
    line = next(x for x in render_text(report).splitlines() if x.startswith("hero "))
    assert "123,456,789" in line and "123456789" not in line
    page = render_html(report)
    table = page.split("<table>")[1].split("</table>")[0]
    assert "<td>123,456,789</td>" in table and "123456789" not in table
    assert ": 123,456,789</title>" in page and ": 123456789<" not in page  # the daily plot
    data = json.loads(json.dumps(report.as_json()))["rows"][0]
    assert data["treatment"]["visitors"] == 123456789 and data["control"]["conversions"] == 12345677


@pytest.mark.parametrize(("holdout", "goals"), [(0.0, ("buy",)), (50.0, ())])
def test_a_rule_without_holdout_or_goals_reads_no_verdict_in_json(
    holdout: float, goals: tuple[str, ...]
) -> None:
    cells = {"x|t|hero": 300, "x|c|hero": 300}
    if goals:
        cells |= {"c|t|hero|buy": 30, "c|c|hero|buy": 30}
    report = rep.build(rep.counts_from_days({DAY: cells}), [RuleSpec("hero", holdout, goals)])
    assert [row["verdict"] for row in report.as_json()["rows"]] == ["no verdict"]


def test_an_unplanned_early_verdict_of_a_closed_test_says_it_ended(tmp_path: Path) -> None:
    """(eye49b) No size can be planned (the held-out group has no conversions): a test that
    is over says it ended, not "deciding now"."""
    (tmp_path / "site.yaml").write_text(RULES + rule("off", ", enabled: false"))
    ruleset = load_ruleset(tmp_path, Renderer(tmp_path / "snippets"))
    got = Read({DAY: arms(5000, 600, 5000, 0, "off")}, [DAY], DAY, DAY, DAY, "")
    report = assemble(got, ruleset, since=None, until=None, retention_days=400, min_per_arm=100)
    row = report.rows[0]
    assert "An early look" not in row.sentence and "deciding now" not in row.sentence
    assert (
        "No size can be planned from the held-out group's rate while it has no "
        "conversions: a verdict this early is more often false." in row.sentence
    )
