from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omotenashi.measure import counting
from omotenashi.measure.counting import Arm, Cell, Seen

NOW = 1_764_590_400  # 2025-12-01T12:00:00Z
DAY = counting.DAY
T, C = Arm.TREATMENT, Arm.CONTROL


def test_first_exposure_counts_once_per_rule_and_is_recorded() -> None:
    first = counting.tally(
        seen={}, converted=set(), exposed_now={"hero": T, "promo": C}, goals_hit=set(), now=NOW
    )
    assert first.record == {"r|hero": f"t:{NOW}", "r|promo": f"c:{NOW}"}
    assert first.increments == {("2025-12-01", "x|t|hero"): 1, ("2025-12-01", "x|c|promo"): 1}
    seen, converted = counting.read_record(first.record)
    again = counting.tally(
        seen=seen, converted=converted, exposed_now={"hero": T}, goals_hit=set(), now=NOW + 60
    )
    assert not again


def test_a_goal_on_the_exposure_request_is_not_attributed() -> None:
    out = counting.tally(
        seen={}, converted=set(), exposed_now={"hero": T}, goals_hit={"purchase"}, now=NOW
    )
    assert [f for _, f in out.increments] == ["x|t|hero"]


@pytest.mark.parametrize(
    ("age_days", "window", "counted"),
    [(0.5, 7, True), (7, 7, True), (7.01, 7, False), (2, 1, False), (30, 30, True)],
)
def test_conversions_within_the_attribution_window(
    age_days: float, window: float, counted: bool
) -> None:
    first = NOW - int(age_days * DAY)
    out = counting.tally(
        seen={"hero": Seen(C, first)},
        converted=set(),
        exposed_now={},
        goals_hit={"purchase"},
        now=NOW,
        window_days=window,
    )
    expected = {(counting.day_of(first), "c|c|hero|purchase"): 1} if counted else {}
    assert out.increments == expected
    assert ("g|hero|purchase" in out.record) is counted


def test_conversions_file_under_the_exposure_day_and_count_once_per_goal() -> None:
    seen = {"hero": Seen(T, NOW - 2 * DAY), "promo": Seen(C, NOW - DAY)}
    out = counting.tally(
        seen=seen,
        converted={("hero", "signup")},
        exposed_now={"hero": T},
        goals_hit={"signup", "purchase"},
        now=NOW,
    )
    assert out.increments == {
        ("2025-11-29", "c|t|hero|purchase"): 1,
        ("2025-11-30", "c|c|promo|purchase"): 1,
        ("2025-11-30", "c|c|promo|signup"): 1,
    }
    assert set(out.record) == {"g|hero|purchase", "g|promo|purchase", "g|promo|signup"}


@pytest.mark.parametrize(
    ("name", "cell"),
    [
        ("x|t|hero", Cell("hero", "", T)),
        ("c|c|hero|purchase", Cell("hero", "purchase", C)),
        ("x|z|hero", None),
        ("c|t|hero", None),
        ("x|t|", None),
        ("y|t|hero|p", None),
        ("", None),
    ],
)
def test_parse_field(name: str, cell: Cell | None) -> None:
    assert counting.parse_field(name) == cell


@given(st.text(max_size=30))
def test_parse_field_never_raises(name: str) -> None:
    cell = counting.parse_field(name)
    if cell is not None:
        rebuilt = (
            counting.conversion_field(cell.rule, cell.goal, cell.arm)
            if cell.goal
            else counting.exposure_field(cell.rule, cell.arm)
        )
        assert rebuilt == name


@pytest.mark.parametrize(
    ("text", "seen"),
    [
        ("t:100", Seen(T, 100)),
        ("c:0", Seen(C, 0)),
        ("x:1", None),
        ("t:", None),
        ("t:-5", None),
        ("t:²", None),
    ],
)
def test_decode_seen(text: str, seen: Seen | None) -> None:
    assert counting.decode_seen(text) == seen


@given(st.dictionaries(st.text(max_size=12), st.text(max_size=12), max_size=6))
def test_read_record_tolerates_anything(fields: dict[str, str]) -> None:
    seen, converted = counting.read_record(fields)
    assert all(isinstance(s, Seen) for s in seen.values())
    assert len(converted) <= len(fields)
