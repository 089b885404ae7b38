from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from omotenashi import RuleSetError
from omotenashi.engine.facts import Facts
from omotenashi.loader.journey import load_journey

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def demo_journey():  # type: ignore[no-untyped-def]
    return load_journey(ROOT / "rules")


@pytest.mark.parametrize(
    ("current", "facts", "events", "new_visit", "expected"),
    [
        ("awareness", {}, set(), True, ("awareness", False)),
        ("awareness", {"views": 3}, set(), False, ("interest", False)),
        ("awareness", {"interests": {"hawaii": 2.0}}, set(), False, ("interest", False)),
        ("interest", {"views": 10}, set(), False, ("interest", False)),
        ("interest", {}, {"add_to_cart"}, False, ("consideration", False)),
        ("awareness", {}, {"add_to_cart"}, False, ("consideration", False)),
        ("consideration", {"purchases": 1}, {"purchase"}, False, ("purchase", False)),
        ("purchase", {"purchases": 2}, {"purchase"}, False, ("loyalty", False)),
        ("purchase", {"purchases": 2}, set(), False, ("purchase", False)),  # needs the event
        ("interest", {}, {"join_club"}, False, ("loyalty", False)),
        ("loyalty", {"views": 1}, {"add_to_cart"}, False, ("loyalty", False)),  # never back
        ("loyalty", {"absent_days": 75}, set(), True, ("interest", True)),
        ("loyalty", {"absent_days": 75}, set(), False, ("loyalty", False)),  # only at visit start
        ("purchase", {"absent_days": 45}, set(), True, ("purchase", False)),
        ("consideration", {"absent_days": 45}, set(), True, ("interest", True)),
        ("consideration", {"absent_days": 45}, {"add_to_cart"}, True, ("consideration", True)),
    ],
)
def test_the_demo_stage_machine(
    demo_journey: Any,
    current: str,
    facts: dict[str, Any],
    events: set[str],
    new_visit: bool,
    expected: tuple[str, bool],
) -> None:
    assert (
        demo_journey.next_stage(current, Facts(**facts), frozenset(events), new_visit) == expected
    )


def test_page_tags_come_from_path_rules(demo_journey: Any) -> None:
    assert demo_journey.page_tags("/tours/kyoto-autumn") == (["kyoto", "japan"], ["kyoto-autumn"])
    assert demo_journey.page_tags("/cart") == ([], [])


def test_a_long_path_is_tagged_but_not_kept(demo_journey: Any) -> None:
    """Paths come from outside: the per-path tags kept for reuse stay small (4,096 short
    paths) whatever length is sent; a long path is worked out each time."""
    long = "/tours/kyoto-autumn/" + "x" * 8000
    topics, _ = demo_journey.page_tags(long)
    assert topics == ["kyoto", "japan"] and demo_journey.page_tags(long)[0] == topics
    assert long not in demo_journey._tags


def test_derived_segments(demo_journey: Any) -> None:
    facts = Facts(interests={"family": 2.0}, events={"join_club": 1})
    assert demo_journey.derive_segments(facts) == {"family", "member"}


def test_lists_come_from_data_files(demo_journey: Any) -> None:
    assert "kyoto-autumn" in demo_journey.lists["sale"]


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "journey.yaml").write_text(textwrap.dedent(text))
    return tmp_path


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "transitions:\n  - to: intrest\n",
            "journey.yaml:2: transitions[0].to: 'intrest' is "
            "not allowed (use one of 'awareness', 'interest', 'consideration', 'purchase' or "
            "'loyalty')",
        ),
        (
            "decay:\n  - {from: interest, to: loyalty, when: {}}\n",
            "journey.yaml:2: decay[0]: decay from 'interest' to 'loyalty' does not go back",
        ),
        (
            "beacon:\n  events: [purchase]\n",
            "journey.yaml:2: beacon.events: 'purchase' cannot "
            "come from the browser (record it on the server with track(request, ...))",
        ),
        (
            "segments:\n  a: {segment: b}\n",
            "journey.yaml:2: segments.a: a segment is defined by another segment",
        ),
        (
            "transitions:\n  - to: interest\n    when: {veiws: 3}\n",
            "journey.yaml:3: "
            "transitions[0].when.veiws: unknown field 'veiws' (did you mean 'views'?)",
        ),
    ],
)
def test_journey_errors_are_located(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(RuleSetError) as info:
        load_journey(write(tmp_path, text), base=tmp_path)
    assert str(info.value).startswith(expected), str(info.value)


def test_on_and_no_are_text_not_booleans(tmp_path: Path) -> None:
    journey = load_journey(
        write(
            tmp_path,
            """
        transitions:
          - to: consideration
            on: add_to_cart
            when: {country: [NO, yes]}
    """,
        )
    )
    [transition] = journey.transitions
    assert transition.on == {"add_to_cart"}
    assert journey.next_stage(
        "awareness", Facts(country="NO"), frozenset({"add_to_cart"}), False
    ) == ("consideration", False)
