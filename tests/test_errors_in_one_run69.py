"""readme68: one ``omotenashi check`` says every error of a rule file. A file refused by its
fields (a rule without ``why:``) had none of its other rules' snippets checked, and a render's
error hid a field slipped under ``with:``: each fix showed the next error, in three runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from .test_editor_messages import check_site

SNIPPET = '<div class="hero"><h2>{{ headline }}</h2><a href="{{ cta }}">{{ cta_label }}</a></div>'
RULES = """rules:
  - id: hello
    slot: tagline
    text: "Hello there"
{why}  - id: hawaii-family-hero
    slot: hero
    snippet: hero.html
    with:
      headline: "Aloha, families!"
      cta: /tours/hawaii-family
      cta_lable: See the family tour
      when: {{stage: interest}}
    why: "You have been looking at Hawaii tours for families."
"""
WHY = '    why: "Everyone sees this hello."\n'


@pytest.mark.parametrize("why", ["", WHY], ids=["refused-by-its-fields", "valid-fields"])
def test_one_run_says_every_error_of_a_file(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    why: str,
) -> None:
    files = {"rules/site.yaml": RULES.format(why=why), "snippets/hero.html": SNIPPET}
    code, lines, _ = check_site(tmp_path, monkeypatch, capsys, files)
    assert code == 1
    said = "\n".join(lines)
    assert ("rules[0].why: this field is required" in said) is (not why), said
    assert "rules[1].with.when: 'when' is under with:" in said, said
    assert "rules[1].with.cta_lable: the snippet 'hero.html' reads 'cta_label'" in said, said
    assert sum(": error: " in line for line in lines) == 2 + (not why), said


def test_a_rule_refused_by_its_fields_is_not_checked_further(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Only the rules that hold alone are: a rule with a field error says that error alone
    (its snippet, which it may not even name rightly, is not read)."""
    rule = RULES.format(why="").replace("    slot: hero\n", "    slot: hero\n    priority: high\n")
    files = {"rules/site.yaml": rule, "snippets/hero.html": SNIPPET}
    code, lines, _ = check_site(tmp_path, monkeypatch, capsys, files)
    assert code == 1
    said = "\n".join(lines)
    assert "rules[0].why: this field is required" in said, said
    assert "rules[1].priority" in said and "cta_lable" not in said, said


def test_a_goal_a_refused_file_declares_is_not_said_to_be_undeclared(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """review69: file a declares the goal and is refused by a field; a rule of file b judged on
    it was told "no goal is declared with the id 'buy' (declared: none yet)", untrue."""
    refused = "goals:\n  - {id: buy, event: purchase}\nrules:\n  - {id: x, slot: s, text: t}\n"
    judged = "rules:\n  - {id: y, slot: s, text: t, why: Hi., goals: [buy]}\n"
    files = {"rules/a.yaml": refused, "rules/b.yaml": judged}
    code, lines, _ = check_site(tmp_path, monkeypatch, capsys, files)
    said = "\n".join(lines)
    assert code == 1 and "rules[0].why: this field is required" in said, said
    assert "no goal is declared" not in said, said
