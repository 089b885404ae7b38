"""``omotenashi check --templates`` warns of a ``selector:`` rule that no element of the
templates matches (editor63: ``.hero-titel`` showed nowhere without a word), at its field; a
selector whose parts a template gets from another (``{% extends %}``), whose counts depend on
the page put together, or that the scanner leaves alone in a template, is not warned of."""

from __future__ import annotations

from pathlib import Path

import pytest

from omotenashi.cli.main import main

BASE = (
    "<html><body><main>{% block main %}{% endblock %}</main>"
    "<ul><li>a</li></ul><table><tr><td>x</td></tr></table></body></html>"
)
HOME = (
    '{% extends "base.html" %}{% block main %}'
    '<div class="hero"><h1 class="hero-title">x</h1></div>{% endblock %}'
)
HINT = (
    "(check its spelling against the templates; each part's last element alone is looked "
    "for, as a template may get the elements around it from another)"
)


def site(tmp_path: Path, selector: str) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "base.html").write_text(BASE)
    (tmp_path / "templates" / "home.html").write_text(HOME)
    # a partial of rows, included in a table (review64: read alone, its rows were dropped)
    (tmp_path / "templates" / "row.html").write_text("<tr class=item-row><td class=price>1</td>")
    for folder in ("rules", "snippets"):
        (tmp_path / folder).mkdir()
    (tmp_path / "rules" / "site.yaml").write_text(
        "rules:\n  - id: ok\n    slot: hero\n    text: X\n    why: because\n"
        f"  - id: a\n    text: X\n    why: because\n    selector: {selector!r}\n"
    )


def checked(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    selector: str,
) -> list[str]:
    """What ``check --templates`` says of the selector rule (its lines that name a selector)."""
    site(tmp_path, selector)
    monkeypatch.chdir(tmp_path)
    assert main(["check", "rules", "--templates", "templates"]) == 0
    return [line for line in capsys.readouterr().out.splitlines() if "selector" in line]


@pytest.mark.parametrize("selector", [".hero-titel", "h2, .nope", "main #hero"])
def test_a_selector_no_template_element_matches_is_a_warning_at_its_field(
    selector: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert checked(tmp_path, monkeypatch, capsys, selector) == [
        f"rules/site.yaml:9: warning: rules[1].selector: no element in the templates "
        f"(templates) matches the selector {selector!r} of rule 'a', so it shows on none of "
        f"these pages {HINT}"
    ]


@pytest.mark.parametrize(
    "selector",
    [
        ".hero-title",  # in home.html
        "main .hero h1",  # main in base.html, the rest in home.html: h1 looked for
        "main > div.hero",
        "ul li:nth-child(3)",  # one <li> in the template: the page may have more
        "h2, h1.hero-title",  # one part matches
        "td",
        "tr > td",
        "tr.item-row",
        "td.price",
    ],
)
def test_a_selector_some_template_element_may_match_is_not_warned_of(
    selector: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert checked(tmp_path, monkeypatch, capsys, selector) == []


def test_without_templates_no_selector_is_looked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    site(tmp_path, ".hero-titel")
    monkeypatch.chdir(tmp_path)
    assert main(["check", "rules"]) == 0
    assert "selector" not in capsys.readouterr().out
