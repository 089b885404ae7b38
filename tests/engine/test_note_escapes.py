"""The values a note's form carries per visitor and page (the CSRF token and where "don't
show me this" returns to) are escaped as html.escape escapes them, whichever characters they
hold (the note skips html.escape's passes only for values with nothing to escape)."""

from __future__ import annotations

import html

import pytest

from omotenashi.engine.decide import new_decision
from omotenashi.engine.disclosure import Disclosure, note
from omotenashi.engine.ruleset import CompiledRule
from omotenashi.rules.model import Rule

RULE = CompiledRule(
    Rule(id="hero-1", slot="hero", text="hi", why="A greeting"), "f", 1, 0, [], None, "hi"
)
DECISION = new_decision(RULE, "hero", ("you are new here",))


@pytest.mark.parametrize(
    ("csrf", "path", "back"),
    [
        ("tok-123_ABC", "/tours", ""),  # nothing to escape (the usual case)
        ("tok-123_ABC", "/tours", "hero"),
        ("a&b", "/p", ""),
        ("a<b>", "/p", "x"),
        ('a"b', "/p?x=1&y=2", ""),
        ("a'b", "/p", "top&tail"),
        ("plain", "/p/<script>", "'id'"),
        ("plain", '/p"q', 'a"b'),
        ("", "/", ""),
    ],
)
def test_the_token_and_the_way_back_are_escaped(csrf: str, path: str, back: str) -> None:
    said = note(DECISION, Disclosure(enabled=True, csrf=csrf, path=path), back=back)
    token = html.escape(csrf)
    way_back = html.escape(f"{path}#{back}" if back else path, quote=True)
    assert f'name="csrf" value="{token}">' in said
    assert f'name="next" value="{way_back}">' in said
