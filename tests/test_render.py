from __future__ import annotations

from pathlib import Path

import pytest

from omotenashi import SnippetError
from omotenashi.engine.render import render
from omotenashi.loader.snippets import Renderer


@pytest.fixture
def renderer(tmp_path: Path) -> Renderer:
    (tmp_path / "hero.html").write_text("<h1>{{ headline }}</h1><p>{{ visitor.stage }}</p>")
    (tmp_path / "evil.html").write_text("{{ headline.__class__.__mro__ }}")
    (tmp_path / "strict.html").write_text("<p>{{ missing }}</p>")
    return Renderer(tmp_path)


def test_values_are_autoescaped(renderer: Renderer) -> None:
    out = render(
        renderer.snippet("hero.html"), {"headline": "<script>x</script>"}, {"stage": "interest"}
    )
    assert out == "<h1>&lt;script&gt;x&lt;/script&gt;</h1><p>interest</p>"


def test_the_sandbox_refuses_internals(renderer: Renderer) -> None:
    with pytest.raises(SnippetError, match="evil.html"):
        render(renderer.snippet("evil.html"), {"headline": "x"}, {})


def test_a_missing_value_fails_rather_than_printing_blank(renderer: Renderer) -> None:
    with pytest.raises(SnippetError, match="failed to render"):
        render(renderer.snippet("strict.html"), {}, {})


def test_copy_is_escaped_text(renderer: Renderer) -> None:
    template = renderer.copy("Hi {{ visitor.name }} & welcome <back>")
    assert render(template, {}, {"name": "<Ann>"}) == (
        "Hi &lt;Ann&gt; &amp; welcome &lt;back&gt;"
    )


@pytest.mark.parametrize("name", ["missing.html", "../etc/passwd"])
def test_unknown_or_escaping_snippet_names_are_refused(renderer: Renderer, name: str) -> None:
    with pytest.raises(SnippetError):
        renderer.snippet(name)
