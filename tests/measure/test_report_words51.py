"""measure51: the HTML report's table names each column once ("rate" twice was read out by a
screen reader for both groups), in a head with column scopes; the note under many rows does
not tell a reader who named no goal to "judge each rule on the goal you named"."""

from __future__ import annotations

from omotenashi.measure import notes
from omotenashi.measure.htmlreport import _table
from omotenashi.measure.report import Report


def test_the_table_names_each_column_once_with_its_scope() -> None:
    html = _table(Report([], {}, None, None, 0.95, 100))
    heads = html.split("<thead>", 1)[1].split("</thead>", 1)[0]
    names = [cell.split(">", 1)[1] for cell in heads.split("</th>")[:-1]]
    assert len(names) == len(set(names)) == 11, names
    assert heads.count('<th scope="col">') == 11
    assert "treated rate" in names and "control rate" in names


def test_the_many_rows_note_asks_for_one_goal_chosen_before() -> None:
    said = notes.MANY.format(n=3)
    assert "the goal you named for it." not in said
    assert "one goal, the one it is for" in said and "chosen before reading" in said


def test_each_daily_chart_has_its_numbers_as_a_table() -> None:
    """(measure51) The charts' per-day numbers were only in tooltips, inside an image: no
    screen reader or keyboard reached them."""
    from omotenashi.measure.htmlreport import render_html
    from omotenashi.measure.report import Arm, DayPoint

    points = [
        DayPoint(
            "2026-12-01",
            {Arm.TREATMENT: 1200, Arm.CONTROL: 130},
            {Arm.TREATMENT: 40, Arm.CONTROL: 3},
        ),
        DayPoint(
            "2026-12-02",
            {Arm.TREATMENT: 980, Arm.CONTROL: 110},
            {Arm.TREATMENT: 31, Arm.CONTROL: 4},
        ),
    ]
    html = render_html(Report([], {"promo": points}, None, None, 0.95, 100))
    table = html.split("promo: the numbers, day by day</summary>", 1)[1].split("</details>")[0]
    assert '<th scope="row">2026-12-01</th><td>1,200</td><td>130</td><td>40</td><td>3</td>' in table
    assert '<th scope="col">exposed, treated</th>' in table


def test_each_row_is_headed_by_its_rule() -> None:
    """eye51b P3: the rule's cell was a <td>: a screen reader read a row's figures without the
    rule they are of."""
    from omotenashi.measure.counting import Arm
    from omotenashi.measure.report import Counts, RuleSpec, build

    counts = Counts()
    counts.exposures[("promo", Arm.TREATMENT, "2026-12-01")] = 10
    counts.exposures[("promo", Arm.CONTROL, "2026-12-01")] = 10
    html = _table(build(counts, [RuleSpec("promo", 50.0)], ["buy"]))
    assert '<tr><th scope="row">promo</th><td>buy</td>' in html
