"""Selector rules go through the same scanner and splice as slots: byte-exact, forced by QA
links, explained by why notes, skipped when unsure, and counted only when they reach the page."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime
from pathlib import Path

from omotenashi.engine.disclosure import Disclosure
from omotenashi.engine.facts import Device, Facts
from omotenashi.engine.personalise import personalise
from omotenashi.engine.ruleset import RuleSet
from omotenashi.loader.ruleset import load_ruleset
from omotenashi.loader.snippets import Renderer

FACTS = Facts(
    device=Device("desktop", "Chrome", "Linux", False), now=datetime(2026, 12, 1, tzinfo=UTC)
)
PAGE = (
    "<!doctype html><html><head><noscript><img src=/px></noscript></head><body>\n"
    "<main><h1 class=title>Welcome</h1><div data-omo-slot=hero><p class=lead>Default</div>"
    "<ul class=tours><li>Kyoto<li>Hawaii</ul></main>\n</body></html>\n"
)


def rules(tmp_path: Path, text: str) -> RuleSet:
    (tmp_path / "rules").mkdir(exist_ok=True)
    (tmp_path / "snippets").mkdir(exist_ok=True)
    (tmp_path / "rules" / "site.yaml").write_text(textwrap.dedent(text))
    return load_ruleset(tmp_path / "rules", Renderer(tmp_path / "snippets"), base=tmp_path)


def test_a_selector_rule_rewrites_only_its_element(tmp_path: Path) -> None:
    ruleset = rules(
        tmp_path,
        """
        rules:
          - {id: greet, selector: "main > h1.title", text: "Welcome back", why: "You came back."}
          - {id: second, selector: "ul.tours li:nth-child(2)", text: "Hawaii!", why: "Because."}
        """,
    )
    out = personalise(PAGE, ruleset, FACTS, {})
    assert [d.id for d in out.applied] == ["greet", "second"]
    assert out.html == PAGE.replace(
        "<h1 class=title>Welcome</h1>", '<h1 class=title data-omo-rule="greet">Welcome back</h1>'
    ).replace("<li>Hawaii</ul>", '<li data-omo-rule="second">Hawaii!</ul>')


def test_forced_selector_rules_win_and_carry_a_why_note(tmp_path: Path) -> None:
    ruleset = rules(
        tmp_path,
        """
        rules:
          - {id: normal, selector: "h1.title", text: "Hello", why: "Everyone."}
          - {id: qa, selector: "h1.title", text: "Forced", why: "Testing.", when: {stage: loyalty}}
        """,
    )
    assert personalise(PAGE, ruleset, FACTS, {}).html.count("Hello") == 1
    out = personalise(
        PAGE, ruleset, FACTS, {}, forced=frozenset({"qa"}), disclosure=Disclosure(enabled=True)
    )
    assert [d.id for d in out.applied] == ["qa"]
    assert '<h1 class=title data-omo-rule="qa">Forced</h1><details' in out.html
    assert 'data-omo-why="qa"' in out.html


def test_a_rule_inside_a_rewritten_target_is_not_counted_as_shown(tmp_path: Path) -> None:
    ruleset = rules(
        tmp_path,
        """
        rules:
          - {id: outer, slot: hero, text: "<p>New hero</p>", why: "Some reason."}
          - {id: inner, selector: "p.lead", text: "Lead", why: "Some reason."}
        """,
    )
    out = personalise(PAGE, ruleset, FACTS, {})
    assert [d.id for d in out.applied] == ["outer"] and "Lead" not in out.html


def test_an_unsure_target_is_left_alone_and_reported(tmp_path: Path) -> None:
    ruleset = rules(
        tmp_path, "rules:\n  - {id: r, selector: 'table.prices', text: 'x', why: 'Some reason.'}\n"
    )
    page = "<table class=prices><tr><td>1</td><b>moved</b></table><p>x"
    out = personalise(page, ruleset, FACTS, {})
    assert out.html == page and out.applied == []
    assert out.skipped and "table.prices" in out.skipped[0]
