"""inject52 P2: autoescaping keeps a visitor's text from running as HTML in an element or a
quoted attribute, not where a browser reads it as code or a URL's scheme. A snippet that puts
it in an ``on*`` handler, a ``style``, at the start of a URL attribute, or inside a
``<script>``/``<style>`` is refused at load, at the snippet, with the fix; ``| tojson`` in a
script, an element, a plain attribute and a path after the site's own '/' are taken."""

from __future__ import annotations

from pathlib import Path

import pytest

from omotenashi.errors import RuleSetError
from omotenashi.loader.reload import load_all
from omotenashi.settings import Settings

RULE = "rules:\n  - {id: a, slot: hero, snippet: s.html, why: because}\n"


def load(tmp_path: Path, snippet: str) -> list[str]:
    (tmp_path / "rules").mkdir(exist_ok=True)
    (tmp_path / "snippets").mkdir(exist_ok=True)
    (tmp_path / "rules" / "site.yaml").write_text(RULE)
    (tmp_path / "snippets" / "s.html").write_text(snippet)
    cfg = Settings(rules={"dir": tmp_path / "rules", "snippets_dir": tmp_path / "snippets"}).rules
    try:
        load_all(cfg)
    except RuleSetError as exc:
        return [str(e) for e in exc.errors]
    return []


@pytest.mark.parametrize(
    ("snippet", "said"),
    [
        ("<b onclick=\"hi('{{ visitor.name }}')\">Hi</b>", "in <b onclick>, which the browser"),
        ('<b style="color: {{ visitor.name }}">Hi</b>', "in <b style>"),
        ('<a href="{{ visitor.name }}">you</a>', "at the start of <a href>, where it can be a"),
        ('<img src=" {{ visitor.cart[0] }}" alt="">', "at the start of <img src>"),
        ("<script>var who = '{{ visitor.name }}';</script>", "inside a <script>"),
        ("<style>.x::after { content: '{{ visitor.name }}' }</style>", "inside a <style>"),
        ('{% set n = visitor.name %}<a href="{{ n }}">you</a>', "at the start of <a href>"),
        ("<a href={{ visitor.name }}>you</a>", "at the start of <a href>"),  # (unquoted)
        ("<a href=\"javascript:hi('{{ visitor.name }}')\">x</a>", "in a javascript: URL"),
        ('<iframe srcdoc="<p>{{ visitor.name }}</p>"></iframe>', "in <iframe srcdoc>"),
    ],
)
def test_a_visitor_s_text_where_escaping_does_not_keep_it_text_is_refused(
    tmp_path: Path, snippet: str, said: str
) -> None:
    errors = load(tmp_path, snippet)
    assert len(errors) == 1, errors
    assert "s.html" in errors[0] and "puts the visitor's text " + said in errors[0]
    assert "pass it with | tojson" in errors[0]


@pytest.mark.parametrize(
    "snippet",
    [
        "<p>Hi {{ visitor.name }}</p>",
        '<b title="{{ visitor.name }}" data-who="{{ visitor.name }}">Hi</b>',
        '<a href="/members/{{ visitor.name }}">you</a>',
        '<a href="mailto:{{ visitor.name }}@example.com">you</a>',
        '<script type="application/json">{{ visitor.name | tojson }}</script>',
        "<script>var who = {{ visitor.name | tojson }};</script>",
        '<a href="/search?q={{ visitor.interests | join(",") }}">more</a>',
    ],
)
def test_a_visitor_s_text_where_escaping_keeps_it_text_is_taken(
    tmp_path: Path, snippet: str
) -> None:
    assert load(tmp_path, snippet) == []
