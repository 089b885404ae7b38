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
