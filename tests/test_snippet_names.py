"""Snippets a snippet names: compiled with it when the rules load (the set in force renders
them as they were then), and kept once per file however a name built from data spells it."""

from __future__ import annotations

from pathlib import Path

import pytest

from omotenashi.engine.render import render
from omotenashi.loader.snippets import Renderer

SPELLINGS = ["Sam", "./Sam", "/Sam", ".//Sam", "./././Sam", "/./Sam/../Sam"]


def _renderer(tmp_path: Path, files: dict[str, str]) -> Renderer:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return Renderer(tmp_path)


def test_a_name_built_from_data_is_kept_once_per_file_however_spelt(tmp_path: Path) -> None:
    renderer = _renderer(
        tmp_path,
        {
            "top.html": "{% include 'greet/' ~ who ~ '.html' ignore missing %}",
            "greet/Sam.html": "<b>Hello Sam</b>",
        },
    )
    top = renderer.snippet("top.html")
    for index in range(300):
        spelt = SPELLINGS[index % len(SPELLINGS)] + "/" * (index // len(SPELLINGS) % 3)
        out = render(top, {"who": spelt.rstrip("/")}, {})
        assert out in ("<b>Hello Sam</b>", "")  # ".." is refused by the loader, as before
        render(top, {"who": f"nobody-{index}"}, {})  # no such file: nothing kept
    assert renderer.env.cache is not None
    assert len(renderer.env.cache) <= 2  # top.html and greet/Sam.html


@pytest.mark.parametrize("how", ["include", "import", "extends"])
def test_a_snippet_named_in_a_branch_is_compiled_when_the_rules_load(
    tmp_path: Path, how: str
) -> None:
    """Reached only for some visitors, it still renders as it was when the rules loaded: an
    edit is read by the next load (a refused edit never reaches pages)."""
    brings = {
        "include": "{% if show %}{% include 'rare.html' %}{% endif %}",
        "import": "{% if show %}{% import 'rare.html' as r %}{{ r.text() }}{% endif %}",
        "extends": "{% extends 'rare.html' %}",  # the whole page of it, not a branch
    }[how]
    rare = "{% macro text() %}rare one{% endmacro %}" if how == "import" else "rare one"
    renderer = _renderer(tmp_path, {"top.html": brings, "rare.html": rare, "plain.html": "plain"})
    top = renderer.snippet("top.html")
    (tmp_path / "rare.html").write_text(rare.replace("one", "two"))
    assert render(top, {"show": True}, {}) == "rare one"


@pytest.mark.parametrize("named", ["bin.html", "n" * 300])
def test_a_snippet_named_in_a_branch_that_cannot_be_read_is_not_an_error_at_load(
    tmp_path: Path, named: str
) -> None:
    """Not UTF-8, or a name the file system refuses: as before, it fails only where a render
    reaches it; and the same on every load, with a fresh environment or the one kept."""
    renderer = _renderer(
        tmp_path, {"c.html": f"{{% if show %}}{{% include '{named}' %}}{{% endif %}}<p>c</p>"}
    )
    (tmp_path / "bin.html").write_bytes(b"\xff\xfe")
    for each in (renderer, renderer.renewed(), Renderer(tmp_path)):
        assert render(each.snippet("c.html"), {"show": False}, {}) == "<p>c</p>"
