"""What the reports say must be what the numbers allow: an early verdict says it is early, a
withheld verdict is not coloured as one, an empty group shows no lift, and the text, JSON and
HTML reports say the same things in the same words."""

from __future__ import annotations

import html
import json
import re

import pytest

from omotenashi.measure import report as rep
from omotenashi.measure.htmlreport import render_html
from omotenashi.measure.report import RuleSpec
from omotenashi.measure.text import render_text

# per group at a 50 % holdout, a 10 % lift over both groups' rate: 11 % (12 % and 10 %), 9 %
PLANNED, PLANNED_LOW = "13,253", "16,583"


def build(cells: dict[str, int], *rules: str) -> rep.Report:
    counts = rep.counts_from_days({"2025-12-01": cells})
    return rep.build(counts, [RuleSpec(rule, 50.0, ("buy",)) for rule in rules or ("hero",)])


def arms(n_t: int, x_t: int, n_c: int, x_c: int, rule: str = "hero") -> dict[str, int]:
    return {
        f"x|t|{rule}": n_t,
        f"x|c|{rule}": n_c,
        f"c|t|{rule}|buy": x_t,
        f"c|c|{rule}|buy": x_c,
    }


def text_verdict(text: str, rule: str = "hero") -> str:
    found = re.search(rf"^{rule} +buy .*  (\S[^\n]*)$", text, re.M)
    assert found, text
    return found.group(1).split("  ")[-1]


@pytest.mark.parametrize(
    ("cells", "label", "early"),
    [
        (arms(5000, 600, 5000, 500), "helps (early)", f"5,000 of {PLANNED} planned visitors"),
        (arms(5000, 400, 5000, 500), "hurts (early)", f"5,000 of {PLANNED_LOW} planned visitors"),
        (arms(20000, 2400, 20000, 2000), "helps", ""),  # both groups past the plan
        (arms(5000, 510, 5000, 500), "no evidence yet", ""),  # no verdict: nothing to warn of
    ],
)
def test_a_verdict_before_the_planned_size_says_it_is_early(
    cells: dict[str, int], label: str, early: str
) -> None:
    report = build(cells)
    row = report.rows[0]
    data = json.loads(json.dumps(report.as_json()))["rows"][0]
    page = html.unescape(render_html(report))
    text = render_text(report)
    assert (data["verdict"], data["early"]) == (label, bool(early))
    assert text_verdict(text) == label
    assert f'title="{row.sentence}">{label}</td>' in page
    warning = "An early look: "
    assert (warning in row.sentence) == bool(early)
    if early:
        said = f"{warning}{early} per group; deciding now raises the chance of a false result."
        assert row.sentence.endswith(said) and said in text and said in page


def test_an_early_look_at_an_unequal_split_counts_each_group() -> None:
    cells = {"x|t|hero": 9000, "x|c|hero": 1000, "c|t|hero|buy": 1300, "c|c|hero|buy": 100}
    counts = rep.counts_from_days({"2025-12-01": cells})
    row = rep.build(counts, [RuleSpec("hero", 10.0, ("buy",))]).rows[0]
    assert row.label == "helps (early)" and row.needed is not None
    assert f"1,000 of {row.needed:,} planned held-out visitors" in row.sentence
    assert f"9,000 of {row.needed_treated:,} planned visitors shown the rule" in row.sentence


GREEN, RED, GREY = "#1a7f37", "#cf222e", "#6e7781"


def forest_colours(page: str) -> list[str]:
    """The colour of each interval bar in the first (absolute) forest plot."""
    first = page.split("</svg>")[0]
    bar = r'<line x1="[^"]+" y1="(\d+)" x2="[^"]+" y2="\1" stroke="(#[0-9a-f]+)" stroke-width="2"/>'
    return [colour for _, colour in re.findall(bar, first)]


@pytest.mark.parametrize(
    ("cells", "colour"),
    [
        (arms(20000, 2400, 20000, 2000), GREEN),  # helps
        (arms(20000, 1600, 20000, 2000), RED),  # hurts
        (arms(3618, 434, 3176, 291), GREY),  # clear of zero, but a suspect split: no verdict
        (arms(60, 30, 60, 5), GREY),  # clear of zero, but too few visitors: no verdict
        (arms(20000, 2010, 20000, 2000), GREY),  # zero included
    ],
)
def test_forest_bars_are_coloured_by_the_verdict_the_row_gives(
    cells: dict[str, int], colour: str
) -> None:
    page = render_html(build(cells))
    assert forest_colours(page) == [colour, colour] or forest_colours(page) == [colour]
    note = re.search(r'<p class="note">Colours follow the verdict column: (.*?)</p>', page)
    assert note and "green helps, red hurts, grey no verdict" in note.group(1)


def test_a_group_without_visitors_shows_no_lift() -> None:
    report = build(arms(500, 50, 0, 0, "lonely") | arms(5000, 600, 5000, 500), "hero", "lonely")
    lonely = next(r for r in report.rows if r.rule == "lonely")
    assert lonely.diff is None
    data = next(r for r in report.as_json()["rows"] if r["rule"] == "lonely")
    assert data["absolute_lift"] == {"value": None, "low": None, "high": None}
    text = render_text(report)
    line = next(x for x in text.splitlines() if x.startswith("lonely"))
    assert "+10.0" not in line and "[-100.0, +100.0]" not in line
    page = render_html(report)
    cells = re.search(r"<tr><th scope=\"row\">lonely</th>.*?</tr>", page)
    assert cells and "+10.0" not in cells.group(0) and "<td>–</td>" in cells.group(0)
    assert "lonely / buy:" not in page.split("<svg")[1]  # not in the forest either


def test_the_split_warning_is_one_sentence_in_every_report() -> None:
    report = build(arms(6000, 600, 4000, 400))
    row = report.rows[0]
    assert row.srm
    for cause in ("holdout was changed", "cache", "redirects", "bot filtering"):
        assert cause in row.sentence
    assert f"hero / buy: {row.sentence}" in render_text(report)
    warning = re.search(r'<div class="warn" role="alert">(.*?)<ul>', render_html(report))
    assert warning and row.sentence in html.unescape(warning.group(1))


@pytest.mark.parametrize(
    "cells",
    [arms(20000, 2400, 20000, 2000), arms(20000, 1600, 20000, 2000), arms(5000, 510, 5000, 500)],
)
def test_every_interval_sentence_names_its_confidence(cells: dict[str, int]) -> None:
    sentence = build(cells).rows[0].sentence
    assert re.search(r"percentage points \(95% interval\)", sentence), sentence


def test_text_and_html_both_say_recent_cohorts_are_still_growing() -> None:
    report = build(arms(5000, 600, 5000, 500))
    growing = "The most recent days are still inside the attribution window"
    assert growing in render_text(report)
    assert growing in html.unescape(render_html(report))


@pytest.mark.parametrize(("confidence", "level"), [(0.95, "95"), (0.9, "90"), (0.99, "99")])
def test_the_text_table_header_names_the_interval_it_prints(confidence: float, level: str) -> None:
    counts = rep.counts_from_days({"2025-12-01": arms(20000, 2400, 20000, 2000)})
    report = rep.build(counts, [RuleSpec("hero", 50.0, ("buy",))], confidence=confidence)
    header = render_text(report).splitlines()[2]
    assert f"lift pts [{level}% CI]" in header and f"relative [{level}% CI]" in header


@pytest.mark.parametrize(
    ("cells", "label", "why"),
    [
        (arms(150, 12, 150, 0), "helps (early)", "held-out group's rate while it has no"),
        (arms(150, 130, 150, 150), "hurts (early)", "while every visitor in it converted"),
        # (measure44: 93% held out, 97% together: it was "nearly all of it converted")
        (arms(150, 150, 150, 140), "helps (early)", "while both groups together convert nearly"),
    ],
)
def test_a_verdict_no_size_can_be_planned_for_is_early(
    cells: dict[str, int], label: str, why: str
) -> None:
    report = build(cells)
    row = report.rows[0]
    assert row.needed is None and row.early and row.label == label
    assert "An early look: no size can be planned" in row.sentence and why in row.sentence
    assert text_verdict(render_text(report)) == label


def test_past_the_planned_size_no_evidence_is_no_effect_found() -> None:
    report = build(arms(60000, 6000, 60000, 6000))
    row = report.rows[0]
    assert row.label == "no effect found" and not row.early
    assert row.sentence.startswith("The planned size was reached and no effect was found")
    assert "yet" not in row.sentence and "plan on" not in row.sentence
    assert text_verdict(render_text(report)) == "no effect found"


def test_a_holdout_of_everyone_says_so_rather_than_wait() -> None:
    counts = rep.counts_from_days({"2025-12-01": {"x|c|hero": 400, "c|c|hero|buy": 40}})
    row = rep.build(counts, [RuleSpec("hero", 100.0, ("buy",))]).rows[0]
    assert "keeps everyone out" in row.sentence and "wait" not in row.sentence


@pytest.mark.parametrize(("rules", "said"), [(("hero",), False), (("hero", "promo"), True)])
def test_many_rows_carry_the_one_in_twenty_note(rules: tuple[str, ...], said: bool) -> None:
    cells: dict[str, int] = {}
    for rule in rules:
        cells |= arms(5000, 600, 5000, 500, rule)
    report = build(cells, *rules)
    note = "about 1 row in 20 shows an interval clear of zero by chance alone"
    assert (note in render_text(report)) is said
    assert (note in html.unescape(render_html(report))) is said
