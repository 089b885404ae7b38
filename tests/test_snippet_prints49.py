"""editor49: a snippet printing what is not text or a number put Python's own text in front
of visitors: ``{{ i.title }}`` over a list of ids printed ``<built-in method title of str
object at 0x…>`` (and ``{{ range }}`` a function, ``{{ visitor }}`` the visitor's whole
mapping), and ``omotenashi check`` said nothing. Now such a print fails the render: check
refuses the snippet at its line, naming the kind of value and the fix, and a page keeps the
slot's default (engine/sandbox.py ``_finalize``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from omotenashi import Omotenashi, Settings
from omotenashi.cli.main import main

from .conftest import client_for, page_app
from .test_snippet_budgets import site, the_check_error

PRINTED = "would be printed as Python writes it, not as words"


@pytest.mark.parametrize(
    ("snippet", "kind"),
    [
        (
            "<ul>{% for i in ['kyoto-autumn'] %}<li>{{ i.title }}</li>{% endfor %}</ul>\n",
            "function",
        ),
        ("<p>{{ range }}</p>\n", "function"),
        ("<p>{{ visitor }}</p>\n", "mapping"),
        ("<p>{{ visitor.segments }}</p>\n", "list"),
        ("<p>{{ none }}</p>\n", "none"),
        ("<p>{{ dict }}</p>\n", "function"),
    ],
    ids=["method-of-an-id", "function", "the-visitor", "a-list", "none", "a-class"],
)
def test_check_refuses_a_snippet_that_prints_python_s_own_text(
    snippet: str,
    kind: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    error = the_check_error(tmp_path, monkeypatch, capsys, snippet)
    assert error.startswith("snippets/banners/hero.html:1: error: ") and PRINTED in error
    assert f"a {kind}" in error and "0x" not in error


@pytest.mark.parametrize(
    "snippet",
    [
        "<p>{{ headline }} {{ 3 }} {{ 2.5 }} {{ visitor.returning }}</p>\n",
        "<p>{{ visitor.segments|join(', ') }}{{ visitor.name or '' }}</p>\n",
    ],
)
def test_text_numbers_and_nothing_still_print(
    snippet: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site(tmp_path, snippet)
    monkeypatch.chdir(tmp_path)
    assert main(["check", "rules"]) == 0


@pytest.mark.anyio
async def test_a_page_keeps_the_slot_s_default_rather_than_print_a_function(
    make_settings: Callable[..., Settings],
) -> None:
    """A print that fails only for some visitors (the sample visitor is a returning one, so
    check renders the other branch): the page keeps the slot's default for them."""
    rules = "rules:\n  - {id: hi, slot: hero, snippet: hi.html, why: Everyone.}\n"
    snippet = "<p>{% if visitor.returning %}Hi again{% else %}{{ range }}{% endif %}</p>"
    page = '<!doctype html><html><body><h1 data-omo-slot="hero">Hello</h1></body></html>'
    settings = make_settings(rules, snippets={"hi.html": snippet})
    async with client_for(Omotenashi(page_app(page), settings=settings)) as client:
        first = await client.get("/")  # a first visit: the print of a function
    assert first.status_code == 200 and "<function" not in first.text
    assert '<h1 data-omo-slot="hero">Hello</h1>' in first.text
    assert first.headers["x-omotenashi-rules"] == "-"


@pytest.mark.anyio
async def test_a_date_in_with_prints_as_written(make_settings: Callable[..., Settings]) -> None:
    """(eye49b) YAML reads ``ends: 2026-12-31`` as a date: it prints as written, and does not
    refuse the snippet (and with it the whole rule set)."""
    rules = (
        "rules:\n  - {id: sale, slot: hero, snippet: s.html, why: Everyone.,"
        " with: {ends: 2026-12-31}}\n"
    )
    page = '<!doctype html><html><body><h1 data-omo-slot="hero">Hello</h1></body></html>'
    settings = make_settings(rules, snippets={"s.html": "<p>Sale ends {{ ends }}</p>"})
    async with client_for(Omotenashi(page_app(page), settings=settings)) as client:
        got = await client.get("/")
    assert "Sale ends 2026-12-31" in got.text and got.headers["x-omotenashi-rules"] == "sale"
