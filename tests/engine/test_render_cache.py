"""Recommendation snippets are rendered once per rule and items, unless they read the visitor."""

from __future__ import annotations

from pathlib import Path

import pytest
from jinja2 import FileSystemLoader
from jinja2.sandbox import SandboxedEnvironment

from omotenashi.engine.render import render_items

ENV = SandboxedEnvironment(autoescape=True)


class Owner:
    """Stands for a rule: the cache keeps outputs per rule object."""


@pytest.mark.parametrize(
    "source",
    [
        "{{ visitor.name }}",
        "{{ visitor['name'] }}",
        "{% if visitor %}known{% else %}stranger{% endif %}",
        "{{ visitor | tojson }}",  # ({{ visitor }} itself prints as no text: printing.py)
        "{{ visitor | length }}",
        "{% for k in visitor %}{{ k }}{% endfor %}",
        "{% for k in visitor | reverse %}{{ k }}{% endfor %}",
        "{{ visitor.setdefault('name') }}",
        "{{ visitor.pop('name', '') }}",
    ],
)
def test_a_snippet_that_reads_the_visitor_is_rendered_for_each_visitor(source: str) -> None:
    template = ENV.from_string(source)
    owner = Owner()
    for visitor in ({"name": "Aiko"}, {"name": "Ben", "stage": "interest"}, {}):
        got = render_items(template, {"items": [1]}, visitor, owner, ("same",))
        assert got == template.render(items=[1], visitor=visitor)


def test_the_same_rule_and_items_reuse_the_output_and_a_new_rule_renders_again() -> None:
    template = ENV.from_string("{{ title }}: {% for i in items %}{{ i }} {% endfor %}")
    owner = Owner()
    assert render_items(template, {"title": "A", "items": [1]}, {}, owner, (1,)) == "A: 1 "
    # same owner and key: the kept output, even if the values were to differ
    assert render_items(template, {"title": "B", "items": [1]}, {}, owner, (1,)) == "A: 1 "
    # another key: rendered
    assert render_items(template, {"title": "A", "items": [2]}, {}, owner, (2,)) == "A: 2 "
    # a reloaded rule (a new owner) with new values: rendered again
    assert render_items(template, {"title": "C", "items": [1]}, {}, Owner(), (1,)) == "C: 1 "


@pytest.mark.parametrize(
    ("source", "kept"),
    [
        ("{% for i in items %}{{ i }}{% endfor %}", True),
        ("{{ items | random }}", False),  # a new draw for every page
        ("{{ lipsum(1) }}", False),
    ],
)
def test_a_snippet_that_draws_anew_is_never_kept(tmp_path: Path, source: str, kept: bool) -> None:
    (tmp_path / "s.html").write_text(source)
    env = SandboxedEnvironment(autoescape=True, loader=FileSystemLoader(tmp_path))
    template = env.get_template("s.html")
    owner, values = Owner(), {"items": list(range(50))}
    first = render_items(template, values, {}, owner, ("k",))
    outputs = {render_items(template, values, {}, owner, ("k",)) for _ in range(20)}
    assert (outputs == {first}) is kept
