"""A slot that is a table part (``<tr>``, ``<tbody>``, ``<table>`` ...) keeps only table parts
directly inside: text or other elements put there a browser moves out, before the table, so
the page would change outside the slot. Such content is left out (the slot keeps its default,
the rule is not counted as shown) and a text rule cannot win such a target, so a lower rule
that can still does. lexbor (the HTML5 parsing algorithm) is the oracle: nothing ever lands
between the paragraph before the table and the table."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser

from omotenashi.engine import EngineConfig, Journey, Profile, Visit, personalise_response
from omotenashi.engine.page import Result
from omotenashi.loader.ruleset import load_ruleset
from omotenashi.loader.snippets import Renderer
from omotenashi.settings import RespectSettings

PAGE = (
    '<!doctype html><html><body><main><p id="before">intro</p>'
    "<table><tbody{tbody}><tr{tr}><td>old</td></tr></tbody></table>"
    "<p>after</p></main></body></html>"
)
SLOT = ' data-omo-slot="x"'


def run(
    tmp_path: Path, where: str, rules: str, snippet: str = "", disclose: bool = False
) -> tuple[str, Result]:
    (tmp_path / "rules").mkdir(exist_ok=True)
    (tmp_path / "snippets").mkdir(exist_ok=True)
    (tmp_path / "rules" / "site.yaml").write_text(textwrap.dedent(rules))
    if snippet:
        (tmp_path / "snippets" / "s.html").write_text(snippet)
    ruleset = load_ruleset(tmp_path / "rules", Renderer(tmp_path / "snippets"), base=tmp_path)
    config = EngineConfig(respect=RespectSettings(disclosure=disclose, page_panel=disclose))
    page = PAGE.format(tbody=SLOT if where == "tbody" else "", tr=SLOT if where == "tr" else "")
    visit = Visit(visitor_id="v1", profile=Profile(), now=1_700_000_000.0)
    headers = [(b"content-type", b"text/html; charset=utf-8")]
    result = personalise_response(page.encode(), headers, visit, ruleset, Journey(), config)
    return page, result


def nothing_moved_out(body: bytes) -> bool:
    tree = LexborHTMLParser(body.decode())
    before = tree.css_first("#before")
    assert before is not None and before.next is not None
    return before.next.tag == "table"


@pytest.mark.parametrize(
    ("where", "action", "snippet", "shown"),
    [
        ("tr", 'text: "Hi there"', "", False),
        ("tbody", 'text: "Hi there"', "", False),
        ("tr", "snippet: s.html", "<td>Hi</td><td>there</td>", True),
        ("tr", "snippet: s.html", "<p>Hi</p>", False),
        ("tr", "snippet: s.html", "Hi <b>there</b>", False),
        ("tbody", "snippet: s.html", "<tr><td>Hi</td></tr>", True),
        ("tbody", "snippet: s.html", "<div>Hi</div>", False),
        ("tbody", "snippet: s.html", "  \n", True),  # white space stays where it is
    ],
)
@pytest.mark.parametrize("disclose", [False, True], ids=["plain", "with-why"])
def test_a_table_part_takes_only_table_parts(
    tmp_path: Path, where: str, action: str, snippet: str, shown: bool, disclose: bool
) -> None:
    rules = f"rules:\n  - {{id: r, slot: x, {action}, why: Always here.}}\n"
    page, result = run(tmp_path, where, rules, snippet, disclose)
    assert [d.id for d in result.shown] == (["r"] if shown else [])
    assert (result.change.shown == ["r"]) is shown  # caps and exposures count only then
    assert nothing_moved_out(result.body)
    if not shown:
        assert result.body == page.encode()  # byte for byte: the slot keeps its default
    if not shown and snippet:  # (a text rule never wins it: see the test below)
        assert any("moves it out" in said and f"<{where}>" in said for said in result.skipped)


def test_a_lower_attrs_rule_wins_a_table_part_over_a_text_rule(tmp_path: Path) -> None:
    rules = """
    rules:
      - {id: words, slot: x, text: "Hi", priority: 10, why: Always here.}
      - {id: marked, slot: x, attrs: {class: picked}, priority: 1, why: Always here too.}
    """
    _, result = run(tmp_path, "tr", rules)
    assert [d.id for d in result.shown] == ["marked"]
    assert b'class="picked"' in result.body and nothing_moved_out(result.body)
