from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omotenashi import RuleSetError
from omotenashi.engine.ruleset import RuleSet
from omotenashi.loader.ruleset import load_ruleset
from omotenashi.loader.snippets import Renderer
from omotenashi.measure.goals import goals_reached
from omotenashi.rules.goals import Goal

GOALS = """\
goals:
  - {id: purchase, event: purchase}
  - id: brochure
    path: /brochures/*/thanks
"""
RULES = """\
rules:
  - {id: promo, slot: hero, text: Promo, holdout: 10%, why: "Everyone.", goals: [purchase]}
  - {id: other, slot: side, text: Other, holdout: 10%, why: "Everyone."}
"""


def load(tmp_path: Path, **files: str) -> RuleSet:
    rules = tmp_path / "rules"
    rules.mkdir()
    (tmp_path / "snippets").mkdir()
    for name, text in files.items():
        (rules / f"{name}.yaml").write_text(textwrap.dedent(text))
    return load_ruleset(rules, Renderer(tmp_path / "snippets"), base=tmp_path)


def test_goals_come_from_any_rule_file_and_rules_name_theirs(tmp_path: Path) -> None:
    ruleset = load(tmp_path, a_goals=GOALS, b_rules=RULES)
    assert [g.id for g in ruleset.goals] == ["purchase", "brochure"]
    by_id = {r.id: r.rule.goals for r in ruleset.rules}
    assert by_id == {"promo": ["purchase"], "other": None}  # None: judged on every goal


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (
            {"a": GOALS, "b": RULES.replace("[purchase]", "[signup]")},
            "rules/b.yaml:2: rules[0].goals[0]: no goal is declared with the id 'signup' "
            "(declare it under goals: in a rule file (declared: brochure, purchase))",
        ),
        (  # the judged rule's file is read (and freed) before the next one
            {
                "a": "rules:\n  - id: p\n    slot: s\n    text: T\n    why: Why.\n"
                "    goals:\n      - purchase\n      - signup\n",
                "b": GOALS,
            },
            "rules/a.yaml:8: rules[0].goals[1]: no goal is declared with the id 'signup' "
            "(declare it under goals: in a rule file (declared: brochure, purchase))",
        ),
        (  # (editor63: the declared ids listed, no word of the one close to it)
            {"a": GOALS, "b": RULES.replace("[purchase]", "[purchse]")},
            "rules/b.yaml:2: rules[0].goals[0]: no goal is declared with the id 'purchse' "
            "(did you mean 'purchase'? or declare it under goals: in a rule file)",
        ),
        (  # not near enough: the declared ones listed (last63: 'signup' got 'signin')
            {
                "a": GOALS.replace("brochure", "signin"),
                "b": RULES.replace("[purchase]", "[signup]"),
            },
            "rules/b.yaml:2: rules[0].goals[0]: no goal is declared with the id 'signup' "
            "(declare it under goals: in a rule file (declared: purchase, signin))",
        ),
        (
            {"a": GOALS, "b": "goals:\n  - {id: purchase, path: /done}\n"},
            "rules/b.yaml:2: goals[0].id: the goal id 'purchase' is already declared in "
            "rules/a.yaml:2",
        ),
        (
            {"a": "goals:\n  - {id: both, event: buy, path: /x}\n"},
            "rules/a.yaml:2: goals[0]: a goal needs exactly one of event or path",
        ),
        (
            {"a": "goals:\n  - {id: Bad Name, event: buy}\n"},
            "rules/a.yaml:2: goals[0].id",
        ),
        (
            {"a": "goals:\n  - {id: thanks, path: thanks}\n"},
            "rules/a.yaml:2: goals[0].path",
        ),
    ],
)
def test_goal_mistakes_are_reported_with_file_and_line(
    tmp_path: Path, files: dict[str, str], message: str
) -> None:
    with pytest.raises(RuleSetError) as info:
        load(tmp_path, **files)
    assert message in str(info.value)


GOAL_LIST = [
    Goal(id="purchase", event="purchase"),
    Goal(id="brochure", path="/brochures/*/thanks"),
]


@pytest.mark.parametrize(
    ("path", "events", "reached"),
    [
        ("/", {}, set()),
        ("/", {"purchase": 1}, {"purchase"}),
        ("/brochures/hawaii/thanks", {}, {"brochure"}),
        ("/brochures/hawaii/thanks/", {}, set()),
        (None, {"purchase": 2, "other": 1}, {"purchase"}),
        (None, {"purchase": 0}, set()),
    ],
)
def test_goals_reached(path: str | None, events: dict[str, int], reached: set[str]) -> None:
    assert goals_reached(GOAL_LIST, path=path, events=events) == reached


@given(st.text(max_size=40), st.dictionaries(st.text(max_size=10), st.integers(0, 3)))
def test_goals_reached_takes_any_request(path: str, events: dict[str, int]) -> None:
    assert goals_reached(GOAL_LIST, path=path, events=events) <= {"purchase", "brochure"}
