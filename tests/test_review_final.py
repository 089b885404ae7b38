"""Final review: a recommendation rendered once and kept is only kept when the snippet never
looked at the visitor, whichever way it looks, and draws nothing anew, in whatever snippet
it brings in."""

from __future__ import annotations

from pathlib import Path

import pytest
from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from omotenashi.engine.render import render_items
from omotenashi.loader.snippets import Renderer

ENV = SandboxedEnvironment(autoescape=True, undefined=StrictUndefined)


@pytest.mark.parametrize(
    "source",
    [
        "{% if visitor != {} %}back{% else %}new{% endif %}",
        "{% if {} != visitor %}back{% else %}new{% endif %}",
        "{% if visitor == {} %}new{% else %}back{% endif %}",
        "{% if visitor %}back{% else %}new{% endif %}",
        "{{ visitor|length }}",
    ],
)
def test_a_kept_recommendation_is_what_this_visitor_would_get(source: str) -> None:
    template = ENV.from_string(source)
    owner = object()
    render_items(template, {}, {}, owner, ("same items",))  # a new visitor's, first
    kept = render_items(template, {}, {"name": "Bob"}, owner, ("same items",))
    fresh = render_items(template, {}, {"name": "Bob"}, object(), ("same items",))
    assert kept == fresh


DRAW = "{{ ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l']|random }}"


@pytest.mark.parametrize(
    "snippet",
    [
        DRAW,
        '{% include "card.html" %}',
        '{% from "macros.html" import card %}{{ card() }}',
        '{% import "macros.html" as m %}{{ m.card() }}',
        '{% extends "base.html" %}',
        '{% include ["none.html", "card.html"] %}',
    ],
)
def test_a_snippet_that_draws_anew_is_rendered_anew_for_every_page(
    tmp_path: Path, snippet: str
) -> None:
    (tmp_path / "card.html").write_text(DRAW)
    (tmp_path / "macros.html").write_text(f"{{% macro card() %}}{DRAW}{{% endmacro %}}")
    (tmp_path / "base.html").write_text(f"{{% block b %}}{DRAW}{{% endblock %}}")
    (tmp_path / "recs.html").write_text(snippet)
    template = Renderer(tmp_path).snippet("recs.html")
    owner = object()
    drawn = {render_items(template, {}, {"stage": "interest"}, owner, ("k",)) for _ in range(60)}
    assert len(drawn) > 1
