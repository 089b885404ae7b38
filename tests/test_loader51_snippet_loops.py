"""Snippet failures certain for every visitor who reaches them are errors, as a snippet that
does not compile is: a snippet that brings itself in (directly or through others) by written
names, and a snippet that does not compile brought in by another."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from omotenashi.cli.main import main
from omotenashi.errors import RuleSetError
from omotenashi.loader.reload import Reloader
from omotenashi.loader.ruleset import load_ruleset
from omotenashi.loader.snippets import Renderer
from omotenashi.metrics import Metrics
from omotenashi.settings import RulesSettings

NEVER = "its render never ends, so every visitor sees the slot's default"
FIX = "(a snippet cannot include itself, directly or through others:"
RULE = 'rules:\n  - {id: r, slot: hero, snippet: SNIPPET, why: "Everyone sees it."}\n'


def _site(tmp_path: Path, top: str, snippets: dict[str, str]) -> Path:
    (tmp_path / "rules").mkdir(parents=True, exist_ok=True)
    (tmp_path / "rules" / "site.yaml").write_text(RULE.replace("SNIPPET", top))
    for name, text in snippets.items():
        path = tmp_path / "snippets" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def _check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, list[str]]:
    monkeypatch.chdir(tmp_path)
    code = main(["check", "rules"])
    return code, capsys.readouterr().out.splitlines()


LOOPS = [
    (  # the rule's own snippet includes itself
        "t/self.html",
        {"t/self.html": "<p>self</p>\n{% include 't/self.html' %}"},
        "snippets/t/self.html:2: error: 't/self.html' includes itself",
    ),
    (
        "t/a.html",
        {
            "t/a.html": "<p>a</p>{% include 't/b.html' %}",
            "t/b.html": "<p>b</p>{% include 't/a.html' %}",
        },
        "snippets/t/b.html:1: error: 't/a.html' includes 't/b.html', which includes 't/a.html'",
    ),
    (  # told from its first snippet by name, whichever a rule uses
        "t/b.html",
        {
            "t/a.html": "<p>a</p>{% include 't/b.html' %}",
            "t/b.html": "<p>b</p>{% include 't/a.html' %}",
        },
        "snippets/t/b.html:1: error: 't/a.html' includes 't/b.html', which includes 't/a.html'",
    ),
    (
        "ext.html",
        {"ext.html": "{% extends 'ext.html' %}{% block x %}hi{% endblock %}"},
        "snippets/ext.html:1: error: 'ext.html' extends itself",
    ),
    (
        "imp.html",
        {"imp.html": "{% import 'imp.html' as m %}x"},
        "snippets/imp.html:1: error: 'imp.html' imports itself",
    ),
    (
        "fi.html",
        {"fi.html": "{% from 'fi.html' import x %}y"},
        "snippets/fi.html:1: error: 'fi.html' imports itself",
    ),
    (  # reached through a branch of the rule's snippet, three long, in a {% with %}
        "top.html",
        {
            "top.html": "{% if visitor.visits > 50 %}{% include 'x.html' %}{% endif %}top",
            "x.html": "{% with n = 1 %}{% include 'y.html' %}{% endwith %}",
            "y.html": "y\n{% include ['nope.html', 'z.html'] %}",
            "z.html": "z\n\n{% include 'x.html' %}",
        },
        "snippets/z.html:3: error: 'x.html' includes 'y.html', which includes 'z.html', which "
        "includes 'x.html'",
    ),
]


@pytest.mark.parametrize(("top", "snippets", "said"), LOOPS)
def test_a_snippet_that_brings_itself_in_is_an_error_at_the_tag_closing_the_circle(
    top: str,
    snippets: dict[str, str],
    said: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _site(tmp_path, top, snippets)
    code, lines = _check(tmp_path, monkeypatch, capsys)
    assert code != 0
    found = [line for line in lines if line.startswith(said)]
    assert len(found) == 1, lines
    assert f": {NEVER} {FIX}" in found[0]
    assert found[0].endswith("used by rule 'r')")
    assert not any("sample visitor" in line for line in lines), lines


@pytest.mark.parametrize(
    "snippets",
    [
        {  # a tree: each node includes the snippet for its children, none past the leaves
            "top.html": "<ul>{% for c in node.children %}<li>{% with node = c %}"
            "{% include 'top.html' %}{% endwith %}</li>{% endfor %}</ul>"
        },
        {
            "top.html": "{% if depth %}{% with depth = depth - 1 %}{% include 'top.html' %}"
            "{% endwith %}{% endif %}."
        },
        {"top.html": "{% macro m() %}{% include 'top.html' %}{% endmacro %}top"},
        {"top.html": "{% include 'other' ~ '.html' %}", "other.html": "o"},
    ],
    ids=["for", "if", "macro", "built-name"],
)
def test_a_snippet_that_may_stop_bringing_itself_in_is_no_error(
    snippets: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _site(tmp_path, "top.html", snippets)
    rules = tmp_path / "rules" / "site.yaml"
    rules.write_text(
        rules.read_text().replace(
            'it."}', 'it.", with: {node: {children: [{children: []}]}, depth: 3}}'
        )
    )
    code, lines = _check(tmp_path, monkeypatch, capsys)
    assert not any(NEVER in line for line in lines), lines
    assert code == 0, lines


SYNTAX = "error: does not compile: expected token 'name', got 'end of print statement'"


@pytest.mark.parametrize(
    "outer",
    [
        '<p>o</p>\n{% if visitor.visits > 50 %}{% include "inner.html" %}{% endif %}',
        '<p>o</p>\n{% include "in" ~ "ner.html" %}',  # a name built: met by the sample visitor
        '{% import "inner.html" as m %}<p>o</p>',
        '{% include ["nope.html", "inner.html"] %}',
        '{% include "inner.html" ignore missing %}',  # it is there: it fails
    ],
    ids=["branch", "built-name", "import", "list", "ignore-missing"],
)
def test_an_included_snippet_that_does_not_compile_is_the_error_its_own_rule_would_get(
    outer: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _site(tmp_path, "outer.html", {"outer.html": outer, "inner.html": "1\n2\n3\n{{ x | }}\n"})
    rules = tmp_path / "rules" / "site.yaml"
    rules.write_text(
        rules.read_text()
        + '  - {id: own, slot: side, snippet: inner.html, why: "Everyone sees it."}\n'
    )
    code, lines = _check(tmp_path, monkeypatch, capsys)
    assert code != 0
    assert lines == [f"snippets/inner.html:4: {SYNTAX} (used by rules 'r', 'own')"]


def test_a_loop_refuses_the_load_and_a_reload_keeps_the_last_good_set(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root = _site(tmp_path, "a.html", {"a.html": "a", "b.html": "b"})
    with pytest.raises(RuleSetError):  # at load, as a snippet that does not compile
        snippets = {"a.html": "{% include 'b.html' %}", "b.html": "{% include 'a.html' %}"}
        load_ruleset(
            _site(tmp_path / "x", "a.html", snippets) / "rules",
            Renderer(tmp_path / "x" / "snippets"),
        )
    cfg = RulesSettings(dir=root / "rules", snippets_dir=root / "snippets", reload_interval=1e-9)
    reloader = Reloader(cfg, Metrics())
    assert [r.rule.id for r in reloader.current.ruleset.rules] == ["r"]
    (root / "snippets" / "b.html").write_text("b{% include 'a.html' %}")
    (root / "snippets" / "a.html").write_text("a\n{% include 'b.html' %}")
    with caplog.at_level(logging.ERROR, logger="omotenashi"):
        loaded = reloader.maybe_reload()
    assert loaded is reloader.current and [r.rule.id for r in loaded.ruleset.rules] == ["r"]
    said = "\n".join(r.getMessage() for r in caplog.records)
    assert "the edit was refused" in said
    assert "snippets/b.html:1: 'a.html' includes 'b.html', which includes 'a.html'" in said
