"""The rules folder given as ``.`` (an editor in it): the snippets are the folder beside it, as
for any other spelling of that folder (editor65: ``omotenashi check .`` looked in
``rules/snippets``, 12 false "not found" errors; so did ``OMOTENASHI_RULES_DIR=.``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from omotenashi import Settings
from omotenashi.cli.main import main
from omotenashi.folders import snippets_beside

RULE = "rules:\n  - {id: a, slot: hero, snippet: hero.html, why: because}\n"


@pytest.fixture
def in_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for folder in ("rules", "snippets"):
        (tmp_path / folder).mkdir()
    (tmp_path / "rules" / "site.yaml").write_text(RULE)
    (tmp_path / "snippets" / "hero.html").write_text("<p>Hello</p>")
    monkeypatch.chdir(tmp_path / "rules")
    return tmp_path


@pytest.mark.parametrize("given", [".", "./", "../rules"])
def test_check_of_the_rules_folder_finds_the_snippets_beside_it(
    in_rules: Path, capsys: pytest.CaptureFixture[str], given: str
) -> None:
    assert main(["check", given]) == 0, capsys.readouterr()
    assert "0 error(s), 0 warning(s)" in capsys.readouterr().err


def test_the_settings_find_them_beside_it_too(in_rules: Path) -> None:
    settings = Settings(rules={"dir": "."})
    assert settings.rules.snippets_dir.resolve() == (in_rules / "snippets").resolve()


@pytest.mark.parametrize(
    ("rules", "snippets"),
    [("rules", "snippets"), ("site/rules", "site/snippets"), ("/r", "/snippets")],
)
def test_other_spellings_keep_their_own_form(rules: str, snippets: str) -> None:
    assert snippets_beside(Path(rules)) == Path(snippets)


def test_preview_of_the_rules_folder_finds_the_snippets_beside_it(
    in_rules: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = in_rules / "page.html"
    page.write_text('<html><body><div data-omo-slot="hero">x</div></body></html>')
    out = in_rules / "out.html"
    assert main(["preview", str(page), "--rules", ".", "--out", str(out)]) == 0
    assert "  fired      a " in capsys.readouterr().out
    assert "<p>Hello</p>" in out.read_text()
