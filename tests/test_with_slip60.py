"""qa60: a rule's own field indented under ``with:`` is a value for the snippet, and the rule
goes without it: a ``when:`` there showed the rule to every visitor, and ``omotenashi check``
said "0 error(s)". Now it is an error at that key, saying how to mend it, unless the snippet
reads that name (then it is the snippet's value, meant)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .test_editor_messages import check_site

SNIPPETS = {
    "snippets/hero.html": '<div class="hero"><h2>{{ headline }}</h2></div>',
    "snippets/said.html": "<div><h2>{{ headline }}</h2><p>{{ why }}</p></div>",
    # (last60: a name read in what the snippet includes, imports or extends is read too)
    "snippets/wrap.html": '{% include "said.html" %}',
    "snippets/base.html": "<div>{% block main %}{% endblock %}<p>{{ category }}</p></div>",
    "snippets/child.html": '{% extends "base.html" %}{% block main %}{{ headline }}{% endblock %}',
}
RULE = """rules:
  - id: socks-fan
    slot: hero
    snippet: {snippet}
    with:
      headline: Still thinking about socks?
      {key}: {value}
    why: You have been looking at our socks.
"""


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("when", "{interest: {socks: {at_least: 2}}}"),
        ("cap", "{max: 3, per: day}"),
        ("priority", "80"),
        ("category", "browsing-history"),
        ("holdout", "0.1"),
    ],
)
def test_a_rule_field_under_with_is_an_error_at_it(
    key: str,
    value: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    rule = RULE.format(snippet="hero.html", key=key, value=value)
    files = {"rules/site.yaml": rule, **SNIPPETS}
    code, lines, _ = check_site(tmp_path, monkeypatch, capsys, files)
    assert code == 1
    assert lines[0] == (
        f"rules/site.yaml:7: error: rules[0].with.{key}: {key!r} is under with: (a value for "
        f"the snippet, which never reads it), so the rule has no {key}: of its own (indent "
        f"{key}: as far as with:, to make it the rule's)"
    )


@pytest.mark.parametrize(
    "rule",
    [
        RULE.format(snippet="said.html", key="why", value="Meant for the snippet."),
        RULE.format(snippet="hero.html", key="cta", value="/socks"),
        RULE.format(snippet="wrap.html", key="why", value="Meant for the snippet."),
        RULE.format(snippet="child.html", key="category", value="Ours"),
    ],
)
def test_a_name_the_snippet_reads_or_no_field_is_fine(
    rule: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines, said = check_site(
        tmp_path, monkeypatch, capsys, {"rules/site.yaml": rule, **SNIPPETS}
    )
    assert code == 0
    assert not [line for line in lines if ": error: " in line or "with." in line], lines
