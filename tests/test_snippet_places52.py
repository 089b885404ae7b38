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


OUT, PATH, SCRIPT = "put it in a quoted data-* attribute", "after the site's own path", "tojson"
NAME = "never put the visitor's text in an attribute's name"
TOJSON = "quote that attribute with '"


@pytest.mark.parametrize(
    ("snippet", "said", "fix"),
    [
        ("<b onclick=\"hi('{{ visitor.name }}')\">Hi</b>", "in <b onclick>, which the", OUT),
        ('<b style="color: {{ visitor.name }}">Hi</b>', "in <b style>", OUT),
        ('<a href="{{ visitor.name }}">you</a>', "at the start of <a href>, where it can", PATH),
        ('<img src=" {{ visitor.cart[0] }}" alt="">', "at the start of <img src>", PATH),
        ("<script>var who = '{{ visitor.name }}';</script>", "inside a <script>", SCRIPT),
        ("<style>.x::after { content: '{{ visitor.name }}' }</style>", "inside a <style>", SCRIPT),
        ('{% set n = visitor.name %}<a href="{{ n }}">you</a>', "at the start of <a href>", PATH),
        ("<a href={{ visitor.name }}>you</a>", "in an unquoted value of its href", 'href="'),
        ("<a href=\"javascript:hi('{{ visitor.name }}')\">x</a>", "in a javascript: URL", OUT),
        ("<a href=\"java&#9;script:hi('{{ visitor.name }}')\">x</a>", "in a javascript:", OUT),
        ('<iframe srcdoc="<p>{{ visitor.name }}</p>"></iframe>', "in <iframe srcdoc>", OUT),
        # eye52b: | tojson in a handler (it leaves " as is), an unquoted plain attribute, the
        # visitor's text as an attribute's name, and a host the visitor chooses
        ('<b onclick="f({{ visitor.name | tojson }})">x</b>', "through | tojson in a", TOJSON),
        ("<b title={{ visitor.name }}>x</b>", "in an unquoted value of its title", 'title="'),
        ('<div {{ visitor.name }}="1">x</div>', "in an attribute's name", NAME),
        ('<a href="//{{ visitor.name }}">x</a>', "at the host of <a href>", PATH),
        # eye52c: | tojson in any double-quoted attribute, svg animation of an href, a
        # <script/> (browsers ignore the /), a comment browsers end at <!-->, a host after a
        # scheme, a tag whose first gap is a tab
        ('<p data-who="{{ visitor.name | tojson }}">x</p>', "through | tojson in a", TOJSON),
        (
            '<svg><a><animate attributeName="href" values="{{ visitor.name }}"/></a></svg>',
            "at the start of <animate values>",
            PATH,
        ),
        ("<script/>var who = `{{ visitor.name }}`;</script>", "inside a <script>", SCRIPT),
        ('<!--><a href="{{ visitor.name }}">you</a><!-- -->', "at the start of <a href>", PATH),
        ('<a href="https://{{ visitor.name }}">x</a>', "at the host of <a href>", PATH),
        ("<b\ttitle=\"x a='\" data-y={{ visitor.name }} c='1'>x</b>", "in an unquoted", "data-y"),
    ],
)
def test_a_visitor_s_text_where_escaping_does_not_keep_it_text_is_refused(
    tmp_path: Path, snippet: str, said: str, fix: str
) -> None:
    errors = load(tmp_path, snippet)
    assert len(errors) == 1, errors
    assert "s.html" in errors[0] and "puts the visitor's text " + said in errors[0]
    assert fix in errors[0]


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
        # eye52b: the site's own text before it chooses the scheme; the site's own names
        '<a href="page-{{ visitor.name }}.html">you</a>',
        '<a href="item{{ visitor.cart[0] }}">it</a>',
        '<a href="{{ visitor.segments[0] }}.html">yours</a>',
        '<a href="?q={{ visitor.name | urlencode }}">you</a>',
        "<p data-who='{{ visitor.name | tojson }}'>x</p>",  # (tojson escapes ')
        '<a href="mailto:{{ visitor.name }}">mail</a>',
        "<p>{{ visitor.name }}</p><![ x ]>",  # (HTMLParser cannot read it: no crash)
    ],
)
def test_a_visitor_s_text_where_escaping_keeps_it_text_is_taken(
    tmp_path: Path, snippet: str
) -> None:
    assert load(tmp_path, snippet) == []


@pytest.mark.parametrize(
    ("snippet", "refused"),
    [
        ('{% for i in items %}<a href="{{ i.url }}">{{ i.title }}</a>{% endfor %}', False),
        (
            '{% for i in items %}<a href="{{ i.url }}" title="{{ visitor.name }}">x</a>'
            "{% endfor %}",
            False,
        ),
        ('{% for i in items %}<a href="{{ visitor.name }}">{{ i.title }}</a>{% endfor %}', True),
        ("<h3 onclick=\"hi('{{ visitor.name }}')\">For you</h3>", True),
    ],
)
def test_a_recommendation_snippet_is_checked_too(
    tmp_path: Path, snippet: str, refused: bool
) -> None:
    """eye52c: a recommend rule's snippet was never rendered at load, so never checked."""
    (tmp_path / "rules").mkdir()
    (tmp_path / "snippets").mkdir()
    rule = "  - {id: a, slot: hero, snippet: s.html, recommend: {items: 2}, why: because}\n"
    (tmp_path / "rules" / "site.yaml").write_text("rules:\n" + rule)
    (tmp_path / "rules" / "catalog.yaml").write_text(
        "items:\n  - {id: a, url: /a, title: A}\n  - {id: b, url: /b, title: B}\n"
    )
    (tmp_path / "snippets" / "s.html").write_text(snippet)
    cfg = Settings(rules={"dir": tmp_path / "rules", "snippets_dir": tmp_path / "snippets"}).rules
    if refused:
        with pytest.raises(RuleSetError, match="puts the visitor's text"):
            load_all(cfg)
    else:
        assert load_all(cfg).ruleset.rules[0].id == "a"
