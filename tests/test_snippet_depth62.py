"""A snippet or a rule's text nested deeper than Jinja's parser and Python's compiler go (a
thousand filters in a row, some 95 nested ``{% if %}``) is refused at its rule's line and field
with the fix, as any other snippet problem; it stopped the app starting (linear62:
RecursionError, IndentationError out of the middleware's constructor)."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.applications import Starlette

from omotenashi import Omotenashi, Settings
from tests.test_rule_values61 import refused

FILTERS = "{{ visitor.stage" + '|replace("a", "b")' * 1000 + " }}"
BLOCKS = "{% if a %}" * 120 + "x" + "{% endif %}" * 120
LOOPS = "{% for a in b %}" * 25 + "x" + "{% endfor %}" * 25
SAID = "is nested too deeply to compile"


@pytest.mark.parametrize("body", [FILTERS, BLOCKS, LOOPS])
def test_a_snippet_nested_too_deeply_is_refused_at_its_rule(body: str, tmp_path: Path) -> None:
    (tmp_path / "snippets").mkdir()
    (tmp_path / "snippets" / "deep.html").write_text(body)
    said = refused(
        tmp_path, "rules:\n  - {id: d, slot: hero, snippet: deep.html, why: Everyone.}\n"
    )
    assert f"site.yaml:2: rules[0].snippet: the snippet 'deep.html' {SAID}" in said
    assert "move inner parts into snippets of their own ({% include %})" in said


def test_a_rules_text_nested_too_deeply_is_refused_at_its_rule(tmp_path: Path) -> None:
    said = refused(
        tmp_path, f"rules:\n  - id: d\n    slot: hero\n    text: '{BLOCKS}'\n    why: Everyone.\n"
    )
    assert f"site.yaml:4: rules[0].text: the rule's text {SAID}" in said


def test_the_app_starts_serving_defaults(tmp_path: Path, omotenashi_redis_url: str) -> None:
    (tmp_path / "snippets").mkdir()
    (tmp_path / "snippets" / "deep.html").write_text(FILTERS)
    (tmp_path / "site.yaml").write_text(
        "rules:\n  - {id: d, slot: hero, snippet: deep.html, why: Everyone.}\n"
    )
    settings = Settings(
        secret_keys=["k" * 32],
        redis={"url": omotenashi_redis_url},
        rules={"dir": tmp_path, "snippets_dir": tmp_path / "snippets"},
    )
    mw = Omotenashi(Starlette(), settings=settings)
    assert mw.rules.current.ruleset.rules == []
