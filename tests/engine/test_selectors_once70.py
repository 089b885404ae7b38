"""dos70: the rule set's selectors were parsed again on every page once they were more than
parse_selector's cache holds (1,024): with 2,000 selector rules, 72 of a page's 110 ms. They are
parsed once per rule set."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from omotenashi.engine import personalise as engine
from omotenashi.engine.facts import Facts
from omotenashi.loader.ruleset import load_ruleset
from omotenashi.loader.snippets import Renderer

RULES = 1_100  # (more than the cache holds)


def test_selectors_are_parsed_once_per_rule_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "snippets").mkdir()
    rules = "".join(
        f'  - {{id: r{n}, selector: ".c{n}", text: "New {n}", why: "Always."}}\n'
        for n in range(RULES)
    )
    (tmp_path / "rules" / "site.yaml").write_text("rules:\n" + rules)
    ruleset = load_ruleset(tmp_path / "rules", Renderer(tmp_path / "snippets"), base=tmp_path)
    parsed: list[str] = []
    parse = engine.parse_selector

    def counting(text: str) -> object:
        parsed.append(text)
        return parse(text)

    monkeypatch.setattr(engine, "parse_selector", counting)
    page = textwrap.dedent("""\
        <!doctype html><html><body><p class="c7">Old</p><p class="c9">Old</p></body></html>""")
    for _ in range(3):
        out = engine.personalise(page, ruleset, Facts(), {})
        assert "New 7" in out.html and "New 9" in out.html
    assert len(parsed) == RULES  # each once, for the first page
