"""A rule's text or snippet cannot go into a void element (``<img>``, ``<input>`` ...): such a
target is left alone, and a rule that changed nothing is not counted as shown (no cap, no
exposure, no "why" about a block the visitor cannot see); ``attrs:`` still apply there."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from omotenashi.cli.main import main
from omotenashi.engine import EngineConfig, Journey, Profile, Visit, personalise_response
from omotenashi.loader.ruleset import load_ruleset
from omotenashi.loader.snippets import Renderer
from omotenashi.settings import RespectSettings

PAGE = (
    "<!doctype html><html><body><main><p>intro</p>{slot}<p>after</p></main>"
    "<footer>f</footer></body></html>"
)


@pytest.mark.parametrize(
    ("slot", "action", "shown"),
    [
        ('<img data-omo-slot="x" src="/a.png" alt="a">', 'text: "Hi"', False),
        ('<input data-omo-slot="x" name="q">', 'text: "Hi"', False),
        ('<img data-omo-slot="x" src="/a.png" alt="a">', 'attrs: {src: "/b.png"}', True),
        ('<div data-omo-slot="x">old</div><img data-omo-slot="x">', 'text: "Hi"', True),
        ('<div data-omo-slot="x">old</div>', 'text: "Hi"', True),
    ],
)
@pytest.mark.parametrize("disclose", [False, True], ids=["plain", "with-why"])
def test_a_void_target_takes_no_content(
    tmp_path: Path, slot: str, action: str, shown: bool, disclose: bool
) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "snippets").mkdir()
    rule = f"rules:\n  - {{id: r, slot: x, {action}, why: Always.}}\n"
    (tmp_path / "rules" / "site.yaml").write_text(textwrap.dedent(rule))
    ruleset = load_ruleset(tmp_path / "rules", Renderer(tmp_path / "snippets"), base=tmp_path)
    config = EngineConfig(respect=RespectSettings(disclosure=disclose, page_panel=disclose))
    page = PAGE.format(slot=slot).encode()
    visit = Visit(visitor_id="v1", profile=Profile(), now=1_700_000_000.0)
    headers = [(b"content-type", b"text/html; charset=utf-8")]
    result = personalise_response(page, headers, visit, ruleset, Journey(), config)
    assert [d.id for d in result.shown] == (["r"] if shown else [])
    assert (result.change.shown == ["r"]) is shown  # caps and exposures count only then
    if not shown:
        assert result.body == page  # byte for byte: no note, no panel about an unseen block


@pytest.mark.parametrize("target", ["slot: x", 'selector: "img.hero"'])
def test_a_lower_attrs_rule_wins_a_void_target_over_a_text_rule(
    tmp_path: Path, target: str
) -> None:
    """The text rule cannot change an <img>: it must not take the target from a rule that can."""
    (tmp_path / "rules").mkdir()
    (tmp_path / "snippets").mkdir()
    rules = (
        "rules:\n"
        f'  - {{id: txt, {target}, text: "Hi", priority: 10, why: Always.}}\n'
        f'  - {{id: swap, {target}, attrs: {{src: "/b.png"}}, priority: 1, why: Always.}}\n'
    )
    (tmp_path / "rules" / "site.yaml").write_text(rules)
    ruleset = load_ruleset(tmp_path / "rules", Renderer(tmp_path / "snippets"), base=tmp_path)
    config = EngineConfig(respect=RespectSettings(disclosure=False, page_panel=False))
    page = PAGE.format(slot='<img class="hero" data-omo-slot="x" src="/a.png" alt="a">')
    visit = Visit(visitor_id="v1", profile=Profile(), now=1_700_000_000.0)
    headers = [(b"content-type", b"text/html; charset=utf-8")]
    result = personalise_response(page.encode(), headers, visit, ruleset, Journey(), config)
    assert [d.id for d in result.shown] == ["swap"]
    assert b'src="/b.png"' in result.body


CONTENT = "rules/site.yaml:2: warning: rule 'r' puts content into"  # ... an element it never holds
TEXT = "rules/site.yaml:2: warning: rule 'r' puts text into"  # ... a table part, moved out


@pytest.mark.parametrize(
    ("element", "action", "warning"),
    [
        ('<img data-omo-slot="pic" src="/a.png" alt="">', 'text: "Hi"', CONTENT),
        ("<INPUT name=q data-omo-slot=pic>", "snippet: s.html", CONTENT),
        ('<img data-omo-slot="pic" src="/a.png" alt="">', 'attrs: {src: "/b.png"}', ""),
        ('<div data-omo-slot="pic">old</div>', 'text: "Hi"', ""),
        ('<table><tr data-omo-slot="pic"><td>x</td></tr></table>', 'text: "Hi"', TEXT),
        ('<table data-omo-slot="pic"><tr><td>x</td></tr></table>', 'text: "Hi"', TEXT),
        ('<table><tr data-omo-slot="pic"><td>x</td></tr></table>', "snippet: s.html", ""),
        ('<table><tr><td data-omo-slot="pic">x</td></tr></table>', 'text: "Hi"', ""),
    ],
)
def test_check_says_a_content_rule_never_shows_in_a_slot_that_cannot_hold_it(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    element: str,
    action: str,
    warning: str,
) -> None:
    """A void element holds no content; a table part (``<tr>`` ...) no text (the table
    cases: engine/test_table_targets.py)."""
    said = check_warnings(tmp_path, monkeypatch, capsys, element, action, "<td>{{ x }}</td>")
    assert [line[: len(warning)] for line in said] == ([warning] if warning else []), said


def check_warnings(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    element: str,
    action: str,
    snippet: str,
) -> list[str]:
    """``omotenashi check --templates`` of one rule ``r`` (``action`` into the slot ``pic``;
    a snippet's is ``snippet``) and one template holding ``element``: its warnings of ``r``."""
    for folder in ("rules", "snippets", "templates"):
        (tmp_path / folder).mkdir()
    (tmp_path / "snippets" / "s.html").write_text(snippet)
    with_ = ", with: {x: 1}" if "snippet" in action else ""
    rules = f"rules:\n  - {{id: r, slot: pic, {action}{with_}, why: Always.}}\n"
    (tmp_path / "rules" / "site.yaml").write_text(rules)
    (tmp_path / "templates" / "page.html").write_text(f"<main>{element}</main>")
    monkeypatch.chdir(tmp_path)
    main(["check", "rules", "--templates", "templates"])
    return [line for line in capsys.readouterr().out.splitlines() if "warning: rule 'r'" in line]
