"""editor51 P3: a rule whose action is written with no value (`text:` and nothing after it,
or `text: null`) was told "a rule needs exactly one action (got none)", at the rule, as if no
action were written. It is said at the field as what it is, with the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from omotenashi.loader.reload import load_all
from omotenashi.settings import Settings

from .test_rulefile_safety import errors_in, rules_folder


@pytest.mark.parametrize(
    ("rule", "line", "said"),
    [
        ("  - {id: a, slot: hero, text: null, why: because}\n", 2, "rules[0].text: it is empty"),
        ("  - id: a\n    slot: hero\n    text:\n    why: because\n", 4, "rules[0].text: it is"),
        ("  - {id: a, slot: hero, snippet: , why: because}\n", 2, "rules[0].snippet: it is empty"),
        ("  - {id: a, slot: hero, attrs: ~, why: because}\n", 2, "rules[0].attrs: it is empty"),
    ],
)
def test_an_action_with_no_value_is_said_at_its_field(
    tmp_path: Path, rule: str, line: int, said: str
) -> None:
    folder = rules_folder(tmp_path, "site.yaml", "rules:\n" + rule)
    errors = errors_in(folder)
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"{folder / 'site.yaml'}:{line}: {said}"), errors[0]
    assert "exactly one action" not in errors[0]


def test_no_action_at_all_and_two_actions_are_said_as_before(tmp_path: Path) -> None:
    folder = rules_folder(tmp_path, "site.yaml", "rules:\n  - {id: a, slot: hero, why: because}\n")
    assert "a rule needs exactly one action (got none)" in errors_in(folder)[0]
    two = "rules:\n  - {id: a, slot: hero, text: A, snippet: , why: because}\n"
    folder = rules_folder(tmp_path, "site.yaml", two)
    cfg = Settings(rules={"dir": folder, "snippets_dir": folder / "snippets"}).rules
    assert load_all(cfg).ruleset.rules[0].rule.text == "A"  # (an empty one beside: the one)


def test_an_empty_text_is_an_empty_block(tmp_path: Path) -> None:
    folder = rules_folder(
        tmp_path, "site.yaml", 'rules:\n  - {id: a, slot: hero, text: "", why: because}\n'
    )
    cfg = Settings(rules={"dir": folder, "snippets_dir": folder / "snippets"}).rules
    assert load_all(cfg).ruleset.rules[0].rule.text == ""
